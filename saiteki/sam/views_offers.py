"""SAM pages: usage peaks and volume-licence offers."""

from __future__ import annotations

import json

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from saiteki.core import permissions as perms
from saiteki.core.context import change_context
from saiteki.core.errors import ApplicationError
from saiteki.core.views.generic import (
    ObjectEditView,
    apply_error_to_form,
    error_status,
    require,
    version_check,
)

from . import offers
from .choices import DeviceStatus
from .forms import (
    OfferForm,
    UsagePeakForm,
)
from .models import (
    UsagePeak,
    VolumeOffer,
)
from .views import require_view_right


class UsagePeakEditView(ObjectEditView):
    model = UsagePeak
    form_class = UsagePeakForm


class OfferListView(View):
    def get(self, request):
        require_view_right(request.user, VolumeOffer)
        offers = VolumeOffer.objects.restrict(request.user, perms.VIEW).select_related("title")
        return render(
            request,
            "sam/offer_list.html",
            {
                "title": _("ボリュームライセンスの検討"),
                "offers": offers,
                "can_add": perms.can(request.user, perms.ADD, VolumeOffer),
            },
        )


class OfferDetailView(View):
    """The comparison over N years (``?years=``, ``?quantity=``): table and chart of both options."""

    def get(self, request, pk):
        offer = get_object_or_404(
            VolumeOffer.objects.restrict(request.user, perms.VIEW).select_related("title"), pk=pk
        )
        try:
            years = max(1, min(int(request.GET.get("years", 5)), 15))
        except ValueError:
            years = 5
        quantity = request.GET.get("quantity", "")
        result = offers.offer_compare(
            offer=offer, years=years, quantity=int(quantity) if quantity.isdigit() else None
        )
        comparison = result["comparison"]
        chart = {
            "labels": [str(r.year) for r in comparison.years],
            "current": [r.cumulative_current for r in comparison.years],
            "offer": [r.cumulative_offer for r in comparison.years],
        }
        return render(
            request,
            "sam/offer_detail.html",
            {
                "title": str(offer),
                "offer": offer,
                "years": years,
                "result": result,
                "comparison": comparison,
                "current": result["current"],
                "chart_json": json.dumps(chart),
                "tiers": offer.tiers.all(),
                "can_change": perms.can(request.user, perms.CHANGE, offer),
            },
        )


class OfferEditView(View):
    def _offer(self, request, pk):
        if pk is None:
            require(request.user, perms.ADD, VolumeOffer)
            return VolumeOffer()
        offer = get_object_or_404(VolumeOffer.objects.restrict(request.user, perms.VIEW), pk=pk)
        require(request.user, perms.CHANGE, offer)
        return offer

    def get(self, request, pk=None):
        offer = self._offer(request, pk)
        form = OfferForm(instance=offer, user=request.user)
        if offer.pk is None and request.GET.get("title", "").isdigit():
            form.initial["title"] = int(request.GET["title"])
        return self.render(request, offer, form)

    def post(self, request, pk=None):
        offer = self._offer(request, pk)
        form = OfferForm(request.POST, instance=offer, user=request.user)
        status = 400
        if form.is_valid():
            try:
                with transaction.atomic(), change_context(reason=form.cleaned_data.get("change_reason", "")):
                    version_check(offer, form.cleaned_data.get("version"))
                    saved = offers.offer_save(
                        user=request.user, offer=form.instance, tiers=form.cleaned_data["tiers"]
                    )
            except ApplicationError as exc:
                apply_error_to_form(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, _("保存しました。"))
                return redirect(saved.get_absolute_url())
        return self.render(request, offer, form, status=status)

    def render(self, request, offer, form, status=200):
        return render(
            request,
            "core/object_edit.html",
            {
                "object": offer if offer.pk else None,
                "form": form,
                "model": VolumeOffer,
                "title": str(offer) if offer.pk else _("ボリュームライセンスの提案の登録"),
            },
            status=status,
        )


__all__ = ["DeviceStatus"]
