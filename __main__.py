"""``python -m xrm``: the same command line as the ``xrm`` console script."""

from xrm.platform.cli.main import main

raise SystemExit(main())
