"""``python -m painsign_utils.report commands PROFILE``: print the papermill commands of a profile."""

from .rerun import main

raise SystemExit(main())
