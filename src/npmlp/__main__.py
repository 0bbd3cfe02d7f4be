"""``python -m npmlp``: the same command line as the ``npmlp`` console script."""

import sys

from .cli import main

sys.exit(main())
