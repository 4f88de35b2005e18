"""python -m annotators.review: the review commands without the main CLI."""

import sys

from .cli import main

sys.exit(main())
