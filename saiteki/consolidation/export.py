"""The xlsx of a run: summary, hosts and their machines, savings with formulas, cost breakdown, waves.

Built from the same report as the result page (:func:`selectors.run_report`), one sheet per section,
each with a title row naming the scenario and run, Japanese headers, yen amounts in ``#,##0``, and the
same writer as every other export (:mod:`saiteki.core.exporting`: formula injection neutralised — machine
and system names come from user input —, frozen header, column widths).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _

from saiteki.core.display import fy_text
from saiteki.core.exporting import ExcelWorkbook, SheetColumn
from saiteki.core.exporting.writer import Typed


def _sheet(
    wb: ExcelWorkbook, title: str, headers: Sequence, rows: Iterable[Sequence], *, heading: str = ""
) -> None:
    """One section: ``headers`` are labels or ``(label, kind)`` pairs (kind as in SheetColumn)."""
    columns = [
        SheetColumn(str(h[0]), kind=h[1]) if isinstance(h, tuple) else SheetColumn(str(h)) for h in headers
    ]
    wb.add_sheet(title, columns, title=f"{heading}　{title}" if heading else "").write_rows(rows)


def _yes(flag: bool) -> str:
    return _("はい") if flag else _("いいえ")


def run_workbook(report: dict, *, date_style: str = "wareki") -> bytes:
    """All sections of one run's result as an xlsx file (bytes)."""
    return run_workbook_writer(report, date_style=date_style).close()


def run_workbook_writer(report: dict, *, date_style: str = "wareki") -> ExcelWorkbook:
    """The open workbook of :func:`run_workbook` (for ``xlsx_response(writer=…)``)."""
    run = report["run"]
    s = report["settings"]
    hm = report["host_model"]
    wb = ExcelWorkbook(date_style=date_style)
    heading = _("サーバ集約計画　%(name)s　第%(n)d回") % {"name": run.scenario.name, "n": run.number}

    def sheet(title: str, headers: Sequence, rows: Iterable[Sequence]) -> None:
        _sheet(wb, title, headers, rows, heading=heading)

    summary = [
        (_("シナリオ"), run.scenario.name),
        (_("実行番号"), run.number),
        (_("計画開始年度"), fy_text(s["fiscal_year"])),
        (_("対象機器数"), run.machine_count),
        (_("現行の物理台数（按分後）"), float(report["current_units"])),
        (_("必要ホスト数"), run.hosts_used),
        (_("下限（これより少ない台数では配置できない）"), run.lower_bound),
        (_("最適性の証明"), _yes(run.optimal)),
        (_("単純な先詰め法（FFD）のホスト数（N+1の追加分を除く）"), report.get("ffd_hosts")),
        (_("すべての規則を満たす"), _yes(run.feasible)),
        (_("ホストモデル"), hm.get("name")),
        (_("余裕率(%)"), s["headroom_pct"]),
        (_("vCPUオーバーコミット比"), s["vcpu_overcommit"]),
        (_("N+1構成"), _yes(s["n_plus_one"])),
        (_("乱数シード"), run.seed),
        (_("計算時間の上限（秒）"), run.time_limit_s),
        (_("計算時間（秒）"), run.solver_seconds),
        (_("最適化エンジンの版"), run.optimizer_version),
    ]
    sheet(_("概要"), [_("項目"), _("値")], summary)
    sheet(
        _("規則"),
        [_("規則"), _("結果"), _("詳細")],
        [(r["label"], _("満たす") if r["passed"] else _("満たさない"), r["detail"]) for r in report["rules"]],
    )
    host_rows = []
    for h in report["hosts"]:
        util = {u["dim"]: u["pct"] for u in h["utilisation"]}
        for m in h["machines"]:
            host_rows.append(
                (
                    h["number"],
                    h["segment_label"],
                    m["id"],
                    m["kind"],
                    "、".join(f"{x['number']} {x['name']}" for x in m["systems"]),
                    m["demand"]["vcpu"],
                    m["demand"]["memory_gib"],
                    m["demand"]["storage_gib"],
                    m["current_host"],
                    util.get("vcpu"),
                    util.get("memory_gib"),
                    util.get("storage_gib"),
                )
            )
    sheet(
        _("ホスト別配置"),
        [
            _("ホスト番号"),
            _("ネットワーク区分"),
            _("機器名"),
            _("種別"),
            _("システム"),
            _("vCPU需要"),
            _("メモリ需要(GiB)"),
            _("ストレージ需要(GiB)"),
            _("現行ホスト"),
            _("ホストのvCPU使用率(%)"),
            _("ホストのメモリ使用率(%)"),
            _("ホストのストレージ使用率(%)"),
        ],
        host_rows,
    )
    if report.get("savings"):
        rows = []
        for line in report["savings_lines"]:
            for side, figs in ((_("現行"), line["current"]), (_("集約後"), line["new"])):
                for f in figs:
                    rows.append((line["label"], side, f["label"], f["formula"], f["amount"]))
            rows.append((line["label"], _("差額（削減額）"), "", "", line["saving"]))
        sv = report["savings"]
        rows.append((_("合計"), _("現行"), "", "", sv["current_total"]))
        rows.append((_("合計"), _("集約後"), "", "", sv["new_total"]))
        rows.append((_("合計"), _("差額（削減額）"), "", "", sv["saving"]))
        rows.append(
            (
                _("電力量(kWh)"),
                _("現行"),
                "",
                report["energy"]["current"],
                Typed(sv["energy"]["current"]["amount"], "number"),
            )
        )
        rows.append(
            (
                _("電力量(kWh)"),
                _("集約後"),
                "",
                report["energy"]["new"],
                Typed(sv["energy"]["new"]["amount"], "number"),
            )
        )
        rows.append(
            (
                _("CO2排出量(t)"),
                _("現行"),
                "",
                report["co2"]["current"],
                Typed(sv["co2"]["current"]["amount"], "number"),
            )
        )
        rows.append(
            (
                _("CO2排出量(t)"),
                _("集約後"),
                "",
                report["co2"]["new"],
                Typed(sv["co2"]["new"]["amount"], "number"),
            )
        )
        sheet(
            _("削減効果"),
            [
                _("区分"),
                _("現行／集約後"),
                _("内訳"),
                _("計算式"),
                (_("金額・数量（%(n)d年間）") % {"n": sv["years"]}, "yen"),
            ],
            rows,
        )
        cost_rows = [
            (
                r["number"],
                r["name"],
                r["hw_lease"],
                r["hw_maintenance"],
                r["selected"],
                r["total"],
                r["share"],
                r["allocated_lease"],
                r["allocated_maintenance"],
            )
            for r in report["cost_rows"]
        ]
        hidden = report.get("cost_hidden")
        if hidden:
            cost_rows.append(
                (
                    "",
                    _("閲覧権限のない所属のシステム（%(n)d件）") % {"n": hidden["count"]},
                    None,
                    None,
                    None,
                    None,
                    None,
                    hidden["allocated_lease"],
                    hidden["allocated_maintenance"],
                )
            )
        sheet(
            _("現行経費の内訳"),
            [
                _("システム番号"),
                _("システム名"),
                (_("ハードウェア賃借（年額）"), "yen"),
                (_("ハードウェア保守（年額）"), "yen"),
                _("対象機器数"),
                _("全機器数"),
                _("按分率"),
                (_("按分後の賃借"), "yen"),
                (_("按分後の保守"), "yen"),
            ],
            cost_rows,
        )
    if report.get("plan"):
        sheet(
            _("年度別計画"),
            [
                (_("年度"), "fy"),
                _("稼働ホスト数"),
                _("うち既存ホスト"),
                _("うち新ホスト"),
                _("購入するホスト数"),
                _("購入するホスト"),
                _("使用を終える既存ホスト"),
                _("移行する機器数"),
                _("移行するシステム数"),
                _("基盤上の機器数"),
                (_("経費（年度別計画）"), "yen"),
                (_("経費の累計"), "yen"),
                (_("経費（一括購入の場合）"), "yen"),
                _("規則"),
            ],
            [
                (
                    r["fy"],
                    r["hosts_in_service"],
                    r["existing_in_service"],
                    r["new_in_service"],
                    r["bought"],
                    "、".join(r["bought_labels"]),
                    "、".join(r["retired_labels"]),
                    r["moved"],
                    r["systems_moved"],
                    r["on_platform"],
                    r["total"],
                    r["cumulative"],
                    r["single_shot"],
                    _("満たす")
                    if r["feasible"]
                    else _("満たさない: %(rules)s") % {"rules": "、".join(r["failed_rules"])},
                )
                for r in report["plan_rows"]
            ],
        )
        ext = report.get("extension")
        if ext:
            sheet(
                _("既存基盤の拡張"),
                [_("区分"), _("システム番号"), _("システム名"), _("機器")],
                [
                    (_("いま既存ホストに載る"), x["number"], x["name"], "、".join(x["machines"]))
                    for x in ext["fit_systems"]
                ]
                + [
                    (_("新ホストが必要"), x["number"], x["name"], "、".join(x["machines"]))
                    for x in ext["other_systems"]
                ],
            )
    if report.get("waves"):
        sheet(
            _("移行計画（年度別）"),
            [
                _("年度"),
                _("移行するシステム数"),
                _("移行する機器数"),
                _("vCPU需要"),
                _("メモリ需要(GiB)"),
                _("追加するホスト数"),
                _("追加するコア数"),
                _("追加するメモリ(GiB)"),
                _("追加するストレージ(GiB)"),
                _("ホスト数（累計）"),
            ],
            [
                (
                    r["label"],
                    r["systems"],
                    r["machines"],
                    r["vcpu"],
                    r["memory_gib"],
                    r["hosts_added"],
                    r["cores_added"],
                    r["memory_added"],
                    r["storage_added"],
                    r["hosts_total"],
                )
                for r in report["wave_rows"]
            ],
        )
        sheet(
            _("移行計画（システム別）"),
            [
                _("システム番号"),
                _("システム名"),
                _("移行年度"),
                _("理由"),
                _("期限"),
                _("根拠"),
                _("機器"),
                _("移行先ホスト"),
            ],
            [
                (
                    x["number"],
                    x["name"],
                    x["fy_label"],
                    x["trigger_label"] + (_("（期限超過）") if x["overdue"] else ""),
                    x["date"],
                    x["detail"],
                    "、".join(x["machines"]),
                    "、".join(x["host_labels"]),
                )
                for x in report["wave_systems"]
            ],
        )
    return wb


def budget_workbook_writer(run, rows: list[dict], *, date_style: str = "wareki") -> ExcelWorkbook:
    """The plan's budget request per fiscal year in the C3 cost categories: one row per year (the
    amounts a 予算要求前審査 asks for), then every amount with its formula."""
    from saiteki.consolidation.savings import UNIT_LABELS, formula_text
    from saiteki.consolidation.selectors import LINE_KEYS, budget_categories
    from saiteki.ledger.choices import CostCategory, CostGroup, group_of

    wb = ExcelWorkbook(date_style=date_style)
    heading = _("予算要求（サーバ集約計画）　%(name)s　第%(n)d回") % {
        "name": run.scenario.name,
        "n": run.number,
    }
    cats = budget_categories(run)
    _sheet(
        wb,
        _("年度別"),
        [(_("年度"), "fy"), _("購入するホスト数"), _("稼働ホスト数"), _("移行する機器数")]
        + [(label, "yen") for _c, label in cats]
        + [(_("整備経費 計"), "yen"), (_("運用等経費 計"), "yen"), (_("合計"), "yen")],
        [
            [r["fy"], r["bought"], r["hosts_in_service"], r["moved"]]
            + [r["categories"].get(c, 0) for c, _label in cats]
            + [r["build"], r["run"], r["total"]]
            for r in rows
        ],
        heading=heading,
    )
    detail = []
    for r in (run.plan or {}).get("rows", []):
        for line in r["lines"]:
            detail.append(
                (
                    r["fy"],
                    str(CostCategory(line["category"]).label),
                    str(CostGroup(group_of(line["category"])).label),
                    str(LINE_KEYS.get(line["key"], line["key"])),
                    formula_text(line, UNIT_LABELS),
                    line["amount"],
                )
            )
    _sheet(
        wb,
        _("明細"),
        [(_("年度"), "fy"), _("経費区分"), _("整備・運用"), _("内訳"), _("計算式"), (_("金額"), "yen")],
        detail,
        heading=heading,
    )
    return wb
