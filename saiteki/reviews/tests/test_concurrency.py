"""The one-open-case constraint holds under concurrent submits (PostgreSQL: real parallel transactions)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from saiteki.core.testing import is_postgres
from saiteki.reviews import services
from saiteki.reviews.choices import OPEN_STATES, CaseKind
from saiteki.reviews.models import ReviewCase
from saiteki.reviews.tests.conftest import FY


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_leave_one_open_case(role_users, systems):
    if not is_postgres():
        pytest.skip("parallel transactions need PostgreSQL (SQLite serialises writers)")
    owner, admin = role_users["owner"], role_users["admin"]
    barrier = threading.Barrier(4)
    results: list[str] = []
    lock = threading.Lock()

    def submit(user):
        try:
            barrier.wait(timeout=10)
            services.case_create(user=user, kind=CaseKind.PRE_BUDGET, fiscal_year=FY, system=systems["own"])
            outcome = "created"
        except services.CaseAlreadyOpen:
            outcome = "refused"
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=submit, args=(u,)) for u in (owner, admin, owner, admin)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["created", "refused", "refused", "refused"]
    assert ReviewCase.objects.filter(system=systems["own"], state__in=OPEN_STATES).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_resubmits_of_returned_cases(role_users, systems):
    """Two returned cases cannot exist beside an open one; a withdrawn one reopened concurrently neither."""
    if not is_postgres():
        pytest.skip("parallel transactions need PostgreSQL")
    owner = role_users["owner"]
    first = services.case_create(user=owner, kind=CaseKind.PRE_BUDGET, fiscal_year=FY, system=systems["own"])
    services.case_transition(user=owner, case=first, name="withdraw", comment="作り直し")
    barrier = threading.Barrier(3)
    results = []

    def create():
        try:
            barrier.wait(timeout=10)
            services.case_create(user=owner, kind=CaseKind.PRE_BUDGET, fiscal_year=FY, system=systems["own"])
            results.append("created")
        except services.CaseAlreadyOpen:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["created", "refused", "refused"]
