"""``python -m sigstack``: the same as the ``sigstack`` command."""

from sigstack.cli.main import main

raise SystemExit(main())
