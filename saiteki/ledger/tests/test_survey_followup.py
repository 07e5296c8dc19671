"""Survey follow-up: 差戻し with a comment and resubmission, the non-responder list and its export,
reminders by the scheduled job, 和暦 defaults."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from saiteki.core import registry as reg
from saiteki.core.jobs import job_enqueue
from saiteki.core.models import ObjectChange
from saiteki.core.testing import run_pending_tasks
from saiteki.ledger.models import SurveyCampaign, SurveyResponse
from saiteki.ledger.schedules import SURVEY_REMINDERS
from saiteki.ledger.surveys import survey_reminders_send
from saiteki.ledger.tests.test_import import make_ledger
from saiteki.ledger.tests.test_survey import create_campaign, download, response_of, upload_workbook

pytestmark = pytest.mark.django_db


def inbox_messages(user) -> list[str]:
    from saiteki.core.models import Notification

    return list(Notification.objects.filter(recipient=user).values_list("message", flat=True))


def test_admin_returns_with_a_comment_owner_sees_it_and_resubmits(
    client, orgs, role_users, django_capture_on_commit_callbacks
):
    make_ledger(orgs)
    campaign = create_campaign(client, role_users["admin"])
    own = response_of(campaign, orgs, "税務課")
    client.force_login(role_users["owner"])
    wb = download(client, own)
    assert upload_workbook(client, own, wb).status_code == 302

    client.force_login(role_users["admin"])
    url = reverse("ledger:survey_response_return", args=[own.pk])
    empty = client.post(url, {"comment": "  "})
    assert empty.status_code == 400 and "差戻しの理由を入力してください" in empty.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"comment": "経費シートの令和8年度が空欄です。"}).status_code == 302
    own.refresh_from_db()
    assert own.status == "returned" and own.returned_by == role_users["admin"]
    assert any("差し戻されました" in m for m in inbox_messages(role_users["owner"]))
    assert ObjectChange.objects.filter(object_id=own.pk, reason="調査票の差戻し").exists()

    client.force_login(role_users["owner"])
    page = client.get(reverse("ledger:survey_response", args=[own.pk])).content.decode()
    assert "経費シートの令和8年度が空欄です。" in page and 'data-testid="survey-upload-form"' in page
    assert 'data-testid="survey-return-form"' not in page  # owners cannot return
    assert client.post(url, {"comment": "x"}).status_code == 403
    assert upload_workbook(client, own, wb).status_code == 302
    own.refresh_from_db()
    assert own.status == "answered"
    page = client.get(reverse("ledger:survey_response", args=[own.pk])).content.decode()
    assert "前回の差戻し" in page


def test_only_answered_workbooks_can_be_returned(client, orgs, role_users):
    campaign = create_campaign(client, role_users["admin"])
    pending = response_of(campaign, orgs, "税務課")
    r = client.post(reverse("ledger:survey_response_return", args=[pending.pk]), {"comment": "x"})
    assert r.status_code == 400
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_non_responders_list_and_export(client, orgs, role_users):
    make_ledger(orgs)
    campaign = create_campaign(client, role_users["admin"])
    own = response_of(campaign, orgs, "税務課")
    client.force_login(role_users["owner"])
    assert upload_workbook(client, own, download(client, own)).status_code == 302

    client.force_login(role_users["admin"])
    page = client.get(campaign.get_absolute_url(), {"status": "waiting"}).content.decode()
    assert page.count('data-testid="survey-row"') == 3 and 'data-division="税務課"' not in page
    r = client.get(reverse("ledger:survey_non_responders_export", args=[campaign.pk]))
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c]
    assert "情報政策課" in cells and "県立図書館" in cells and "税務課" not in cells
    assert "未回答" in cells

    client.force_login(role_users["owner"])  # an owner's export holds only their own division
    r = client.get(reverse("ledger:survey_non_responders_export", args=[campaign.pk]))
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c]
    assert "県立図書館" not in cells


def test_reminders_go_to_waiting_divisions_near_the_due_date_once_per_interval(
    client, orgs, role_users, django_capture_on_commit_callbacks
):
    create_campaign(client, role_users["admin"])
    campaign = SurveyCampaign.objects.get()
    today = timezone.localdate()
    campaign.due_date = today + datetime.timedelta(days=30)
    campaign.save()
    assert survey_reminders_send(today=today) == 0  # too early

    campaign.due_date = today + datetime.timedelta(days=3)
    campaign.save()
    with django_capture_on_commit_callbacks(execute=True):
        told = survey_reminders_send(today=today)
    assert told == 1  # only 税務課 has a system owner in the test organisation
    messages = inbox_messages(role_users["owner"])
    assert len(messages) == 1 and "あと3日" in messages[0]
    assert survey_reminders_send(today=today) == 0  # not again the same day
    assert SurveyResponse.objects.exclude(reminded_at=None).count() == 1


@pytest.mark.django_db(transaction=True)
def test_reminder_job_is_scheduled_daily_and_runs_in_the_worker(client, orgs, role_users):
    schedule = reg.registry.schedules["ledger.survey_reminders"]
    assert schedule.job_kind == SURVEY_REMINDERS and schedule.at
    create_campaign(client, role_users["admin"])
    SurveyCampaign.objects.update(due_date=timezone.localdate())
    job = job_enqueue(kind=SURVEY_REMINDERS, title="督促", params={}, user=None)
    run_pending_tasks()
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    assert len(inbox_messages(role_users["owner"])) == 1


def test_campaign_form_defaults_to_wareki(client, role_users):
    client.force_login(role_users["admin"])
    page = client.get(reverse("ledger:survey_list")).content.decode()
    assert 'value="令和' in page and "年度 情報システム台帳調査" in page
