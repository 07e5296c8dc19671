"""The demo-data loaders: each app contributes one (in the platform registry); ``manage.py load_demo``
runs them in order.

Loaders must be deterministic (fixed seeds, fixed dates relative to a fixed reference) and idempotent:
running the demo twice reuses the database without duplicating anything.
"""

from __future__ import annotations

from collections.abc import Callable

from saiteki.core.registry import registry


def demo_loader(order: int, name: str):
    """Register a demo loader; ``order`` places it (organisations 10, users 20, ledger 30, …)."""

    def decorator(fn: Callable) -> Callable:
        registry.register_demo_loader(order, name, fn)
        return fn

    return decorator


def loaders() -> list[tuple[int, str, Callable]]:
    return registry.sorted_demo_loaders()
