"""The registry: an app declares; core discovers. The plugin app exists only in the test settings."""

from __future__ import annotations

import ast
import pathlib

import pytest
from django.urls import reverse

from saiteki.core import registry as reg
from saiteki.core.jobs import job_enqueue
from saiteki.core.testing import run_pending_tasks

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_plugin_pages_api_and_job_kind_without_core_edits(client, role_users, orgs):
    from saiteki.core.tests.plugin.models import Gadget

    gadget = Gadget.objects.create(code="G1", name="g", division=orgs["税務課"])
    client.force_login(role_users["admin"])
    assert client.get(reverse("plugin:gadget_list")).content == b"gadgets"
    assert (
        client.get(reverse("plugin:gadget_detail", args=[gadget.pk])).content
        == f"gadget {gadget.pk}".encode()
    )
    assert client.get("/api/v1/plugin/ping/").json() == {"pong": True}
    assert "plugin.count" in reg.registry.job_kinds


@pytest.mark.django_db(transaction=True)
def test_plugin_job_kind_runs_in_the_worker(role_users):
    job = job_enqueue(kind="plugin.count", title="数える", params={}, user=role_users["admin"])
    run_pending_tasks()
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    assert job.result == {"count": 0}


def test_menu_shows_plugin_entries_by_role(client, role_users):
    client.force_login(role_users["admin"])
    page = client.get(reverse("core:home")).content.decode()
    assert "ガジェット" in page and "管理者だけ" in page
    client.force_login(role_users["viewer"])
    page = client.get(reverse("core:home")).content.decode()
    assert "ガジェット" in page and "管理者だけ" not in page


def test_every_menu_entry_reverses():
    """A wrong URL name fails here instead of the entry silently vanishing from the menu."""
    groups = reg.menu_groups()
    assert {g.key for g in groups} >= {"ledger", "consolidation", "admin", "plugin"}
    for group in groups:
        for item in group.items:
            reverse(item.url_name)


def test_viewer_has_no_admin_menu(client, role_users):
    client.force_login(role_users["viewer"])
    page = client.get(reverse("core:home")).content.decode()
    assert reverse("ledger:vendor_list") not in page
    assert reverse("core:audit_log") not in page


def test_duplicate_registration_is_refused():
    r = reg.Registry()

    def first(job, report):
        return None

    def second(job, report):
        return None

    r.register_job_kind("x", first)
    r.register_job_kind("x", first)  # the same function again (a re-imported module) is fine
    with pytest.raises(ValueError):
        r.register_job_kind("x", second)


def _imports(path: pathlib.Path) -> set[str]:
    """Module-level and function-level imports of one file (``from x import y`` and ``import x``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_core_never_imports_an_app():
    """Core is the platform: no core module (tests and test helpers aside) imports an app, so there is
    no import cycle between core and any app."""
    core = ROOT / "saiteki" / "core"
    offenders = []
    for path in core.rglob("*.py"):
        rel = path.relative_to(core)
        if rel.parts[0] in ("tests", "migrations"):
            continue
        for module in _imports(path):
            if module.startswith("saiteki.") and not module.startswith("saiteki.core"):
                offenders.append(f"{rel}: {module}")
    assert offenders == []
