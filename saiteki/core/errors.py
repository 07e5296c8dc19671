"""One application error hierarchy (STYLE.md habit 7).

Business-rule violations raise these with a Japanese message (gettext, Japanese is the source
language). One handler turns them into the API error body ``{"error": {"code", "message", "fields"}}``
(see :mod:`saiteki.core.api.exceptions`) and the generic views turn them into form errors, so a rule is
written once and reads the same on every surface.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """Base of every expected, user-facing error.

    ``fields`` maps a field name to a list of messages, for errors that belong beside an input.
    ``code`` is a stable machine-readable identifier for API clients.
    """

    code = "application_error"
    status_code = 400
    default_message = _("処理できませんでした。")

    def __init__(self, message=None, *, fields: dict[str, list[str]] | None = None, code: str | None = None):
        self.message = message if message is not None else self.default_message
        self.fields = fields or {}
        if code:
            self.code = code
        super().__init__(str(self.message))

    def __str__(self) -> str:  # pragma: no cover - trivial
        return str(self.message)


class ValidationFailed(ApplicationError):
    """Input that does not satisfy a rule; nothing was changed."""

    code = "invalid"
    default_message = _("入力内容に誤りがあります。")


class ParseError(ValidationFailed):
    """A value (date, fiscal year, amount) that cannot be read."""

    code = "parse_error"
    default_message = _("値を読み取れませんでした。")


class PermissionDeniedError(ApplicationError):
    """The user's role does not allow this action on this object."""

    code = "permission_denied"
    status_code = 403
    default_message = _("この操作を行う権限がありません。")


class NotFoundError(ApplicationError):
    code = "not_found"
    status_code = 404
    default_message = _("対象が見つかりません。")


class ConflictError(ApplicationError):
    """Someone else changed the record since it was read (optimistic concurrency)."""

    code = "conflict"
    status_code = 412
    default_message = _("他の利用者が先に更新しました。最新の内容を読み込んでからやり直してください。")


def field_messages(exc) -> dict[str, list[str]]:
    """A Django ``ValidationError``'s messages by field, as ``ApplicationError.fields`` holds them."""
    return {k: [str(m) for m in v] for k, v in exc.message_dict.items()}


def full_clean_or_fail(obj, message=None, **kwargs) -> None:
    """``obj.full_clean(**kwargs)``, a refusal raised as :class:`ValidationFailed` with each field's
    messages beside its input, so a service's model validation reads like every other rule."""
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean(**kwargs)
    except ValidationError as exc:
        raise ValidationFailed(message, fields=field_messages(exc)) from exc
