"""`python -m hotline.cli` runs the `hotline` command (how `hotline run` starts its children)."""

import sys

from hotline.cli.main import main

sys.exit(main())
