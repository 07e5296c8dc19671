"""Workflow: states and transitions for business objects (review gates, requests, campaigns …).

Built on **django-fsm-2** rather than python-statemachine. Both were read (their docs and, for fsm-2,
the installed source); the reasons:

* fsm-2 is model-centric: the state is a plain ``CharField`` column on the model (filterable, indexed,
  migrated like any field) and transitions are methods declared on the model next to it, so a
  reader sees the whole life cycle of, say, a review gate in one class. python-statemachine keeps a
  separate machine class bound to the model through ``MachineMixin`` and instantiates it per object;
* fsm-2 is already a project dependency (pyproject), python-statemachine is not, and the rules of this
  project forbid adding one without need;
* fsm-2's ``permission=`` accepts a callable ``(instance, user)`` and ``custom=`` carries arbitrary
  metadata, which is all we need to attach our Japanese label, our "comment required" flag and a guard
  that asks :mod:`saiteki.core.permissions` (the one policy table).

fsm-2's own checks are only advisory — calling a transition method never checks ``permission`` and
knows nothing about transactions, concurrency or our change log. So nothing calls transition methods
directly: everything goes through :func:`transition_run`, which

1. locks the row (``select_for_update``) and compares the version the user saw (optimistic
   concurrency: a stale object gets :class:`~saiteki.core.errors.ConflictError`, HTTP 412),
2. checks that the transition exists from the *current* state, that its conditions hold and that the
   guard allows this user — otherwise :class:`TransitionNotAllowed` (Japanese, HTTP 409), nothing changed,
3. runs the transition method and saves inside ``transaction.atomic`` and a change batch, with the
   acting user and the comment as the change reason — so the change log records who, when, from which
   state to which, and why (:func:`transition_history` reads it back).

Declaring a workflow::

    from saiteki.core import permissions as perms, workflow

    class Request(workflow.WorkflowMixin, BusinessModel):
        class State(models.TextChoices):
            DRAFT = "draft", _("下書き")
            SUBMITTED = "submitted", _("提出")

        state = workflow.StateField(_("状態"), choices=State.choices, default=State.DRAFT)

        @workflow.transition(
            source=State.DRAFT, target=State.SUBMITTED, label=_("提出"),
            perm=workflow.can(perms.CHANGE),
            conditions=[workflow.Condition(lambda r: r.amount > 0, _("金額を入力してください。"))],
        )
        def submit(self, *, user=None, comment=""):
            self.submitted_at = timezone.now()   # side effects on the object only

    request = workflow.transition_run(obj=request, name="submit", user=request.user, comment="…")

Notifications and other cross-object effects belong in the calling service, after ``transition_run``
returns (``notify`` already waits for the transaction to commit).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import FSMField, FSMFieldMixin, FSMModelMixin
from django_fsm import transition as fsm_transition

from saiteki.core import permissions as perms
from saiteki.core.changelog import change_batch
from saiteki.core.context import change_context
from saiteki.core.errors import (
    ApplicationError,
    ConflictError,
    NotFoundError,
    ValidationFailed,
    full_clean_or_fail,
)

#: A guard: may this user run the transition on this object? Always answered through core/permissions.
Guard = Callable[[models.Model, Any], bool]

ANY_STATE = "*"


class TransitionNotAllowed(ApplicationError):
    """The transition does not exist from the object's current state, its conditions do not hold or
    the user may not run it. Nothing was changed. HTTP 409: the request conflicts with the object's
    current state (or with who may move it on from there)."""

    code = "transition_not_allowed"
    status_code = 409
    default_message = gettext_lazy("現在の状態ではこの操作はできません。")


class TransitionNotPermitted(TransitionNotAllowed):
    """The transition exists from this state but the user's role or rights do not allow it."""

    code = "transition_not_permitted"
    default_message = gettext_lazy("この操作を行う権限がありません。")


# ---------------------------------------------------------------------------------------------------
# Declaring
# ---------------------------------------------------------------------------------------------------


class StateField(FSMField):
    """The state column: a ``CharField`` (max 50) whose value changes only through transitions.

    ``protected=True`` by default, so ``obj.state = …`` after loading raises instead of silently
    skipping the workflow; create objects in any state with ``Model(state=…)`` / ``objects.create``.
    Models with a protected state field mix in :class:`WorkflowMixin` (``refresh_from_db`` needs it).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("protected", True)
        super().__init__(*args, **kwargs)

    def contribute_to_class(self, cls, name, *args: Any, **kwargs: Any) -> None:
        if self.protected and not cls._meta.abstract and not issubclass(cls, WorkflowMixin):
            raise ImproperlyConfigured(
                f"{cls.__name__}: a model with a protected StateField must mix in workflow.WorkflowMixin"
            )
        super().contribute_to_class(cls, name, *args, **kwargs)


class WorkflowMixin(FSMModelMixin):
    """Mix into a model with a :class:`StateField` (before the model base class).

    A protected state field refuses assignment, but Django assigns every field twice on the way: in
    ``refresh_from_db`` (fsm's mixin handles that) and in ``clean_fields`` (which cleans a value and
    assigns it back). Here the state is validated without being assigned, so ``full_clean()`` works
    in services and forms as on any other model.
    """

    #: False when the model's transitions must go through the app's own service (which records a
    #: decision, recomputes amounts, notifies …): the generic page route then refuses them (404), so a
    #: crafted POST cannot skip that service. The API mixin is opt-in per viewset anyway.
    workflow_generic_entry: bool = True

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        exclude = set(exclude or ())
        protected = [
            f
            for f in self._meta.concrete_fields
            if isinstance(f, FSMFieldMixin) and f.protected and f.name not in exclude
        ]
        errors: dict = {}
        try:
            super().clean_fields(exclude=exclude | {f.name for f in protected})
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for f in protected:
            try:
                f.clean(f.value_from_object(self), self)
            except ValidationError as exc:
                errors[f.name] = exc.error_list
        if errors:
            raise ValidationError(errors)


@dataclass(frozen=True)
class Condition:
    """A condition on the object (not the user) that must hold for the transition, with the Japanese
    message shown when it does not (「添付ファイルを登録してください。」)."""

    check: Callable[[Any], bool]
    message: Any

    def __call__(self, instance) -> bool:
        return bool(self.check(instance))


def can(action: str) -> Guard:
    """Guard: the policy allows ``action`` (``perms.CHANGE`` …) on this object for this user
    (role and, for system owners, own division)."""

    def guard(instance, user) -> bool:
        return perms.can(user, action, instance)

    guard.__qualname__ = f"can({action!r})"
    return guard


def right(name: str) -> Guard:
    """Guard: the user's role holds the named right (``perms.MANAGE_USERS`` …; add one to
    ``permissions.RIGHTS`` for a new special case)."""

    def guard(instance, user) -> bool:
        return perms.has_right(user, name)

    guard.__qualname__ = f"right({name!r})"
    return guard


def roles(*names: str) -> Guard:
    """Guard: the user's role this fiscal year is one of ``names`` (``Role.ADMIN`` …). Prefer
    :func:`right` when the same rule is needed elsewhere too."""
    allowed = frozenset(names)

    def guard(instance, user) -> bool:
        return perms.role_of(user) in allowed

    guard.__qualname__ = f"roles{tuple(sorted(allowed))!r}"
    return guard


def all_of(*guards: Guard) -> Guard:
    """Guard: every guard allows."""

    def guard(instance, user) -> bool:
        return all(g(instance, user) for g in guards)

    return guard


def any_of(*guards: Guard) -> Guard:
    """Guard: at least one guard allows."""

    def guard(instance, user) -> bool:
        return any(g(instance, user) for g in guards)

    return guard


def anyone(instance, user) -> bool:
    """Guard: any active user with a role this fiscal year."""
    return perms.role_of(user) is not None


def transition(
    *,
    source: Any,
    target: Any,
    label: Any,
    field: str = "state",
    perm: Guard | None = None,
    conditions: Sequence[Callable[[Any], bool]] = (),
    comment_required: bool = False,
    style: str = "primary",
    order: int = 0,
):
    """Declare a transition method on a model (wraps ``django_fsm.transition``).

    ``source`` is a state, a list of states or ``"*"``; ``target`` must be a state (a transition always
    changes the state, so the change log records it). ``perm`` is the guard (default: the policy allows
    ``change`` on the object); it is *enforced* by :func:`transition_run`, never by the method itself.
    ``conditions`` are checks on the object (use :class:`Condition` for a Japanese message).
    ``comment_required`` makes an empty comment a validation error (a 差戻し needs its reason).
    ``style`` (Bootstrap colour: primary, success, danger, secondary…) and ``order`` are for buttons.

    The method may accept keyword arguments ``user`` and ``comment``; it should only change the object
    itself (e.g. stamp ``approved_at``): it runs inside the transaction, before the save.
    """
    if target is None:
        raise ValueError("a workflow transition must change the state (target=None is not supported)")
    guard = perm if perm is not None else can(perms.CHANGE)
    custom = {
        "label": label,
        "comment_required": comment_required,
        "style": style,
        "order": order,
    }
    return fsm_transition(
        field=field,
        source=list(source) if isinstance(source, list | tuple | set | frozenset) else source,
        target=target,
        conditions=list(conditions),
        permission=guard,
        custom=custom,
    )


# ---------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AvailableTransition:
    """One transition as offered to a user (buttons in templates, ``transitions`` in the API)."""

    name: str
    label: str
    comment_required: bool
    target: str
    target_label: str
    style: str = "primary"
    allowed: bool = True
    blocked_reason: str = ""

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "comment_required": self.comment_required,
            "target": self.target,
            "target_label": self.target_label,
        }


def _state_field(model_or_obj, field: str | None = None) -> FSMFieldMixin:
    model: Any = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    fields = [f for f in model._meta.concrete_fields if isinstance(f, FSMFieldMixin)]
    if field is not None:
        fields = [f for f in fields if f.name == field]
    if len(fields) != 1:
        raise LookupError(f"{model.__name__} needs exactly one state field (got {len(fields)})")
    return fields[0]


def _meta_of(obj, name: str):
    """The fsm metadata of transition ``name`` on ``obj``'s model, or None for a non-transition."""
    method = getattr(type(obj), name, None) if name and not name.startswith("_") else None
    return getattr(method, "_django_fsm", None)


def _state_label(field: FSMFieldMixin, value) -> str:
    return str(dict(field.flatchoices).get(value, value)) if field.choices else str(value)


def _condition_failure(obj, transition_meta) -> str | None:
    for condition in transition_meta.conditions:
        if not condition(obj):
            message = getattr(condition, "message", None)
            return str(message) if message else _("この操作の条件を満たしていません。")
    return None


def _user_allowed(obj, transition_meta, user) -> bool:
    if user is None:
        return True  # system actions (scheduled jobs, data migrations): see transition_run
    if perms.role_of(user) is None:
        return False
    return bool(transition_meta.has_perm(obj, user))


def available_transitions(obj, user, *, include_blocked: bool = False) -> list[AvailableTransition]:
    """The transitions ``user`` may run on ``obj`` from its current state, in declaration order.

    With ``include_blocked``, transitions the user may run but whose conditions do not hold yet are
    included with ``allowed=False`` and the condition's message (to show a disabled button with the
    reason). Transitions the user may never run from here are not listed.
    """
    field = _state_field(obj)
    state = field.get_state(obj)
    out: list[tuple[int, int, AvailableTransition]] = []
    for index, (name, method) in enumerate(field.transitions.get(type(obj), {}).items()):
        meta = method._django_fsm
        if not meta.has_transition(state):
            continue
        t = meta.get_transition(state)
        if not _user_allowed(obj, t, user):
            continue
        blocked = _condition_failure(obj, t)
        if blocked is not None and not include_blocked:
            continue
        out.append(
            (
                t.custom.get("order", 0),
                index,
                AvailableTransition(
                    name=name,
                    label=str(t.custom.get("label", name)),
                    comment_required=bool(t.custom.get("comment_required", False)),
                    target=str(t.target),
                    target_label=_state_label(field, t.target),
                    style=t.custom.get("style", "primary"),
                    allowed=blocked is None,
                    blocked_reason=blocked or "",
                ),
            )
        )
    return [a for _o, _i, a in sorted(out, key=lambda x: (x[0], x[1]))]


def transition_label(model, name: str) -> str:
    """The Japanese label of transition ``name`` on ``model`` (for messages and history)."""
    method = getattr(model, name, None)
    meta = getattr(method, "_django_fsm", None)
    if meta is None:
        return name
    for t in meta.transitions.values():
        return str(t.custom.get("label", name))
    return name


@dataclass(frozen=True)
class TransitionRecord:
    """One past transition, read back from the change log."""

    time: Any
    user_name: str
    role: str
    source: str | None
    source_label: str
    target: str | None
    target_label: str
    name: str
    label: str
    comment: str


def transition_history(obj, *, field: str | None = None) -> list[TransitionRecord]:
    """Every state change of ``obj`` (oldest first): who, when, from/to which state, with which
    transition and comment. Read from the change log, which is the record of it (no fourth log)."""
    from django.contrib.contenttypes.models import ContentType

    from saiteki.core.models import ObjectChange

    state_field = _state_field(obj, field)
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    rows = ObjectChange.objects.filter(
        content_type=ct, object_id=obj.pk, action=ObjectChange.Action.UPDATE
    ).order_by("time", "id")
    by_edge: dict[tuple[str, str], str] = {}
    for name, method in state_field.transitions.get(type(obj), {}).items():
        for source, t in method._django_fsm.transitions.items():
            by_edge.setdefault((str(source), str(t.target)), name)
    out = []
    for row in rows:
        before = (row.prechange_data or {}).get(state_field.name)
        after = (row.postchange_data or {}).get(state_field.name)
        if before == after:
            continue
        name = by_edge.get((str(before), str(after))) or by_edge.get((ANY_STATE, str(after)), "")
        out.append(
            TransitionRecord(
                time=row.time,
                user_name=row.user_name,
                role=row.role,
                source=before,
                source_label=_state_label(state_field, before),
                target=after,
                target_label=_state_label(state_field, after),
                name=name,
                label=transition_label(type(obj), name) if name else "",
                comment=row.reason,
            )
        )
    return out


# ---------------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------------


def _accepted_kwargs(method, **candidates) -> dict:
    target = inspect.unwrap(method)
    params = inspect.signature(target).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return candidates
    return {k: v for k, v in candidates.items() if k in params}


def transition_run(
    *,
    obj,
    name: str,
    user,
    comment: str = "",
    expected_version: int | None = None,
):
    """Run transition ``name`` on ``obj`` for ``user``; returns the saved object (``obj`` is updated too).

    Raises :class:`TransitionNotAllowed` (unknown transition, not from the current state, a condition
    fails) or :class:`TransitionNotPermitted` (the guard refuses this user), both HTTP 409;
    :class:`~saiteki.core.errors.ValidationFailed` when a required comment is missing or the result is
    invalid; :class:`~saiteki.core.errors.ConflictError` when the object changed since ``obj`` was
    read (``expected_version`` overrides ``obj.version``, e.g. from an If-Match header). In every
    error case nothing is changed.

    ``user=None`` is a system action (a scheduled job closing overdue items): state and conditions are
    still checked, the guard is not, and the change log shows "system".
    """
    comment = (comment or "").strip()
    model = type(obj)
    meta = _meta_of(obj, name)
    if meta is None:
        raise TransitionNotAllowed(_("「%(name)s」という操作はありません。") % {"name": name})
    field = _state_field(obj)
    if obj.pk is None:
        raise NotFoundError()
    with transaction.atomic():
        try:
            locked = model._base_manager.select_for_update().get(pk=obj.pk)
        except model.DoesNotExist as exc:
            raise NotFoundError() from exc
        seen = expected_version if expected_version is not None else getattr(obj, "version", None)
        if seen is not None and getattr(locked, "version", seen) != seen:
            raise ConflictError()
        state = field.get_state(locked)
        label = transition_label(model, name)
        if not meta.has_transition(state):
            raise TransitionNotAllowed(
                _("「%(state)s」の状態では「%(label)s」はできません。")
                % {"state": _state_label(field, state), "label": label}
            )
        t = meta.get_transition(state)
        if not _user_allowed(locked, t, user):
            raise TransitionNotPermitted(_("「%(label)s」を行う権限がありません。") % {"label": label})
        blocked = _condition_failure(locked, t)
        if blocked is not None:
            raise TransitionNotAllowed(blocked)
        if t.custom.get("comment_required") and not comment:
            raise ValidationFailed(
                _("「%(label)s」にはコメントが必要です。") % {"label": label},
                fields={"comment": [_("コメントを入力してください。")]},
            )
        with change_context(user=user, reason=comment), change_batch():
            method = getattr(locked, name)
            method(**_accepted_kwargs(method, user=user, comment=comment))
            full_clean_or_fail(locked)
            locked.save()
    # The caller's object now matches the database (written through __dict__: the state field may be
    # protected against assignment).
    for f in model._meta.concrete_fields:
        obj.__dict__[f.attname] = locked.__dict__.get(f.attname)
    return locked


def states_of(model) -> list[tuple[str, str]]:
    """(value, label) of every state of ``model`` (for filters and legends)."""
    field = _state_field(model)
    return [(str(v), str(label)) for v, label in field.flatchoices]


def transition_names(model) -> Iterable[str]:
    """Names of every transition declared on ``model``."""
    return list(_state_field(model).transitions.get(model, {}).keys())
