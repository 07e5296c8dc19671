"""Writes about users, roles and organisations (HackSoft style: ``<entity>_<action>``)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from saiteki.core.audit import audit_event_record
from saiteki.core.context import change_context
from saiteki.core.errors import ValidationFailed
from saiteki.core.models import AuditEvent

from .choices import AuthSource, OrganizationKind, Role
from .models import Assignment, DirectoryGroupMapping, Organization, OrganizationName, User


@transaction.atomic
def assignment_set(
    *,
    actor: User | None,
    user: User,
    fiscal_year: int,
    role: str,
    division: Organization | None,
    request=None,
    reason: str = "",
) -> Assignment:
    """Give a user a role (and division) for a fiscal year; a role change is a security event.

    ``reason`` says why when nobody chose it (a directory login applying the group mapping)."""
    if role == Role.OWNER and division is None:
        raise ValidationFailed(
            _("システム所管課の役割には所属の指定が必要です。"), fields={"division": [_("必須です。")]}
        )
    if division is not None and division.kind != OrganizationKind.DIVISION:
        raise ValidationFailed(
            _("所属には「所属」の組織を指定してください。"),
            fields={"division": [_("部局は指定できません。")]},
        )
    with change_context(user=actor, reason=reason or None):
        assignment = Assignment.objects.filter(user=user, fiscal_year=fiscal_year).first()
        before = (assignment.role, assignment.division_id) if assignment else None
        if assignment is None:
            assignment = Assignment(user=user, fiscal_year=fiscal_year)
        assignment.role = role
        assignment.division = division
        assignment.full_clean()
        assignment.save()
    if before != (role, getattr(division, "pk", None)):
        audit_event_record(
            kind=AuditEvent.Kind.ROLE_CHANGE,
            request=request,
            user=actor,
            obj=user,
            detail={
                "fiscal_year": fiscal_year,
                "before": {"role": before[0], "division_id": before[1]} if before else None,
                "after": {"role": role, "division_id": getattr(division, "pk", None)},
                **({"reason": reason} if reason else {}),
            },
        )
    user.__dict__.pop("_assignment_cache", None)
    return assignment


@transaction.atomic
def organization_rename(*, organization: Organization, name: str, effective: datetime.date) -> Organization:
    """Rename keeping the old name for history (reports of earlier years show the name of the time)."""
    name = name.strip()
    if not name:
        raise ValidationFailed(_("新しい名称を入力してください。"), fields={"name": [_("必須です。")]})
    if effective <= organization.valid_from:
        raise ValidationFailed(_("名称変更日は設置日より後の日付にしてください。"))
    last_change = organization.former_names.order_by("-valid_to").first()
    start = (last_change.valid_to + datetime.timedelta(days=1)) if last_change else organization.valid_from
    OrganizationName.objects.create(
        organization=organization,
        name=organization.name,
        valid_from=start,
        valid_to=effective - datetime.timedelta(days=1),
    )
    organization.name = name
    organization.full_clean()
    organization.save()
    return organization


@transaction.atomic
def organization_merge(
    *,
    sources: list[Organization],
    code: str,
    name: str,
    effective: datetime.date,
    parent: Organization | None = None,
) -> Organization:
    """Merge several organisations into a new one from ``effective``; the sources close the day before."""
    if len(sources) < 2:
        raise ValidationFailed(_("統合には2つ以上の組織を指定してください。"))
    kinds = {s.kind for s in sources}
    if len(kinds) != 1:
        raise ValidationFailed(_("部局と所属を統合することはできません。"))
    merged = Organization(
        kind=kinds.pop(), code=code, name=name, parent=parent or sources[0].parent, valid_from=effective
    )
    merged.full_clean()
    merged.save()
    merged.predecessors.set(sources)
    for source in sources:
        _close(source, effective)
    return merged


@transaction.atomic
def organization_split(
    *, source: Organization, parts: list[tuple[str, str]], effective: datetime.date
) -> list[Organization]:
    """Split one organisation into several (``parts`` = [(code, name), …]) from ``effective``."""
    if len(parts) < 2:
        raise ValidationFailed(_("分割後の組織を2つ以上指定してください。"))
    created = []
    for code, name in parts:
        org = Organization(kind=source.kind, code=code, name=name, parent=source.parent, valid_from=effective)
        org.full_clean()
        org.save()
        org.predecessors.set([source])
        created.append(org)
    _close(source, effective)
    return created


def _close(organization: Organization, effective: datetime.date) -> None:
    organization.valid_to = effective - datetime.timedelta(days=1)
    organization.full_clean()
    organization.save()


# --- Users: creation, password reset, deactivation, unlock, API tokens ------------------------------

#: What a user's history shows (never the password hash).
_USER_HISTORY_FIELDS = ("username", "display_name", "email", "is_active")


def user_snapshot(user: User) -> dict:
    """The fields a user's history shows (also compared before and after a directory login)."""
    return {name: getattr(user, name) for name in _USER_HISTORY_FIELDS}


def _user_history(user: User, action: str, before: dict | None, *, actor, reason: str = "") -> None:
    """A change-log row for a user (users are not business models, so it is written explicitly)."""
    from saiteki.core.changelog import record_change

    with change_context(user=actor, reason=reason or None):
        record_change(user, action, before=before, after=user_snapshot(user))


def _validate_password(password: str, user: User) -> None:
    """Django's configured validators (length, similarity, common, numeric) as a field error."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationFailed(
            _("パスワードが要件を満たしていません。"), fields={"password": [str(m) for m in exc.messages]}
        ) from exc


def user_tokens_revoke(*, user: User, actor=None, request=None, why: str = "") -> int:
    """Delete the user's API tokens (they must log in to the token endpoint again)."""
    from rest_framework.authtoken.models import Token

    count, _detail = Token.objects.filter(user=user).delete()
    if count:
        audit_event_record(
            kind=AuditEvent.Kind.TOKEN_REVOKED,
            request=request,
            user=actor,
            obj=user,
            detail={"why": why, "count": count},
        )
    return count


@transaction.atomic
def user_create(
    *, actor, username: str, password: str, display_name: str = "", email: str = "", request=None
) -> User:
    """Register a user: password validators, an audit event and a history row for the new account."""
    user = User(username=username.strip(), display_name=display_name.strip(), email=email.strip())
    _validate_password(password, user)
    user.set_password(password)
    try:
        user.full_clean()
    except Exception as exc:  # noqa: BLE001 - model validation errors become field errors
        fields = getattr(exc, "message_dict", {})
        raise ValidationFailed(_("利用者を登録できませんでした。"), fields=fields) from exc
    user.save()
    _user_history(user, "create", None, actor=actor)
    audit_event_record(kind=AuditEvent.Kind.USER_CREATE, request=request, user=actor, obj=user)
    return user


@transaction.atomic
def user_password_reset(*, actor, user: User, password: str, request=None) -> User:
    """An administrator sets a new password (validated like the user's own); tokens are rotated.

    Not for directory accounts: a local password would let them in past the directory's checks (and
    its group mapping) for good."""
    if user.auth_source != AuthSource.LOCAL:
        raise ValidationFailed(_("ディレクトリの利用者のパスワードは、ディレクトリで変更してください。"))
    _validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    user_tokens_revoke(user=user, actor=actor, request=request, why="password_reset")
    audit_event_record(kind=AuditEvent.Kind.PASSWORD_RESET, request=request, user=actor, obj=user)
    return user


@transaction.atomic
def user_active_set(*, actor, user: User, active: bool, request=None) -> User:
    """Deactivate (or reactivate) an account; deactivating also revokes its API tokens."""
    if actor is not None and actor.pk == user.pk and not active:
        raise ValidationFailed(_("自分自身を無効にすることはできません。"))
    if user.is_active == active:
        return user
    before = user_snapshot(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    _user_history(user, "update", before, actor=actor)
    if not active:
        user_tokens_revoke(user=user, actor=actor, request=request, why="deactivated")
        audit_event_record(kind=AuditEvent.Kind.USER_DEACTIVATE, request=request, user=actor, obj=user)
    return user


def user_unlock(*, actor, user: User, request=None) -> int:
    """Lift a login lockout (django-axes) before its cool-off ends."""
    from axes.utils import reset

    count = reset(username=user.get_username())
    audit_event_record(
        kind=AuditEvent.Kind.UNLOCK, request=request, user=actor, obj=user, detail={"count": count}
    )
    return count


# --- Directory login (saiteki.accounts.directory) ----------------------------------------------------


@transaction.atomic
def directory_user_sync(
    *, user: User, source: str, mapping: DirectoryGroupMapping, before: dict | None, request=None
) -> Assignment:
    """After the directory admitted ``user``: record the account's source, its history (created, or name
    and mail changed in the directory) and set its role and 所属 for the current fiscal year from the
    group mapping. ``before`` is the account as it was before this login (None: created by it)."""
    from saiteki.core.fiscal import fiscal_year_of

    label = AuthSource(source).label
    reason = _("ディレクトリ連携（%(source)s）: %(group)s") % {"source": label, "group": mapping.group_name}
    if user.auth_source != source:
        user.auth_source = source
        user.save(update_fields=["auth_source"])
    if before is None:
        _user_history(user, "create", None, actor=None, reason=reason)
        audit_event_record(
            kind=AuditEvent.Kind.USER_CREATE, request=request, user=None, obj=user, detail={"source": source}
        )
    elif before != user_snapshot(user):
        _user_history(user, "update", before, actor=None, reason=reason)
    return assignment_set(
        actor=None,
        user=user,
        fiscal_year=fiscal_year_of(datetime.date.today()),
        role=mapping.role,
        division=mapping.division,
        request=request,
        reason=reason,
    )
