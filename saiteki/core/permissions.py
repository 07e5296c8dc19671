"""Who may do what — the one place where roles meet actions (SPEC §1).

Two views of the same policy, built from the same table so they cannot drift apart:
- object level, as ``rules`` predicates registered as Django permissions for every business model
  (``user.has_perm("ledger.change_system", system)``), used by views and the API for single objects;
  :func:`can` for existing objects and :func:`can_create` for objects about to be created;
- set level, :func:`scope_queryset`, used by ``Model.objects.restrict(user, action)`` for lists,
  exports and imports, so a user never sees a row they could not open.

A model is *division-owned* when it sets ``division_path`` (the lookup to its owning 所属): system owners
may then read and write only their own division's rows. Models without it are master data: everybody
with a role may read them, only IT policy admins write them.

Rights that are not about one model (reading the audit log, writing on any karte as the CIO advisor,
managing users, seeing every user's background jobs) are *rights* in the same table (:data:`RIGHTS`),
asked with :func:`has_right`. No view compares a role name itself.

This module lives in core and imports nothing from the apps: accounts stores who holds which role,
capability apps declare ``division_path`` on their models, and the policy reads both through the user
object (``current_role``, ``current_division``) and the model class.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import rules
from django.apps import apps
from django.db.models import Model, QuerySet

from saiteki.core.roles import Role

_QS = TypeVar("_QS", bound=QuerySet)

VIEW, ADD, CHANGE, DELETE, EXPORT, IMPORT, HISTORY = (
    "view",
    "add",
    "change",
    "delete",
    "export",
    "import",
    "history",
)
WRITE_ACTIONS = frozenset({ADD, CHANGE, DELETE, IMPORT})

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset({VIEW, ADD, CHANGE, DELETE, EXPORT, IMPORT, HISTORY}),
    Role.OWNER: frozenset({VIEW, ADD, CHANGE, DELETE, EXPORT, IMPORT, HISTORY}),
    Role.ADVISOR: frozenset({VIEW, EXPORT, HISTORY}),
    Role.VIEWER: frozenset({VIEW}),
    Role.AUDITOR: frozenset({VIEW, EXPORT, HISTORY}),
}

# Rights: named permissions that are not an action on one model.
AUDIT_LOG = "audit_log"  #: read the security audit log and role assignments
JOURNAL_ANY = "journal_any"  #: write karte entries on any system (the CIO advisor's opinions)
MANAGE_USERS = "manage_users"  #: create users, assign roles, unlock, reset passwords
ALL_JOBS = "all_jobs"  #: see every user's background jobs
RUN_SELFTEST = "run_selftest"  #: start the queue self-test job
SURVEYS = "surveys"  #: take part in division surveys (send as admin, answer as owner)
PREFECTURE_PLANS = "prefecture_plans"  #: see consolidation runs prefecture-wide (every division's machines)
DELETE_SYSTEMS = "delete_systems"  #: delete a system outright (owners propose 廃止 instead)
MANAGE_SCHEDULES = "manage_schedules"  #: see scheduled jobs, their last runs and results
READ_USERS = "read_users"  #: read users and their role assignments (auditors: read-only)
RUN_SCHEDULES = "run_schedules"  #: run a scheduled job now (「今すぐ実行」)
KNOWLEDGE_ALL = "knowledge_all"  #: read every knowledge article, restricted ones included
KNOWLEDGE_STATS = "knowledge_stats"  #: see the knowledge base's use statistics (incl. zero-result queries)
REVIEW_DECIDE = "review_decide"  #: review cases (審査), decide them, record gate exceptions
ADVISOR_OPINION = "advisor_opinion"  #: write the CIO advisor's opinions on review cases
KPI_CLOSE = "kpi_close"  #: close (年度末確定) and re-open a fiscal year's KPIs, enter KPI values, reports
INCIDENTS_ALL = "incidents_all"  #: read every security incident, those involving personal data included

RIGHTS: dict[str, frozenset[str]] = {
    AUDIT_LOG: frozenset({Role.ADMIN, Role.AUDITOR}),
    JOURNAL_ANY: frozenset({Role.ADMIN, Role.ADVISOR}),
    MANAGE_USERS: frozenset({Role.ADMIN}),
    ALL_JOBS: frozenset({Role.ADMIN}),
    RUN_SELFTEST: frozenset({Role.ADMIN}),
    SURVEYS: frozenset({Role.ADMIN, Role.OWNER}),
    PREFECTURE_PLANS: frozenset({Role.ADMIN, Role.ADVISOR, Role.AUDITOR}),
    DELETE_SYSTEMS: frozenset({Role.ADMIN}),
    MANAGE_SCHEDULES: frozenset({Role.ADMIN, Role.AUDITOR}),
    READ_USERS: frozenset({Role.ADMIN, Role.AUDITOR}),
    RUN_SCHEDULES: frozenset({Role.ADMIN}),
    KNOWLEDGE_ALL: frozenset({Role.ADMIN}),
    KNOWLEDGE_STATS: frozenset({Role.ADMIN, Role.ADVISOR, Role.AUDITOR}),
    REVIEW_DECIDE: frozenset({Role.ADMIN}),
    ADVISOR_OPINION: frozenset({Role.ADVISOR}),
    KPI_CLOSE: frozenset({Role.ADMIN}),
    INCIDENTS_ALL: frozenset({Role.ADMIN, Role.ADVISOR, Role.AUDITOR}),
}


def role_of(user) -> str | None:
    """The role the user holds this fiscal year, or None for anonymous, inactive or unassigned users."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.current_role


def division_ids(user) -> list[int]:
    """The 所属 the user acts for this fiscal year (empty for roles without a division)."""
    division = user.current_division
    return [division.pk] if division is not None else []


def has_right(user, right: str) -> bool:
    """May this user's role exercise a named right (:data:`RIGHTS`)?"""
    if right not in RIGHTS:
        raise KeyError(right)
    return role_of(user) in RIGHTS[right]


def is_division_owned(model: type[Model]) -> bool:
    return getattr(model, "division_path", None) is not None


def is_scoped(user, model: type[Model]) -> bool:
    """True when the user sees only their own division's rows of this model."""
    return role_of(user) == Role.OWNER and is_division_owned(model)


def role_allows(user, action: str, model: type[Model] | None = None) -> bool:
    """May this user's role perform ``action`` on this kind of object at all (ignoring which one)?"""
    role = role_of(user)
    if role is None or action not in ROLE_ACTIONS.get(role, frozenset()):
        return False
    if role == Role.OWNER and model is not None and not is_division_owned(model) and action in WRITE_ACTIONS:
        return False
    return True


def object_division_ids(obj: Model) -> set[int]:
    """The 所属 ids an object belongs to (several for an object shared by systems of several divisions)."""
    path = obj.division_path  # type: ignore[attr-defined]
    if path == "pk":
        return {obj.pk}
    return set(type(obj)._base_manager.filter(pk=obj.pk).values_list(path, flat=True)) - {None}


def can(user, action: str, obj: Model | type[Model]) -> bool:
    """Object-level check: the role allows the action and, for a system owner, the object is theirs.

    For an object not yet saved, the division is resolved from its field values through
    :func:`can_create`, whatever the depth of the model's ``division_path``.
    """
    model = obj if isinstance(obj, type) else type(obj)
    if not role_allows(user, action, model):
        return False
    if isinstance(obj, type) or not is_scoped(user, model):
        return True
    if obj.pk is None:
        return can_create(user, model, _values_of(obj))
    divisions, own = object_division_ids(obj), set(division_ids(user))
    if action == DELETE:
        # Deleting an object shared with other divisions would delete it from their ledgers too.
        return bool(divisions) and divisions <= own
    return bool(divisions & own)


def _values_of(obj: Model) -> dict[str, Any]:
    """The first step of an unsaved object's division path, as a value for :func:`can_create`."""
    head = obj.division_path.split("__", 1)[0]  # type: ignore[attr-defined]
    field = type(obj)._meta.get_field(head)
    if field.many_to_many:
        return {}  # an unsaved object has no many-to-many links yet: the caller passes them
    return {head: getattr(obj, field.attname, None)}  # type: ignore[union-attr]


def creation_values(obj: Model, data: Mapping[str, Any]) -> dict[str, Any]:
    """The first step of a new object's division path for :func:`can_create`: from the submitted data
    when it holds that field (a form's ``cleaned_data`` — the only place many-to-many links of an
    unsaved object exist), else from the instance."""
    head = obj.division_path.split("__", 1)[0]  # type: ignore[attr-defined]
    if head in data:
        return {head: data[head]}
    return _values_of(obj)


def _pk(value: Any) -> Any:
    return value.pk if isinstance(value, Model) else value


def linked_division_sets(model: type[Model], values: Mapping[str, Any]) -> list[set[int]] | None:
    """For each object the new ``model`` row would link to on its division path, that object's 所属.

    ``values`` maps field names to instances or primary keys (a list of them for many-to-many fields).
    Returns None when the path's first field is missing from ``values``; an empty list when it is
    present but empty (a server with no system) — which nobody scoped may create, since they could
    not see it afterwards.
    """
    path: str = model.division_path  # type: ignore[attr-defined]
    if path == "pk":
        return [set()]  # a new organisation belongs to no division yet
    head, _sep, rest = path.partition("__")
    if head not in values:
        return None
    field = model._meta.get_field(head)
    raw = values[head]
    targets: Iterable[Any] = (raw or []) if field.many_to_many else [raw]
    pks = [_pk(t) for t in targets if _pk(t) is not None]
    if not rest:
        return [{int(pk)} for pk in pks]
    related = field.related_model
    found: dict[Any, set[int]] = {pk: set() for pk in pks}
    for pk, division in related._base_manager.filter(pk__in=pks).values_list("pk", rest):  # type: ignore[union-attr]
        if division is not None:
            found.setdefault(pk, set()).add(division)
    return [found[pk] for pk in pks]


def can_create(user, model: type[Model], values: Mapping[str, Any]) -> bool:
    """May the user create a ``model`` row with these values (field name → instance/pk/list)?

    The division is resolved along ``division_path`` however deep it is (a cost through its system, a
    component through its server's systems). A system owner may create the row only when it links to at
    least one object and every object it links to belongs (also) to their own division: they can never
    create what they could not see, nor attach to another division's objects.
    """
    if not role_allows(user, ADD, model):
        return False
    if not is_scoped(user, model):
        return True
    sets = linked_division_sets(model, values)
    if not sets:
        return False
    own = set(division_ids(user))
    return all(divisions & own for divisions in sets)


def scope_queryset(qs: _QS, user, action: str = VIEW) -> _QS:
    """Set-level check, the same policy as :func:`can` expressed as a filter."""
    model = qs.model
    if not role_allows(user, action, model):
        return qs.none()
    if is_scoped(user, model):
        path = model.division_path
        lookup = f"{path}__in" if path != "pk" else "pk__in"
        qs = qs.filter(**{lookup: division_ids(user)})
        if "__" in path:
            qs = qs.distinct()
    return qs


def _predicate(action: str):
    @rules.predicate(name=f"saiteki_can_{action}")
    def check(user, obj=None) -> bool:
        return can(user, action, obj) if obj is not None else False

    return check


def register_model_permissions() -> None:
    """Register ``<app>.<action>_<model>`` for every business model with the ``rules`` backend."""
    from saiteki.core.models import BusinessModel

    predicates = {action: _predicate(action) for action in (VIEW, ADD, CHANGE, DELETE)}
    for model in apps.get_models():
        if not issubclass(model, BusinessModel):
            continue
        for action, predicate in predicates.items():
            name = f"{model._meta.app_label}.{action}_{model._meta.model_name}"
            if not rules.perm_exists(name):
                rules.add_perm(name, predicate)
