"""``python -m itnivoice_nb`` runs the command line (see :mod:`itnivoice_nb.cli`)."""

import sys

from .cli import main

sys.exit(main())
