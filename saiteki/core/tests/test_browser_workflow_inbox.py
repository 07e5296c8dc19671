"""Browser flows of the workflow buttons, the inbox and the schedules page, in Debian Chromium, with
axe-core on each page (no serious or critical WCAG A/AA violation)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from saiteki.core.models import Job, Notification
from saiteki.core.notifications import notify
from saiteki.core.registry import registry
from saiteki.core.roles import Role
from saiteki.core.testing import make_org_tree, make_role_users
from saiteki.core.tests.flow.models import Request
from saiteki.core.tests.test_accessibility import BLOCKING, describe, run_axe, session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _page(browser, live_server, user):
    context = browser.new_context(locale="ja-JP", bypass_csp=True)
    context.add_cookies([session_cookie(user, live_server)])
    return context, context.new_page()


def _axe(page, role, name, found):
    found.extend((role, name, page.url, v) for v in run_axe(page) if v["impact"] in BLOCKING)


def test_transition_buttons_inbox_and_schedules(browser, live_server, monkeypatch):
    monkeypatch.setattr(registry, "schedules", {"flow.tally": registry.schedules["flow.tally"]})
    orgs = make_org_tree()
    users = make_role_users(orgs)
    owner, admin = users[Role.OWNER], users[Role.ADMIN]
    req = Request.objects.create(title="端末更新の申請", division=orgs["税務課"], amount=1_200_000)
    notify(owner, "flow.reminder", req, "申請の提出期限が近づいています。")
    notify(owner, "flow.info", None, "お知らせのテストです。")
    found: list = []

    # The owner submits the request with the workflow buttons.
    context, page = _page(browser, live_server, owner)
    page.goto(f"{live_server.url}{req.get_absolute_url()}")
    _axe(page, "owner", "request with transitions", found)
    form = page.get_by_test_id("transition-submit")
    form.get_by_label("コメント").fill("よろしくお願いします")
    form.get_by_role("button", name=re.compile("提出")).click()
    expect(page.get_by_text("「提出」を行いました。")).to_be_visible()
    expect(page.get_by_test_id("state")).to_have_text("提出済み")
    req.refresh_from_db()
    assert req.state == "submitted"

    # The header tells how many are unread, in words; the inbox marks one read.
    expect(page.get_by_test_id("inbox-link")).to_contain_text("未読 2件")
    page.get_by_test_id("inbox-link").click()
    _axe(page, "owner", "inbox", found)
    expect(page.get_by_test_id("inbox-row")).to_have_count(2)
    page.get_by_test_id("inbox-read").first.click()
    expect(page.get_by_test_id("inbox-link")).to_contain_text("未読 1件")
    assert Notification.objects.filter(recipient=owner, read_at__isnull=True).count() == 1
    page.get_by_role("link", name="通知設定").click()
    _axe(page, "owner", "notification preferences", found)
    page.get_by_label("メールでも受け取る").check()
    page.get_by_test_id("save-preferences").click()
    expect(page.get_by_text("通知設定を保存しました。")).to_be_visible()
    context.close()

    # The admin sends it back (a comment is required) and runs a schedule now.
    context, page = _page(browser, live_server, admin)
    page.goto(f"{live_server.url}{req.get_absolute_url()}")
    expect(page.get_by_test_id("transition-send_back").get_by_text("必須")).to_be_visible()
    send_back = page.get_by_test_id("transition-send_back")
    send_back.get_by_label(re.compile("コメント")).fill("見積の根拠を添付してください")
    send_back.get_by_role("button", name=re.compile("差戻し")).click()
    expect(page.get_by_test_id("state")).to_have_text("差戻し")
    page.goto(f"{live_server.url}/schedules/")
    _axe(page, "admin", "schedules", found)
    page.get_by_test_id("run-flow.tally").click()
    expect(page).to_have_url(re.compile(r"/jobs/"))
    assert Job.objects.filter(kind="flow.tally", created_by=admin).exists()
    context.close()

    assert not found, describe(found)
