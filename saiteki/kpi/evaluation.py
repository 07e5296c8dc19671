"""Targets and achievement (達成 / 未達 / 判定不能): one place for the rule, used by the refresh, the
close, the dashboard and the report. Pure functions of values, no database access."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .choices import Direction, KpiStatus, TargetRule


@dataclass(frozen=True)
class Judgement:
    target: Decimal | None
    status: str


def _dec(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def judge(
    *,
    value,
    direction: str,
    target_rule: str,
    target=None,
    target_step=None,
    previous=None,
) -> Judgement:
    """The target of the year and whether ``value`` meets it.

    ``target`` is the year's target (per-year row or the definition's), ``previous`` last year's value.
    対前年増 needs a value strictly above last year's; a step target is last year's value plus the step.
    Without a value, a target or (for the relative rules) last year's value the result is 判定不能.
    """
    value = _dec(value)
    previous = _dec(previous)
    if target_rule == TargetRule.UP_ON_PREVIOUS:
        if value is None or previous is None:
            return Judgement(previous, KpiStatus.UNDETERMINED)
        return Judgement(previous, KpiStatus.ACHIEVED if value > previous else KpiStatus.NOT_ACHIEVED)
    if target_rule == TargetRule.STEP:
        step = _dec(target_step)
        goal = previous + step if previous is not None and step is not None else None
        if value is None or goal is None:
            return Judgement(goal, KpiStatus.UNDETERMINED)
        return Judgement(goal, KpiStatus.ACHIEVED if value >= goal else KpiStatus.NOT_ACHIEVED)
    goal = _dec(target)
    if value is None or goal is None:
        return Judgement(goal, KpiStatus.UNDETERMINED)
    if direction == Direction.LOWER:
        ok = value <= goal
    elif direction == Direction.EQUAL:
        ok = value == goal
    else:
        ok = value >= goal
    return Judgement(goal, KpiStatus.ACHIEVED if ok else KpiStatus.NOT_ACHIEVED)
