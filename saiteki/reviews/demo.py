"""Demo reviews: seven fiscal years of P cases on the demo ledger's systems (the budget year being the
next fiscal year), D cases for this year's contracts, about 46 system evaluations with dispositions,
proposals in every status (the open ones carried over to next year's P cases), CIO advisor opinions,
one gate exception, and the gate switched on from next fiscal year.

Following Mie's figures: reviews cut requests by about ¥350M a year (here falling from about ¥450M to
¥250M as requests shrink) — the assessed amounts are the ledger's 予算額, the requests add the cut.
Bulk-loaded (no per-row history) so `make demo` stays quick; the flows a person tries in the demo
(submit, opinion, decide) then write history as usual. Deterministic: one seeded generator.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

from django.utils import timezone

from saiteki.accounts.models import User
from saiteki.core.demo import demo_loader
from saiteki.core.fiscal import fiscal_year_of
from saiteki.ledger.choices import CostCategory, CostStage
from saiteki.ledger.models import Contract, Cost, System

from .choices import CaseKind, CaseState, Disposition, GateKind, ProposalStatus
from .models import (
    AdvisorOpinion,
    CaseLine,
    Evaluation,
    EvaluationPlanItem,
    EvaluationScore,
    GateException,
    GateSetting,
    Proposal,
    ProposalCheck,
    ReviewCase,
    ReviewDecision,
    RubricCriterion,
    VendorQuote,
)

SEED = 20170401
YEARS = 7
#: Demo-owner's division: its systems get no case for next year, so the demo can create one.
OWNER_DIVISION = "税務課"

PROPOSAL_TEXTS = [
    ("共通基盤（統合サーバ）への移行", "物理サーバの更改時期に合わせ、共通基盤の仮想サーバへ移行する。"),
    ("保守契約の見直し", "ハードウェア保守の範囲を見直し、オンサイト保守を必要な機器に限定する。"),
    ("クラウドサービスの利用検討", "同種の業務で利用されているSaaSの比較検討を行う。"),
    ("統合認証（SSO）への対応", "庁内統合認証と連携し、ID管理の負担を減らす。"),
    ("類似システムとの統合", "他部局の類似システムとの統合可能性を調査する。"),
    ("仕様書の改善", "次期調達の仕様書で性能要件を利用実績に合わせて見直す。"),
    ("バックアップの外部保管", "バックアップの遠隔地保管をBCPの基準に合わせる。"),
]
OPINIONS = [
    (
        "他県の同種システムと比べて運用経費が高い理由を確認したい。",
        "他県の事例では共通基盤の利用で保守費を約2割抑えている。次期更改で検討されたい。",
        "次期更改の仕様に共通基盤の利用を盛り込みます。",
    ),
    (
        "RFIの結果、見積額に大きな開きがある。比較の観点は妥当か。",
        "機能要件の粒度が事業者により異なる。同一の要件一覧で再見積を求めるべき。",
        "要件一覧を作成し再見積を依頼しました。",
    ),
    (
        "セキュリティ対策の水準は十分か。",
        "インターネット接続系との分離は適切。ログの保管期間を延ばすことが望ましい。",
        "",
    ),
]


def _criteria() -> list[RubricCriterion]:
    return list(RubricCriterion.objects.filter(active=True))


def _bulk(model, objs):
    return model.objects.bulk_create(objs, batch_size=1000)


@demo_loader(45, "審査・評価")
def load_reviews() -> str:
    if ReviewCase.objects.exists():
        return f"{ReviewCase.objects.count()}件（既存のため追加なし）"
    systems = list(System.objects.select_related("owning_division").order_by("number"))
    if not systems:
        return "台帳がないため追加なし"
    from .services import rubric_defaults_ensure

    rubric_defaults_ensure()
    rng = random.Random(SEED)
    now = timezone.now()
    cfy = fiscal_year_of(datetime.date.today())
    budget_year = cfy + 1
    first = budget_year - YEARS + 1
    admin = User.objects.filter(username="demo-admin").first()
    advisor = User.objects.filter(username="demo-advisor").first()
    owner = User.objects.filter(username="demo-owner").first()

    # Ledger amounts: 予算額 (years ≤ this year) and 要求額 (next year) per system, year and category.
    amounts: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for sid, fy, cat, stage, amount in Cost.objects.filter(fiscal_year__gte=first).values_list(
        "system_id", "fiscal_year", "category", "stage", "amount"
    ):
        if (stage == CostStage.BUDGET and fy <= cfy) or (stage == CostStage.REQUESTED and fy == budget_year):
            amounts[(sid, fy)][cat] = amount

    cases: list[ReviewCase] = []
    lines: dict[int, list[tuple[str, int, int | None]]] = {}
    for fy in range(first, budget_year + 1):
        # The year's cut: about ¥450M falling to ¥250M (mean ≈ ¥350M), spread by random weights.
        target = 450_000_000 - (fy - first) * (200_000_000 // (YEARS - 2)) if fy < budget_year else 0
        year_systems = [s for s in systems if amounts.get((s.pk, fy))]
        weights = {s.pk: rng.uniform(0.2, 1.8) * sum(amounts[(s.pk, fy)].values()) for s in year_systems}
        weight_total = sum(weights.values()) or 1
        for s in year_systems:
            if fy == budget_year and s.owning_division.name == OWNER_DIVISION:
                continue  # left for the demo: the owner submits it
            budget = amounts[(s.pk, fy)]
            state = CaseState.APPROVED if rng.random() < 0.85 else CaseState.CONDITIONAL
            if fy == budget_year:
                state = rng.choices(
                    [
                        CaseState.APPROVED,
                        CaseState.CONDITIONAL,
                        CaseState.SUBMITTED,
                        CaseState.UNDER_REVIEW,
                        CaseState.ADVISOR,
                        CaseState.RETURNED,
                        CaseState.DRAFT,
                    ],
                    weights=[40, 10, 15, 15, 5, 5, 10],
                )[0]
            decided = state in (CaseState.APPROVED, CaseState.CONDITIONAL)
            cut = target * weights[s.pk] / weight_total
            total = sum(budget.values()) or 1
            rows = []
            for cat, amount in budget.items():
                if fy < budget_year:
                    assessed = amount
                    requested = amount + int(round(cut * amount / total / 1000)) * 1000
                else:
                    requested = amount
                    assessed = int(round(amount * rng.uniform(0.88, 1.0) / 1000)) * 1000 if decided else None
                rows.append((cat, requested, assessed))
            submitted = timezone.make_aware(
                datetime.datetime(fy - 1, rng.randint(9, 10), rng.randint(1, 28), 10)
            )
            decided_at = submitted + datetime.timedelta(days=rng.randint(10, 40)) if decided else None
            case = ReviewCase(
                kind=CaseKind.PRE_BUDGET,
                fiscal_year=fy,
                system=s,
                division=s.owning_division,
                title=f"{s.name} {fy}年度予算要求",
                summary="運用保守経費および更改に係る経費の要求。",
                state=state,
                submitted_at=submitted if state != CaseState.DRAFT else None,
                decided_at=decided_at,
                decided_by=admin if decided else None,
                due_date=(datetime.date.today() + datetime.timedelta(days=rng.randint(-5, 12)))
                if state
                in (CaseState.SUBMITTED, CaseState.UNDER_REVIEW, CaseState.ADVISOR, CaseState.RETURNED)
                else None,
                findings="類似システムとの比較により運用保守経費を査定。" if decided else "",
                conditions="次期更改時に共通基盤の利用を検討すること。"
                if state == CaseState.CONDITIONAL
                else "",
                created_by=owner if s.owning_division.name == OWNER_DIVISION else admin,
            )
            requested_total = sum(r for _c, r, _a in rows)
            assessed_rows = [(r, a) for _c, r, a in rows if a is not None]
            case.requested_total = requested_total
            case.assessed_total = sum(a for _r, a in assessed_rows) if assessed_rows else None
            case.reduction_total = sum(r - a for r, a in assessed_rows)
            cases.append(case)
            lines[id(case)] = rows

    # D: this year's contracts (approved before the contract), with a quote comparison on some.
    contracts = list(
        Contract.objects.filter(fiscal_year=cfy).prefetch_related("systems").select_related("vendor")
    )
    d_cases: list[tuple[ReviewCase, Contract]] = []
    for contract in contracts:
        s = next(iter(contract.systems.all()), None)
        if s is None:
            continue
        requested = int(round(contract.amount * rng.uniform(1.02, 1.12) / 1000)) * 1000
        case = ReviewCase(
            kind=CaseKind.PRE_CONTRACT,
            fiscal_year=cfy,
            system=s,
            division=s.owning_division,
            title=f"{contract.title}（契約前審査）",
            state=CaseState.APPROVED,
            procurement_method=contract.procurement_method,
            planned_contract_title=contract.title,
            planned_vendor=contract.vendor,
            planned_start=contract.start,
            planned_end=contract.end,
            contract=contract,
            submitted_at=timezone.make_aware(datetime.datetime(cfy, 2 if cfy else 2, 1, 10))
            - datetime.timedelta(days=60),
            decided_at=timezone.make_aware(datetime.datetime(cfy, 3, 1, 10)) - datetime.timedelta(days=20),
            decided_by=admin,
            requested_total=requested,
            assessed_total=contract.amount,
            reduction_total=requested - contract.amount,
        )
        cases.append(case)
        lines[id(case)] = [(CostCategory.APP_MAINTENANCE, requested, contract.amount)]
        d_cases.append((case, contract))

    # C: about 46 evaluations since four years ago.
    c_systems = rng.sample(systems, min(46, len(systems)))
    c_cases: list[ReviewCase] = []
    for i, s in enumerate(c_systems):
        fy = cfy - 4 + (i % 5)
        state = CaseState.APPROVED if fy < cfy or i % 3 else CaseState.UNDER_REVIEW
        case = ReviewCase(
            kind=CaseKind.EVALUATION,
            fiscal_year=fy,
            system=s,
            division=s.owning_division,
            title=f"{s.name} システム評価",
            summary="運用後のシステム評価（他都道府県との比較、共通基盤の活用、セキュリティ対策）。",
            state=state,
            submitted_at=timezone.make_aware(datetime.datetime(fy, 6, 1, 10)),
            decided_at=timezone.make_aware(datetime.datetime(fy, 9, 1, 10))
            if state == CaseState.APPROVED
            else None,
            decided_by=admin if state == CaseState.APPROVED else None,
        )
        cases.append(case)
        lines[id(case)] = []
        c_cases.append(case)

    _bulk(ReviewCase, cases)
    _bulk(
        CaseLine,
        [
            CaseLine(
                case=c,
                category=cat,
                requested_amount=r,
                assessed_amount=a,
                note="類似システム比較により査定" if a is not None and a < r else "",
            )
            for c in cases
            for cat, r, a in lines[id(c)]
        ],
    )
    _bulk(
        ReviewDecision,
        [
            ReviewDecision(
                case=c,
                outcome=c.state,
                comment=c.conditions or "要求内容を審査し、査定額のとおり承認する。",
                decided_by=admin,
                decided_by_name=str(admin) if admin else "",
                decided_at=c.decided_at,
                requested_total=c.requested_total,
                assessed_total=c.assessed_total,
                reduction_total=c.reduction_total,
            )
            for c in cases
            if c.decided_at is not None
        ],
    )
    # Quote comparison on every fifth D case: three vendors.
    quotes = []
    for case, contract in d_cases[::5]:
        for v, factor in (
            (contract.vendor.name, 1.0),
            ("株式会社サンプル情報", rng.uniform(1.05, 1.3)),
            ("デモシステムズ株式会社", rng.uniform(0.95, 1.4)),
        ):
            quotes.append(
                VendorQuote(
                    case=case,
                    vendor_name=v,
                    category=CostCategory.APP_MAINTENANCE,
                    amount=int(contract.amount * factor // 1000 * 1000),
                )
            )
    _bulk(VendorQuote, quotes)

    # Evaluations with rubric scores and a disposition; proposals from them in every status.
    criteria = _criteria()
    dispositions = (
        [Disposition.CONTINUE] * 4
        + [Disposition.IMPROVE] * 3
        + [Disposition.INTEGRATE, Disposition.CLOUD, Disposition.RETIRE]
    )
    evaluations = []
    for case in c_cases:
        evaluations.append(
            Evaluation(
                case=case,
                disposition=rng.choice(dispositions) if case.state == CaseState.APPROVED else "",
                summary="評価結果に基づき改善を提案。",
            )
        )
    _bulk(Evaluation, evaluations)
    scores = []
    for ev in evaluations:
        picked = {c.pk: rng.randint(2, 5) for c in criteria}
        for c in criteria:
            scores.append(EvaluationScore(evaluation=ev, criterion=c, score=picked[c.pk]))
        weight = sum(c.weight for c in criteria) or 1
        ev.score = round(sum(picked[c.pk] * c.weight for c in criteria) / weight, 2) if criteria else None
    _bulk(EvaluationScore, scores)
    Evaluation.objects.bulk_update(evaluations, ["score"])

    statuses = [
        ProposalStatus.DONE,
        ProposalStatus.DONE,
        ProposalStatus.DOING,
        ProposalStatus.TODO,
        ProposalStatus.DROPPED,
    ]
    proposals = []
    for i, case in enumerate(c_cases):
        for k in range(1 + i % 2):
            title, detail = PROPOSAL_TEXTS[(i + k) % len(PROPOSAL_TEXTS)]
            status = statuses[(i + k) % len(statuses)]
            proposals.append(
                Proposal(
                    system=case.system,
                    source_case=case,
                    title=title,
                    detail=detail,
                    due_fiscal_year=case.fiscal_year + 1 + k,
                    expected_saving=rng.randint(5, 60) * 100_000,
                    status=status,
                    evidence="次期更改の仕様に反映し、保守費を削減した。"
                    if status == ProposalStatus.DONE
                    else "",
                )
            )
    _bulk(Proposal, proposals)
    # Carry-over: open proposals appear on next year's P cases of their systems.
    next_p = {c.system_id: c for c in cases if c.kind == CaseKind.PRE_BUDGET and c.fiscal_year == budget_year}
    _bulk(
        ProposalCheck,
        [
            ProposalCheck(case=next_p[p.system_id], proposal=p)
            for p in proposals
            if p.status in (ProposalStatus.TODO, ProposalStatus.DOING) and p.system_id in next_p
        ],
    )

    # CIO advisor opinions: answered ones on decided cases, pending ones on cases in 意見照会.
    opinions = []
    decided_p = [c for c in cases if c.kind == CaseKind.PRE_BUDGET and c.state == CaseState.APPROVED]
    for i, case in enumerate(rng.sample(decided_p, min(24, len(decided_p)))):
        q, o, r = OPINIONS[i % len(OPINIONS)]
        asked = case.submitted_at + datetime.timedelta(days=3)
        opinions.append(
            AdvisorOpinion(
                case=case,
                question=q,
                requested_by=admin,
                requested_at=asked,
                advisor=advisor,
                opinion=o,
                opinion_date=(asked + datetime.timedelta(days=4)).date(),
                owner_response=r,
                responded_at=asked + datetime.timedelta(days=8) if r else None,
            )
        )
    for case in [c for c in cases if c.state == CaseState.ADVISOR]:
        opinions.append(
            AdvisorOpinion(
                case=case,
                question=OPINIONS[0][0],
                requested_by=admin,
                requested_at=now,
                due_date=datetime.date.today() + datetime.timedelta(days=rng.randint(-2, 7)),
            )
        )
    _bulk(AdvisorOpinion, opinions)

    # The gate: on from next fiscal year, one exception (an urgent legal change).
    GateSetting.objects.update_or_create(pk=1, defaults={"enabled": True, "first_fiscal_year": budget_year})
    owner_systems = [s for s in systems if s.owning_division.name == OWNER_DIVISION]
    exception_system = owner_systems[-1] if owner_systems else systems[0]
    GateException.objects.create(
        system=exception_system,
        fiscal_year=budget_year,
        gate=GateKind.BUDGET,
        reason="税制改正への緊急対応（年度途中の法改正）のため、予算要求前審査を経ずに予算額を登録する。",
        granted_by=admin,
        granted_by_name=str(admin) if admin else "",
    )
    # This year's evaluation plan: systems not evaluated for five years, large cost changes first.
    from .selectors import plan_candidates

    _bulk(
        EvaluationPlanItem,
        [
            EvaluationPlanItem(fiscal_year=cfy, system_id=r["system_id"], reason=r["reason"][:200])
            for r in plan_candidates(fiscal_year=cfy)[:40]
        ],
    )
    p_years = [c for c in cases if c.kind == CaseKind.PRE_BUDGET and c.reduction_total]
    yearly = sum(c.reduction_total for c in p_years if c.fiscal_year < budget_year) / max(1, YEARS - 1)
    return (
        f"審査案件{len(cases):,}件（予算要求前審査の削減額 年平均{yearly / 1e8:.2f}億円）、"
        f"評価{len(evaluations)}件、提案{len(proposals)}件、意見{len(opinions)}件、例外1件"
    )
