"""``python -m dialogs.actions``: the action server without the ``careline`` command."""

from dialogs.actions.cli import main

raise SystemExit(main())
