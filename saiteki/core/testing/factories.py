"""Factories for the platform objects every app's tests build: organisations and users.

Core never imports a capability app: the ledger's factories live in ``saiteki/ledger/tests/factories.py``
and the planner's in ``saiteki/consolidation/tests/factories.py``. Every object is saved through the ORM
(history included); nothing is mocked.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import factory

from saiteki.accounts.choices import OrganizationKind
from saiteki.accounts.models import Organization, User
from saiteki.core.testing.base import make_user

__all__ = ["OrganizationFactory", "UserFactory", "set_many"]


def set_many(obj, field: str, extracted: Iterable | None) -> None:
    """Post-generation helper: link many-to-many values when a factory call passes them."""
    if extracted:
        getattr(obj, field).set(extracted)


class OrganizationFactory(factory.django.DjangoModelFactory):
    """A division (所属) under its own bureau unless ``parent`` is given; ``kind="bureau"`` for a 部局."""

    class Meta:
        model = Organization

    kind = OrganizationKind.DIVISION
    code = factory.Sequence(lambda n: f"F{n:04d}")
    name = factory.Sequence(lambda n: f"テスト課{n}")
    valid_from = datetime.date(2000, 4, 1)
    sort_order = factory.Sequence(lambda n: 1000 + n)
    parent = factory.Maybe(
        factory.LazyAttribute(lambda o: o.kind == OrganizationKind.DIVISION),
        yes_declaration=factory.SubFactory(
            "saiteki.core.testing.factories.OrganizationFactory", kind=OrganizationKind.BUREAU, parent=None
        ),
        no_declaration=None,
    )


class UserFactory(factory.django.DjangoModelFactory):
    """A user; ``UserFactory(role="owner", division=org)`` also assigns the role for this fiscal year."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"f-user{n}")
    display_name = factory.LazyAttribute(lambda o: o.username)

    @classmethod
    def _create(cls, model_class, *args, role=None, division=None, **kwargs):
        user = make_user(kwargs.pop("username"), role, division)
        for field, value in kwargs.items():
            setattr(user, field, value)
        if kwargs:
            user.save()
        return user
