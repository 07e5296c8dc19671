"""The ledger tests' builders now live with every app's factories in ``saiteki.core.testing.factories``."""

from saiteki.core.testing.factories import make_cost, make_server, make_system

__all__ = ["make_cost", "make_server", "make_system"]
