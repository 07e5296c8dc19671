"""Users per role, the organisation tree, the job worker and the browser: what every app's tests start from."""

from __future__ import annotations

import datetime
import os

from django.core.management import call_command

from saiteki.accounts.choices import OrganizationKind, Role
from saiteki.accounts.models import Organization, User
from saiteki.accounts.services import assignment_set
from saiteki.core.fiscal import fiscal_year_of

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def make_org_tree() -> dict[str, Organization]:
    """Two bureaus with two divisions each: enough to tell 'own division' from 'other division'."""
    start = datetime.date(2000, 4, 1)
    orgs: dict[str, Organization] = {}
    for b, (bureau, divisions) in enumerate(
        [("総務部", ["情報政策課", "税務課"]), ("教育庁", ["教育政策課", "県立図書館"])], start=1
    ):
        parent = Organization.objects.create(
            kind=OrganizationKind.BUREAU, code=f"T{b}", name=bureau, valid_from=start, sort_order=b * 100
        )
        orgs[bureau] = parent
        for d, name in enumerate(divisions, start=1):
            orgs[name] = Organization.objects.create(
                kind=OrganizationKind.DIVISION,
                code=f"T{b}-{d}",
                name=name,
                parent=parent,
                valid_from=start,
                sort_order=b * 100 + d,
            )
    return orgs


#: The password every test user gets (``make_user``) and the browser tests log in with.
TEST_PASSWORD = "pw-test-12345"


def make_user(
    username: str, role: str | None, division: Organization | None = None, password: str = TEST_PASSWORD
) -> User:
    """A user with a role assignment for the current fiscal year (through the real service)."""
    user = User.objects.create_user(username=username, password=password, display_name=username)
    if role is not None:
        assignment_set(
            actor=None,
            user=user,
            fiscal_year=fiscal_year_of(datetime.date.today()),
            role=role,
            division=division,
        )
    return User.objects.get(pk=user.pk)


def make_role_users(orgs: dict[str, Organization]) -> dict[str, User]:
    """One user per role (the owner in 税務課, the admin in 情報政策課) plus ``"none"``: a user without
    a role this fiscal year. Keys are the role values, the columns of ``assert_matrix``."""
    return {
        Role.ADMIN: make_user("t-admin", Role.ADMIN, orgs["情報政策課"]),
        Role.OWNER: make_user("t-owner", Role.OWNER, orgs["税務課"]),
        Role.ADVISOR: make_user("t-advisor", Role.ADVISOR),
        Role.VIEWER: make_user("t-viewer", Role.VIEWER),
        Role.AUDITOR: make_user("t-auditor", Role.AUDITOR),
        "none": make_user("t-norole", None),
    }


def run_pending_tasks() -> None:
    """Run everything queued, in this process, through the real database queue's worker.

    Inside a test's transaction (tests without ``transaction=True``) the worker's housekeeping call
    ``close_old_connections()`` would close the connection — on PostgreSQL that ends the test's
    transaction — so it is switched off for the duration; everything else is the real worker.
    """
    from django.db import connection
    from django_tasks_db.management.commands import db_worker

    if not connection.in_atomic_block:
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
        return
    original = db_worker.close_old_connections
    db_worker.close_old_connections = lambda **kwargs: None  # type: ignore[assignment]
    try:
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    finally:
        db_worker.close_old_connections = original


def browser_launch_kwargs() -> dict:
    """Debian's Chromium, never a downloaded browser (see STACK.md)."""
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


def is_postgres() -> bool:
    """Some assertions (query plans, locks) differ by backend; the suite runs on both."""
    return os.environ.get("DATABASE_URL", "").startswith("postgres")
