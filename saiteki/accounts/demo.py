"""Demo organisation (Okayama's 11 部局 with realistic 所属) and the five demo users."""

from __future__ import annotations

import datetime

from saiteki.core.demo import demo_loader
from saiteki.core.fiscal import fiscal_year_of

from .choices import OrganizationKind, Role
from .models import Organization, User
from .services import assignment_set

DEMO_PASSWORD = "saiteki-demo"

# 部局 → 所属, after Okayama's second optimisation plan (FY2014) table of systems by department.
ORGANISATION: list[tuple[str, list[str]]] = [
    (
        "危機管理監・総務部・総合政策局",
        [
            "危機管理課",
            "消防保安課",
            "総務学事課",
            "人事課",
            "財政課",
            "税務課",
            "財産活用課",
            "情報政策課",
            "政策推進課",
            "統計分析課",
            "公聴広報課",
        ],
    ),
    (
        "県民生活部",
        [
            "くらし安全安心課",
            "男女共同参画青少年課",
            "県民生活交通課",
            "中山間・地域振興課",
            "人権施策推進課",
        ],
    ),
    (
        "環境文化部",
        ["環境企画課", "環境管理課", "循環型社会推進課", "自然環境課", "文化振興課", "スポーツ振興課"],
    ),
    (
        "保健福祉部",
        [
            "保健福祉課",
            "医療推進課",
            "健康推進課",
            "生活衛生課",
            "長寿社会課",
            "子ども未来課",
            "障害福祉課",
            "医薬安全課",
        ],
    ),
    ("産業労働部", ["産業企画課", "産業振興課", "観光課", "労働雇用政策課"]),
    ("農林水産部", ["農林水産総合企画課", "農政企画課", "農産課", "畜産課", "林政課", "水産課", "耕地課"]),
    (
        "土木部",
        ["監理課", "技術管理課", "道路整備課", "河川課", "防災砂防課", "都市計画課", "建築指導課", "港湾課"],
    ),
    ("出納局", ["会計課", "審査課"]),
    (
        "諸局・県民局",
        [
            "議会事務局総務課",
            "監査委員事務局",
            "人事委員会事務局",
            "備前県民局地域政策課",
            "備中県民局地域政策課",
            "美作県民局地域政策課",
        ],
    ),
    ("企業局", ["企業局総務経営課", "企業局施設課"]),
    (
        "教育庁",
        [
            "教育政策課",
            "教職員課",
            "教育財務課",
            "高校教育課",
            "義務教育課",
            "特別支援教育課",
            "生涯学習課",
            "保健体育課",
            "県立図書館",
        ],
    ),
]

# username, display name, role, division name (None: no division needed)
DEMO_USERS = [
    ("demo-admin", "情報 花子（情報政策課）", Role.ADMIN, "情報政策課"),
    ("demo-owner", "税務 太郎（税務課）", Role.OWNER, "税務課"),
    ("demo-advisor", "補佐 一郎（CIO補佐官）", Role.ADVISOR, None),
    ("demo-viewer", "委員 次郎（IT戦略推進委員会）", Role.VIEWER, None),
    ("demo-auditor", "監査 三郎（監査委員事務局）", Role.AUDITOR, "監査委員事務局"),
]


def bureau_code(i: int) -> str:
    return f"B{i:02d}"


def division_code(i: int, j: int) -> str:
    return f"B{i:02d}-{j:02d}"


@demo_loader(10, "組織")
def load_organisation() -> str:
    created = 0
    start = datetime.date(2000, 4, 1)
    for i, (bureau_name, divisions) in enumerate(ORGANISATION, start=1):
        bureau, new = Organization.objects.get_or_create(
            code=bureau_code(i),
            defaults={
                "kind": OrganizationKind.BUREAU,
                "name": bureau_name,
                "sort_order": i * 100,
                "valid_from": start,
            },
        )
        created += new
        for j, name in enumerate(divisions, start=1):
            _, new = Organization.objects.get_or_create(
                code=division_code(i, j),
                defaults={
                    "kind": OrganizationKind.DIVISION,
                    "name": name,
                    "parent": bureau,
                    "sort_order": i * 100 + j,
                    "valid_from": start,
                },
            )
            created += new
    return f"{Organization.objects.count()}件（新規{created}件）"


@demo_loader(20, "デモ利用者")
def load_users() -> str:
    fy = fiscal_year_of(datetime.date.today())
    created = 0
    admin = None
    for username, display, role, division_name in DEMO_USERS:
        user, new = User.objects.get_or_create(username=username, defaults={"display_name": display})
        if new:
            user.set_password(DEMO_PASSWORD)
            user.save()
            created += 1
        division = Organization.objects.filter(name=division_name).first() if division_name else None
        if not user.assignments.filter(fiscal_year=fy).exists():
            assignment_set(actor=admin, user=user, fiscal_year=fy, role=role, division=division)
        if username == "demo-admin":
            admin = user
    # The April rotation: last year demo-owner was in 財政課.
    owner = User.objects.get(username="demo-owner")
    if not owner.assignments.filter(fiscal_year=fy - 1).exists():
        assignment_set(
            actor=admin,
            user=owner,
            fiscal_year=fy - 1,
            role=Role.OWNER,
            division=Organization.objects.get(name="財政課"),
        )
    return f"{len(DEMO_USERS)}人（新規{created}人）、パスワード {DEMO_PASSWORD}"
