"""``python -m itnivoice_nb`` runs the command line (see :mod:`itnivoice_nb._cli`)."""

import sys

from ._cli import main

sys.exit(main())
