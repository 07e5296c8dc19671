"""SAM notices through the inbox: licence shortfalls after a reconciliation, licence terms ending soon,
and the daily job that sends both."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import selectors
from .choices import (
    NOTIFY_EXPIRY,
    NOTIFY_SHORTFALL,
)
from .models import (
    ExpiryNotice,
    ReconciliationRow,
    ReconciliationRun,
)
from .services import reconciliation_run

Report = Callable[[int, str], None]


def shortfalls_notify(*, run: ReconciliationRun) -> int:
    """Tell each 所属 (its system owners; the admins for the central pool and unassigned devices)
    about titles short in this run that were not short as much in the previous run. Once per run."""
    from django.urls import reverse

    from saiteki.core.notifications import notify

    if run.notified_at is not None:
        return 0
    prev = selectors.previous_run(run)
    before: dict[tuple[int, int | None], int] = {}
    if prev is not None:
        before = {
            (t, d): s
            for t, d, s in ReconciliationRow.objects.filter(run=prev, shortfall__gt=0).values_list(
                "title_id", "division_id", "shortfall"
            )
        }
    news: dict[int | None, list[tuple[str, int, int]]] = defaultdict(list)
    for row in ReconciliationRow.objects.filter(run=run, shortfall__gt=0).select_related("title"):
        was = before.get((row.title_id, row.division_id), 0)
        if row.shortfall > was:
            news[row.division_id].append((row.title.name, row.shortfall, was))
    sent = 0
    url = reverse("sam:dashboard")
    with transaction.atomic():
        for division_id, items in news.items():
            recipients = (
                selectors.division_owners([division_id]) if division_id is not None else selectors.admins()
            )
            lines = "、".join(
                _("%(title)s %(n)s本不足（前回%(was)s本）") % {"title": t, "n": n, "was": w}
                for t, n, w in items[:5]
            )
            more = _("ほか%(n)s件") % {"n": len(items) - 5} if len(items) > 5 else ""
            notify(
                recipients,
                NOTIFY_SHORTFALL,
                run,
                _("ライセンスが不足しています: %(lines)s%(more)s。購入または利用の見直しを検討してください。")
                % {"lines": lines, "more": more},
                url=url + (f"?division={division_id}" if division_id else ""),
            )
            sent += 1
        ReconciliationRun.objects.filter(pk=run.pk).update(notified_at=timezone.now())
    return sent


#: Lead times (days) at which a licence's term end is announced.
EXPIRY_DAYS = (90, 30)


def expiries_notify(*, today: datetime.date | None = None, days: Iterable[int] = EXPIRY_DAYS) -> int:
    """Tell the owners of licences whose term ends within the lead times (once per purchase, term end
    and the tightest lead time reached). Returns the number of notices sent."""
    from saiteki.core.display import date_text
    from saiteki.core.notifications import notify

    today = today or datetime.date.today()
    leads = sorted(set(days))
    if not leads:
        return 0
    sent = 0
    for purchase in selectors.expiring(user=None, on=today, days=leads[-1]):
        assert purchase.term_end is not None
        lead = next(d for d in leads if purchase.term_end <= today + datetime.timedelta(days=d))
        if ExpiryNotice.objects.filter(
            purchase=purchase, term_end=purchase.term_end, days_ahead__lte=lead
        ).exists():
            continue
        entitlement = purchase.entitlement
        division = entitlement.owner_division_id
        recipients = selectors.division_owners([division]) if division else selectors.admins()
        with transaction.atomic():
            ExpiryNotice.objects.create(purchase=purchase, term_end=purchase.term_end, days_ahead=lead)
            notify(
                recipients,
                NOTIFY_EXPIRY,
                entitlement,
                _(
                    "%(licence)s の利用期間が %(date)s に終了します（%(n)s本、あと%(days)s日以内）。更新の要否を確認してください。"
                )
                % {
                    "licence": entitlement,
                    "date": date_text(purchase.term_end),
                    "n": purchase.quantity,
                    "days": lead,
                },
            )
        sent += 1
    return sent


def daily(*, today: datetime.date | None = None) -> dict[str, Any]:
    """The scheduled job: reconcile, tell 所属 about new shortfalls, warn of expiries."""
    run = reconciliation_run(as_of=today)
    return {
        "run": run.pk,
        "shortfall": run.shortfall,
        "shortfall_notices": shortfalls_notify(run=run),
        "expiry_notices": expiries_notify(today=today),
    }
