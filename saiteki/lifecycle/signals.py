"""Keep a component's catalogue match in step with its text.

A ledger component saved anywhere (form, API, import) is re-matched after the transaction commits,
so the risk list and the karte never show a match for text the component no longer has. The receiver
only hands the id to the service (no logic here); a failure is logged, never breaks the ledger write.
"""

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from saiteki.ledger.models import Component

logger = logging.getLogger("saiteki.lifecycle")


@receiver(post_save, sender=Component, dispatch_uid="lifecycle_component_saved")
def component_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    pk = instance.pk

    def rematch():
        from .services import components_match

        try:
            components_match(component_ids=[pk])
        except Exception:  # noqa: BLE001 - the ledger write has committed; the nightly job retries
            logger.exception("matching component %s failed", pk)

    transaction.on_commit(rematch)
