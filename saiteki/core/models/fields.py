"""Field helpers for the link groups that every business model repeats.

Why: "who decided / entered / requested this" is the same seven-line foreign key in every app
(SET_NULL so that deleting a user never deletes business records, no reverse accessor because nobody
asks a user for "every case I decided" through the ORM). One helper keeps them identical, and its
deconstruction is exactly the spelled-out field, so migrations do not change.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


def user_ref(verbose_name, *, blank: bool = True, related_name: str = "+") -> models.ForeignKey[Any, Any]:
    """A nullable reference to the user who did something to the record, kept when the user is deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=blank,
        related_name=related_name,
    )
