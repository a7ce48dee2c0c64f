"""`python -m tools.synth --out DIR`: see `tools.synth.cli`."""

import sys

from .cli import main

sys.exit(main())
