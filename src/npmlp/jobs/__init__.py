"""Npmlp train as a job, with its run folder and checkpoints; evaluation."""
