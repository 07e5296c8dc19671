"""Ledger API (/api/v1/ledger/…): the same permissions and filters as the pages.

The system and cost lists take their ``count`` from the summary tables when the filters are ones the
summaries have (ADR 0007): counting 400,000 systems or 20 million cost rows per page was most of a
national-scale list request.
"""

import functools

from django.db import transaction
from django.db.models import Sum

from saiteki.core import permissions as perms
from saiteki.core.api.viewsets import SaitekiModelViewSet, saiteki_schema
from saiteki.core.changelog import change_batch
from saiteki.core.errors import PermissionDeniedError
from saiteki.core.paginator import KnownCountPaginator
from saiteki.ledger import analysis, selectors, services
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

#: Query parameters that are not filters.
_NOT_FILTERS = frozenset({"page", "page_size", "format"})


class SummaryCountMixin:
    """List pages counted from a summary table when every filter given is one it has."""

    def summary_count(self, data) -> int | None:  # pragma: no cover - overridden
        return None

    def paginate_queryset(self, queryset):
        params = set(self.request.query_params) - _NOT_FILTERS
        if params - set(self.filterset_class.base_filters):
            return super().paginate_queryset(queryset)
        filterset = self.filterset_class(self.request.query_params, queryset=queryset, request=self.request)
        count = self.summary_count(filterset.form.cleaned_data) if filterset.is_valid() else None
        if count is not None and self.paginator is not None:
            self.paginator.django_paginator_class = functools.partial(KnownCountPaginator, count=count)
        return super().paginate_queryset(queryset)


@saiteki_schema
class SystemViewSet(SummaryCountMixin, SaitekiModelViewSet):
    queryset = System.objects.all()
    serializer_class = SystemSerializer
    filterset_class = SystemFilterSet

    def summary_count(self, data) -> int | None:
        scope = selectors.system_scope(user=self.request.user, filters=data)
        return selectors.system_count(scope) if scope is not None else None

    def check_object_permissions(self, request, obj):
        if self.action == "destroy" and perms.can(request.user, perms.VIEW, obj):
            services.system_delete_check(user=request.user, system=obj)  # owners propose 廃止 instead
        super().check_object_permissions(request, obj)

    def optimise(self, qs):
        # owning_division and its bureau are shown by name: one join instead of two queries per row.
        # The three many-to-many id lists: one prefetch query each instead of one per row.
        return (
            qs.select_related("owning_division__parent")
            .prefetch_related("joint_municipalities", "vendors", "tags")
            .order_by("number")
        )


class SharedBySystemsMixin:
    """Servers and contracts may serve several divisions' systems (see ``services.system_links_merge``).

    Creation is checked against the systems being linked (the many-to-many values are not on the
    unsaved instance the generic check builds), and an owner may not delete what other divisions use.
    """

    def perform_create(self, serializer):
        model = serializer.Meta.model
        if not perms.can_create(
            self.request.user, model, {"systems": serializer.validated_data.get("systems", [])}
        ):
            raise PermissionDeniedError()
        with transaction.atomic(), change_batch():
            serializer.save()

    def check_object_permissions(self, request, obj):
        if self.action == "destroy":
            services.shared_delete_check(user=request.user, obj=obj)
        super().check_object_permissions(request, obj)


@saiteki_schema
class ServerViewSet(SharedBySystemsMixin, SaitekiModelViewSet):
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
class ContractViewSet(SharedBySystemsMixin, SaitekiModelViewSet):
    queryset = Contract.objects.all()
    serializer_class = ContractSerializer
    filterset_class = ContractFilterSet

    def optimise(self, qs):
        # systems id list: one prefetch query instead of one per row.
        return qs.prefetch_related("systems").order_by("-fiscal_year", "number")


@saiteki_schema
class CostViewSet(SummaryCountMixin, SaitekiModelViewSet):
    queryset = Cost.objects.all()
    serializer_class = CostSerializer
    filterset_class = CostFilterSet

    def summary_count(self, data) -> int | None:
        cells = analysis.cost_summary_for_rows(user=self.request.user, filters=data)
        return (cells.aggregate(n=Sum("cost_rows"))["n"] or 0) if cells is not None else None

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
