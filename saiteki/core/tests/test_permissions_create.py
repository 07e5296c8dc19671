"""can_create: the policy resolves the division of a new object however deep its path is."""

from __future__ import annotations

from saiteki.core import permissions as perms
from saiteki.core.tests.plugin.models import Gadget, GadgetPart


def test_direct_path(role_users, orgs):
    owner, admin = role_users["owner"], role_users["admin"]
    assert perms.can_create(owner, Gadget, {"division": orgs["税務課"]})
    assert perms.can_create(owner, Gadget, {"division": orgs["税務課"].pk})
    assert not perms.can_create(owner, Gadget, {"division": orgs["教育政策課"]})
    assert not perms.can_create(owner, Gadget, {"division": None})
    assert perms.can_create(admin, Gadget, {"division": orgs["教育政策課"]})
    assert not perms.can_create(role_users["viewer"], Gadget, {"division": orgs["税務課"]})


def test_nested_path(role_users, orgs):
    owner = role_users["owner"]
    own = Gadget.objects.create(code="O", name="own", division=orgs["税務課"])
    other = Gadget.objects.create(code="X", name="other", division=orgs["教育政策課"])
    assert perms.can_create(owner, GadgetPart, {"gadget": own})
    assert not perms.can_create(owner, GadgetPart, {"gadget": other.pk})
    assert not perms.can_create(owner, GadgetPart, {})
    # can() on an unsaved object asks the same question.
    assert perms.can(owner, perms.ADD, GadgetPart(gadget=own, name="p"))
    assert not perms.can(owner, perms.ADD, GadgetPart(gadget=other, name="p"))


def test_many_to_many_path_requires_every_link_to_be_own(role_users, orgs):
    from saiteki.ledger.models import Server, System

    owner = role_users["owner"]
    own = System.objects.create(number="S-1", name="own", owning_division=orgs["税務課"])
    other = System.objects.create(number="S-2", name="other", owning_division=orgs["教育政策課"])
    assert perms.can_create(owner, Server, {"systems": [own]})
    assert not perms.can_create(owner, Server, {"systems": [own, other]})
    assert not perms.can_create(owner, Server, {"systems": []})
    assert perms.can_create(role_users["admin"], Server, {"systems": []})


def test_rights_table(role_users):
    assert perms.has_right(role_users["auditor"], perms.AUDIT_LOG)
    assert not perms.has_right(role_users["owner"], perms.AUDIT_LOG)
    assert perms.has_right(role_users["advisor"], perms.JOURNAL_ANY)
    assert not perms.has_right(role_users["viewer"], perms.MANAGE_USERS)
