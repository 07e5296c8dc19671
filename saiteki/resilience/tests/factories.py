"""A small resilience world for the tests: two divisions' systems with practices and ICT-BCP, a drill
with an action, incidents with and without personal data, an e-mail drill, training, documents."""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from saiteki.ledger.tests.factories import make_system
from saiteki.resilience import services
from saiteki.resilience.choices import ActionStatus, BackupFrequency, IncidentKind, SeparationModel, Severity
from saiteki.resilience.models import (
    BackupPractice,
    BcpDocument,
    BcpDrill,
    BcpProfile,
    DrillAction,
    EmailDrill,
    EmailDrillResult,
    NetworkSeparation,
    SecurityIncident,
    TrainingSession,
)

TODAY = timezone.localdate()


def make_world(orgs) -> dict:
    services.standards_ensure()
    own = make_system(orgs["税務課"], number="S-OWN", name="県税総合システム", integrity=3, availability=3)
    other = make_system(
        orgs["県立図書館"], number="S-OTH", name="図書館業務システム", integrity=2, availability=2
    )
    own_practice = BackupPractice.objects.create(
        system=own,
        frequency=BackupFrequency.DAILY,
        generations=7,
        offsite_location="県外データセンター",
        offline_copy=True,
        last_restore_test=TODAY - datetime.timedelta(days=400),
    )
    other_practice = BackupPractice.objects.create(
        system=other,
        frequency=BackupFrequency.WEEKLY,
        generations=3,
        offsite_location="南庁舎",
        last_restore_test=TODAY,
    )
    own_bcp = BcpProfile.objects.create(
        system=own, rank="A", rto_hours=24, rpo_hours=24, priority_business="県税の減免"
    )
    other_bcp = BcpProfile.objects.create(system=other, rank="C", rto_hours=168, rpo_hours=24)
    own_bcp.depends_on.set([other])
    drill = BcpDrill.objects.create(
        held_on=TODAY - datetime.timedelta(days=10), title="ICT-BCP机上訓練", findings="連絡網が古い"
    )
    drill.systems.set([own])
    action = DrillAction.objects.create(drill=drill, description="連絡網を更新する", status=ActionStatus.OPEN)
    personal_own = SecurityIncident.objects.create(
        occurred_on=TODAY - datetime.timedelta(days=3),
        title="税務課のメール誤送信",
        kind=IncidentKind.MISSEND,
        severity=Severity.MEDIUM,
        personal_data=True,
    )
    personal_own.systems.set([own])
    personal_other = SecurityIncident.objects.create(
        occurred_on=TODAY - datetime.timedelta(days=2),
        title="図書館の利用者情報の漏えい",
        kind=IncidentKind.LEAK,
        severity=Severity.HIGH,
        personal_data=True,
    )
    personal_other.systems.set([other])
    plain_other = SecurityIncident.objects.create(
        occurred_on=TODAY - datetime.timedelta(days=1),
        title="図書館サイトへのサービス妨害",
        kind=IncidentKind.DOS,
        severity=Severity.LOW,
    )
    plain_other.systems.set([other])
    email = EmailDrill.objects.create(
        held_on=TODAY - datetime.timedelta(days=20), title="第1回 標的型攻撃メール訓練"
    )
    result = EmailDrillResult.objects.create(
        drill=email, bureau=orgs["総務部"], sent=100, opened=40, clicked=10, reported=30
    )
    training = TrainingSession.objects.create(
        held_on=TODAY - datetime.timedelta(days=5), title="情報セキュリティ研修（第1回）", attendees=120
    )
    separation = NetworkSeparation.objects.create(
        model=SeparationModel.ALPHA, effective_from=datetime.date(2017, 7, 1)
    )
    global_doc = BcpDocument(title="全庁ICT-BCP", edition="第3版")
    global_doc.file.save("bcp.txt", ContentFile(b"ICT-BCP"), save=False)
    global_doc.file_name = "bcp.txt"
    global_doc.save()
    other_doc = BcpDocument.objects.create(title="図書館システム復旧手順書")
    other_doc.systems.set([other])
    return {
        "own": own,
        "other": other,
        "own_practice": own_practice,
        "other_practice": other_practice,
        "own_bcp": own_bcp,
        "other_bcp": other_bcp,
        "drill": drill,
        "action": action,
        "personal_own": personal_own,
        "personal_other": personal_other,
        "plain_other": plain_other,
        "email": email,
        "result": result,
        "training": training,
        "separation": separation,
        "global_doc": global_doc,
        "other_doc": other_doc,
    }
