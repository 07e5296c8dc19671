"""Ledger API (/api/v1/ledger/…): the same permissions and filters as the pages."""

from saiteki.core.api.viewsets import SaitekiModelViewSet, saiteki_schema
from saiteki.ledger.api.serializers import (
    ComponentSerializer,
    ContractSerializer,
    CostSerializer,
    MunicipalitySerializer,
    ServerSerializer,
    SystemSerializer,
    VendorSerializer,
)
from saiteki.ledger.filtersets import ContractFilterSet, CostFilterSet, ServerFilterSet, SystemFilterSet
from saiteki.ledger.models import Component, Contract, Cost, Municipality, Server, System, Vendor


@saiteki_schema
class SystemViewSet(SaitekiModelViewSet):
    queryset = System.objects.all()
    serializer_class = SystemSerializer
    filterset_class = SystemFilterSet

    def optimise(self, qs):
        # owning_division and its bureau are shown by name: one join instead of two queries per row.
        # The three many-to-many id lists: one prefetch query each instead of one per row.
        return (
            qs.select_related("owning_division__parent")
            .prefetch_related("joint_municipalities", "vendors", "tags")
            .order_by("number")
        )


@saiteki_schema
class ServerViewSet(SaitekiModelViewSet):
    queryset = Server.objects.all()
    serializer_class = ServerSerializer
    filterset_class = ServerFilterSet

    def optimise(self, qs):
        # systems id list: one prefetch query instead of one per row.
        return qs.prefetch_related("systems").order_by("name")


@saiteki_schema
class ComponentViewSet(SaitekiModelViewSet):
    queryset = Component.objects.all()
    serializer_class = ComponentSerializer

    def optimise(self, qs):
        return qs.order_by("system_id", "product", "id")


@saiteki_schema
class ContractViewSet(SaitekiModelViewSet):
    queryset = Contract.objects.all()
    serializer_class = ContractSerializer
    filterset_class = ContractFilterSet

    def optimise(self, qs):
        # systems id list: one prefetch query instead of one per row.
        return qs.prefetch_related("systems").order_by("-fiscal_year", "number")


@saiteki_schema
class CostViewSet(SaitekiModelViewSet):
    queryset = Cost.objects.all()
    serializer_class = CostSerializer
    filterset_class = CostFilterSet

    def optimise(self, qs):
        return qs.order_by("system_id", "fiscal_year", "category", "stage")


@saiteki_schema
class VendorViewSet(SaitekiModelViewSet):
    queryset = Vendor.objects.all()
    serializer_class = VendorSerializer


@saiteki_schema
class MunicipalityViewSet(SaitekiModelViewSet):
    queryset = Municipality.objects.all()
    serializer_class = MunicipalitySerializer
