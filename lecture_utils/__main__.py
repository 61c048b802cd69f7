"""Command line of the book: ``python -m lecture_utils reproduce FIGURE [options]``."""

import sys

from .reproduce import main

sys.exit(main())
