"""Shared test machinery (NetBox's ``utilities/testing`` is the model).

- ``base``: the organisation tree, one user per role, the job worker, the browser's launch arguments;
- ``matrix``: ``assert_matrix`` — a declarative role × request permission matrix with a readable diff;
- ``queries``: ``assert_queries_flat`` (a page's query count does not grow with its rows) and
  ``query_baseline`` (a per-app ``query_counts.json`` ceiling, NetBox-style);
- ``axe``: axe-core accessibility checks in Playwright (``run_axe``, ``describe``, ``session_cookie``);
- ``factories``: factory-boy factories for organisations, users and the ledger and planner objects
  that several apps' tests build (imported explicitly: ``from saiteki.core.testing.factories import …``).

Everything here may import apps: it is test code, exempt from the "core never imports an app" rule.
"""

from saiteki.core.testing.base import (
    CHROMIUM,
    CHROMIUM_ARGS,
    browser_launch_kwargs,
    is_postgres,
    make_org_tree,
    make_role_users,
    make_user,
    run_pending_tasks,
)
from saiteki.core.testing.matrix import ROLES, assert_matrix, statuses
from saiteki.core.testing.queries import assert_queries_flat, query_baseline

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "ROLES",
    "assert_matrix",
    "assert_queries_flat",
    "browser_launch_kwargs",
    "is_postgres",
    "make_org_tree",
    "make_role_users",
    "make_user",
    "query_baseline",
    "run_pending_tasks",
    "statuses",
]
