"""Who may do what — the one place where roles meet actions (SPEC §1).

Two views of the same policy, built from the same table so they cannot drift apart:
- object level, as ``rules`` predicates registered as Django permissions for every business model
  (``user.has_perm("ledger.change_system", system)``), used by views and the API for single objects;
- set level, :func:`scope_queryset`, used by ``Model.objects.restrict(user, action)`` for lists,
  exports and imports, so a user never sees a row they could not open.

A model is *division-owned* when it sets ``division_path`` (the lookup to its owning 所属): system owners
may then read and write only their own division's rows. Models without it are master data: everybody
with a role may read them, only IT policy admins write them.
"""

from __future__ import annotations

import rules
from django.apps import apps
from django.db.models import Model, QuerySet

from .choices import Role

VIEW, ADD, CHANGE, DELETE, EXPORT, IMPORT, HISTORY = (
    "view",
    "add",
    "change",
    "delete",
    "export",
    "import",
    "history",
)
AUDIT_LOG = "audit_log"
WRITE_ACTIONS = frozenset({ADD, CHANGE, DELETE, IMPORT})

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset({VIEW, ADD, CHANGE, DELETE, EXPORT, IMPORT, HISTORY, AUDIT_LOG}),
    Role.OWNER: frozenset({VIEW, ADD, CHANGE, DELETE, EXPORT, IMPORT, HISTORY}),
    Role.ADVISOR: frozenset({VIEW, EXPORT, HISTORY}),
    Role.VIEWER: frozenset({VIEW}),
    Role.AUDITOR: frozenset({VIEW, EXPORT, HISTORY, AUDIT_LOG}),
}


def role_of(user) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.current_role


def division_ids(user) -> list[int]:
    division = user.current_division
    return [division.pk] if division is not None else []


def is_division_owned(model: type[Model]) -> bool:
    return getattr(model, "division_path", None) is not None


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
    path = obj.division_path
    if path == "pk":
        return {obj.pk}
    return set(type(obj)._base_manager.filter(pk=obj.pk).values_list(path, flat=True)) - {None}


def can(user, action: str, obj: Model | type[Model]) -> bool:
    """Object-level check: the role allows the action and, for a system owner, the object is theirs."""
    model = obj if isinstance(obj, type) else type(obj)
    if not role_allows(user, action, model):
        return False
    if isinstance(obj, type) or role_of(user) != Role.OWNER or not is_division_owned(model):
        return True
    if obj.pk is None:
        # A new object: checkable when the division is a direct field; nested paths are checked by
        # the service that creates the object (the form also limits the choices to the owner's own).
        path = model.division_path
        if path != "pk" and "__" not in path:
            return getattr(obj, f"{path}_id", None) in set(division_ids(user))
        return True
    return bool(object_division_ids(obj) & set(division_ids(user)))


def scope_queryset(qs: QuerySet, user, action: str = VIEW) -> QuerySet:
    """Set-level check, the same policy as :func:`can` expressed as a filter."""
    model = qs.model
    if not role_allows(user, action, model):
        return qs.none()
    if role_of(user) == Role.OWNER and is_division_owned(model):
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
