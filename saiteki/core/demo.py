"""The demo-data registry: each app contributes a loader; ``manage.py load_demo`` runs them in order.

Loaders must be deterministic (fixed seeds, fixed dates relative to a fixed reference) and idempotent:
running the demo twice reuses the database without duplicating anything.
"""

from __future__ import annotations

from collections.abc import Callable

_LOADERS: list[tuple[int, str, Callable]] = []


def demo_loader(order: int, name: str):
    def decorator(fn: Callable) -> Callable:
        _LOADERS.append((order, name, fn))
        return fn

    return decorator


def loaders() -> list[tuple[int, str, Callable]]:
    return sorted(_LOADERS, key=lambda x: x[0])
