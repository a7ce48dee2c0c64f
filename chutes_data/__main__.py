"""`python -m chutes_data` (see chutes_data/cli/)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
