"""Pictures, the report, what a notebook shows."""
