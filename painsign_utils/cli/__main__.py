"""``python -m painsign_utils.cli``: the ``painsign`` command."""

import sys

from .main import main

sys.exit(main())
