"""SAM pages: licences (entitlements), their purchases and proofs of licence."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from saiteki.core import permissions as perms
from saiteki.core.context import change_context
from saiteki.core.errors import ApplicationError
from saiteki.core.views.generic import (
    ObjectDetailView,
    ObjectEditView,
    ObjectHistoryView,
    ObjectListView,
    apply_error_to_form,
    error_status,
    require,
    version_check,
)

from . import selectors, services
from .filtersets import (
    EntitlementFilterSet,
)
from .forms import (
    EntitlementForm,
    ProofForm,
    PurchaseForm,
)
from .models import (
    Entitlement,
    ProofDocument,
    Purchase,
)
from .tables import ENTITLEMENT_TABLE
from .views import NoDeleteMixin


class EntitlementListView(ObjectListView):
    model = Entitlement
    table = ENTITLEMENT_TABLE
    filterset_class = EntitlementFilterSet
    title = gettext_lazy("ライセンス")

    def get_queryset(self, request):
        return selectors.entitlements_with_quantity(user=request.user)


class EntitlementDetailView(NoDeleteMixin, ObjectDetailView):
    model = Entitlement
    template_name = "sam/entitlement_detail.html"
    fields = ("number", "title", "kind", "metric", "owner_division", "downgrade_rights", "state", "notes")

    def get_context(self, request, obj):
        context = super().get_context(request, obj)
        today = datetime.date.today()
        active = set(selectors.active_purchases(today).filter(entitlement=obj).values_list("pk", flat=True))
        context.update(
            {
                "purchases": [(p, p.pk in active) for p in obj.purchases.order_by("purchased_on", "pk")],
                "quantity": sum(p.quantity for p in obj.purchases.all() if p.pk in active),
                "costs": selectors.costs_by_year(entitlement=obj),
                "proofs": obj.proofs.all(),
                "proof_form": ProofForm(),
            }
        )
        return context


class EntitlementEditView(ObjectEditView):
    model = Entitlement
    form_class = EntitlementForm

    initial_from_query = ("title",)

    def service(self, *, user, instance):
        return services.entitlement_save(user=user, entitlement=instance)


class EntitlementHistoryView(ObjectHistoryView):
    model = Entitlement


class PurchaseEditView(View):
    """Add a purchase to a licence (``/entitlements/<id>/purchases/add/``) or change one."""

    def _objects(self, request, pk, purchase_pk=None):
        entitlement = get_object_or_404(Entitlement.objects.restrict(request.user, perms.VIEW), pk=pk)
        require(request.user, perms.CHANGE, entitlement)
        purchase = (
            get_object_or_404(Purchase, pk=purchase_pk, entitlement=entitlement)
            if purchase_pk
            else Purchase(entitlement=entitlement)
        )
        return entitlement, purchase

    def get(self, request, pk, purchase_pk=None):
        entitlement, purchase = self._objects(request, pk, purchase_pk)
        form = PurchaseForm(instance=purchase, user=request.user)
        return self.render(request, entitlement, purchase, form)

    def post(self, request, pk, purchase_pk=None):
        entitlement, purchase = self._objects(request, pk, purchase_pk)
        form = PurchaseForm(request.POST, instance=purchase, user=request.user)
        status = 400
        if form.is_valid():
            try:
                with transaction.atomic(), change_context(reason=form.cleaned_data.get("change_reason", "")):
                    version_check(purchase, form.cleaned_data.get("version"))
                    services.purchase_save(user=request.user, purchase=form.instance)
            except ApplicationError as exc:
                apply_error_to_form(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, _("保存しました。"))
                return redirect(entitlement.get_absolute_url())
        return self.render(request, entitlement, purchase, form, status=status)

    def render(self, request, entitlement, purchase, form, status=200):
        title = _("%(licence)s の購入") % {"licence": entitlement}
        return render(
            request,
            "core/object_edit.html",
            {"object": purchase if purchase.pk else None, "form": form, "model": Purchase, "title": title},
            status=status,
        )


class PurchaseDeleteView(View):
    def post(self, request, pk, purchase_pk):
        entitlement = get_object_or_404(Entitlement.objects.restrict(request.user, perms.VIEW), pk=pk)
        purchase = get_object_or_404(Purchase, pk=purchase_pk, entitlement=entitlement)
        require(request.user, perms.CHANGE, entitlement)
        with change_context(reason=request.POST.get("change_reason", "").strip() or _("購入の削除")):
            services.purchase_delete(user=request.user, purchase=purchase)
        messages.success(request, _("削除しました。"))
        return redirect(entitlement.get_absolute_url())


class ProofUploadView(View):
    def post(self, request, pk):
        entitlement = get_object_or_404(Entitlement.objects.restrict(request.user, perms.VIEW), pk=pk)
        require(request.user, perms.CHANGE, entitlement)
        form = ProofForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.proof_add(
                    user=request.user,
                    entitlement=entitlement,
                    upload=form.cleaned_data["file"],
                    kind=form.cleaned_data["kind"],
                    reference=form.cleaned_data["reference"],
                )
                messages.success(request, _("証憑を登録しました。"))
            except ApplicationError as exc:
                messages.error(request, str(exc.message))
        else:
            messages.error(request, _("ファイルを選んでください。"))
        return redirect(entitlement.get_absolute_url())


def proof_download(request, pk):
    """Whoever may see the licence may download its proofs; for anyone else the file does not exist.
    Always a download (never rendered), under a no-content security policy."""
    proof = get_object_or_404(ProofDocument.objects.restrict(request.user, perms.VIEW), pk=pk)
    try:
        handle = proof.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=proof.name, content_type="application/octet-stream"
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


class ProofDeleteView(View):
    def post(self, request, pk):
        proof = get_object_or_404(ProofDocument.objects.restrict(request.user, perms.VIEW), pk=pk)
        require(request.user, perms.CHANGE, proof.entitlement)
        with change_context(reason=_("証憑の削除")):
            services.proof_delete(user=request.user, proof=proof)
        messages.success(request, _("削除しました。"))
        return redirect(proof.entitlement.get_absolute_url())
