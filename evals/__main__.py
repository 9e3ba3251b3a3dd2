"""`python -m evals` is `assistant eval`."""

import sys

from evals.cli import main

sys.exit(main())
