"""``python -m companion students OUT_DIR``: write the student notebooks (see :mod:`companion.students`)."""

import sys

from .students import main

sys.exit(main())
