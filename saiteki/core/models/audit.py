"""The security audit log, kept apart from the business change log (SPEC §2).

Modelled on Read the Docs' ``audit/models.py``: the actor's and the object's identity are copied into
the row, with no foreign keys, so deleting a user or an object never deletes or blanks its audit trail.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .changelog import ImmutableQuerySet


class AuditEvent(models.Model):
    class Kind(models.TextChoices):
        LOGIN = "login", _("ログイン")
        LOGIN_FAILED = "login_failed", _("ログイン失敗")
        LOCKOUT = "lockout", _("アカウントロック")
        LOGOUT = "logout", _("ログアウト")
        PASSWORD_CHANGE = "password_change", _("パスワード変更")
        ROLE_CHANGE = "role_change", _("役割の変更")
        PERMISSION_DENIED = "permission_denied", _("権限のない操作")
        EXPORT = "export", _("エクスポート")
        IMPORT = "import", _("インポート")
        TOKEN_ISSUED = "token_issued", _("APIトークン発行")
        TOKEN_REVOKED = "token_revoked", _("APIトークン失効")
        USER_CREATE = "user_create", _("利用者の登録")
        USER_DEACTIVATE = "user_deactivate", _("利用者の無効化")
        PASSWORD_RESET = "password_reset", _("パスワードの再設定（管理者）")
        UNLOCK = "unlock", _("ロック解除")
        KPI_CLOSE = "kpi_close", _("評価指標の年度末確定")
        KPI_REOPEN = "kpi_reopen", _("評価指標の確定解除")

    time = models.DateTimeField(_("日時"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("種別"), max_length=30, choices=Kind.choices, db_index=True)
    actor_id = models.BigIntegerField(_("利用者ID"), null=True, blank=True)
    actor_username = models.CharField(_("利用者名"), max_length=150, blank=True, db_index=True)
    actor_role = models.CharField(_("役割"), max_length=40, blank=True)
    ip_address = models.GenericIPAddressField(_("IPアドレス"), null=True, blank=True)
    user_agent = models.CharField(_("ブラウザ"), max_length=300, blank=True)
    object_type = models.CharField(_("対象の種類"), max_length=100, blank=True)
    object_id = models.CharField(_("対象ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("対象"), max_length=300, blank=True)
    detail = models.JSONField(_("詳細"), default=dict, blank=True)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["-time", "-id"]
        verbose_name = _("監査ログ")
        verbose_name_plural = _("監査ログ")

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.actor_username}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("AuditEvent rows are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("AuditEvent rows are immutable")
