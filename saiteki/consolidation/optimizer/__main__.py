"""Entry point for ``python -m saiteki.consolidation.optimizer``."""

from .cli import main

raise SystemExit(main())
