"""Models of the SAM app (SPEC C9), one module per concern; see each module's docstring."""

from .catalogue import NormalisationRule, SoftwareName, Title
from .devices import Device, Installation, Scan, UsagePeak
from .inventory import Audit, AuditCheck, AuditFinding, InventoryCampaign, InventoryItem, InventoryTask
from .licences import Entitlement, ProofDocument, Purchase
from .offers import ExpiryNotice, OfferTier, VolumeOffer
from .reconciliation import ReconciliationRow, ReconciliationRun

__all__ = [
    "Audit",
    "AuditCheck",
    "AuditFinding",
    "Device",
    "Entitlement",
    "ExpiryNotice",
    "Installation",
    "InventoryCampaign",
    "InventoryItem",
    "InventoryTask",
    "NormalisationRule",
    "OfferTier",
    "ProofDocument",
    "Purchase",
    "ReconciliationRow",
    "ReconciliationRun",
    "Scan",
    "SoftwareName",
    "Title",
    "UsagePeak",
    "VolumeOffer",
]
