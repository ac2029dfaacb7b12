"""``python -m newsfeed``: the command-line interface."""

from newsfeed.cli import main

raise SystemExit(main())
