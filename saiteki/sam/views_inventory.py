"""Pages of the inventory campaign (棚卸) and of audits.

Admins open and close a campaign; a 所属 works through its own task (confirm or correct each device,
report a device missing from the list, complete). Audits: admins draw a sample, record each device's
result and findings; a 所属 answers the findings about its devices.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from saiteki.core import permissions as perms
from saiteki.core import workflow
from saiteki.core.context import change_context
from saiteki.core.errors import ApplicationError
from saiteki.core.fiscal import fiscal_year_of
from saiteki.core.views.params import id_param

from . import selectors, services
from .choices import CampaignState, CheckResult, ItemStatus, TaskState
from .forms import AuditForm, CampaignForm, CheckForm, FindingResponseForm, ItemForm, UnlistedForm
from .models import (
    Audit,
    AuditCheck,
    AuditFinding,
    Installation,
    InventoryCampaign,
    InventoryItem,
    InventoryTask,
)


def _fail(request, exc: ApplicationError) -> None:
    messages.error(request, str(exc.message))


# --- Campaigns --------------------------------------------------------------------------------------------


class CampaignListView(View):
    def get(self, request):
        if not perms.role_allows(request.user, perms.VIEW, InventoryCampaign):
            raise PermissionDenied
        campaigns = list(InventoryCampaign.objects.order_by("-fiscal_year"))
        rows = [(c, selectors.campaign_progress(campaign=c)) for c in campaigns]
        import datetime

        return render(
            request,
            "sam/campaign_list.html",
            {
                "title": _("ソフトウェア棚卸"),
                "rows": rows,
                "can_add": perms.can(request.user, perms.ADD, InventoryCampaign),
                "form": CampaignForm(initial={"fiscal_year": fiscal_year_of(datetime.date.today())}),
                "my_tasks": InventoryTask.objects.restrict(request.user, perms.VIEW)
                .filter(campaign__state=CampaignState.OPEN)
                .select_related("campaign", "division")
                if perms.is_scoped(request.user, InventoryTask)
                else [],
            },
        )

    def post(self, request):
        if not perms.can(request.user, perms.ADD, InventoryCampaign):
            raise PermissionDenied
        form = CampaignForm(request.POST)
        if form.is_valid():
            try:
                with change_context(reason=_("棚卸の作成")):
                    campaign = services.campaign_create(
                        user=request.user,
                        fiscal_year=form.cleaned_data["fiscal_year"],
                        title=form.cleaned_data["title"],
                        due_date=form.cleaned_data["due_date"],
                    )
            except ApplicationError as exc:
                _fail(request, exc)
            else:
                return redirect(campaign.get_absolute_url())
        else:
            messages.error(request, _("入力内容を確認してください。"))
        return redirect("sam:campaign_list")


class CampaignDetailView(View):
    """Progress overall and per 所属 (an owner sees their own task only)."""

    def get(self, request, pk):
        campaign = get_object_or_404(InventoryCampaign.objects.restrict(request.user, perms.VIEW), pk=pk)
        tasks = list(selectors.task_rows(campaign=campaign, user=request.user))
        return render(
            request,
            "sam/campaign_detail.html",
            {
                "title": str(campaign),
                "campaign": campaign,
                "tasks": tasks,
                "progress": selectors.campaign_progress(campaign=campaign, user=request.user),
                "overall": selectors.campaign_progress(campaign=campaign),
                "can_manage": perms.can(request.user, perms.CHANGE, campaign),
                "frozen": campaign.frozen,
            },
        )

    def post(self, request, pk):
        campaign = get_object_or_404(InventoryCampaign.objects.restrict(request.user, perms.VIEW), pk=pk)
        if not perms.can(request.user, perms.CHANGE, campaign):
            raise PermissionDenied
        try:
            if "open" in request.POST:
                services.campaign_open(user=request.user, campaign=campaign)
                messages.success(request, _("棚卸を開始し、各所属に依頼しました。"))
            elif "close" in request.POST:
                services.campaign_close(user=request.user, campaign=campaign)
                messages.success(request, _("棚卸を締め切り、結果を確定しました。"))
        except ApplicationError as exc:
            _fail(request, exc)
        return redirect(campaign.get_absolute_url())


#: Devices per page of a 所属's task: each row carries the device's software and its answer form.
TASK_ITEMS_PER_PAGE = 25


class TaskDetailView(View):
    """A 所属's task: its devices with their software, each to confirm or correct."""

    def _task(self, request, pk):
        return get_object_or_404(
            InventoryTask.objects.restrict(request.user, perms.VIEW).select_related("campaign", "division"),
            pk=pk,
        )

    def get(self, request, pk):
        task = self._task(request, pk)
        items = task.items.select_related("device", "checked_by").order_by("hostname", "pk")
        status = request.GET.get("status", "")
        if status in ItemStatus.values:
            items = items.filter(status=status)
        page = Paginator(items, TASK_ITEMS_PER_PAGE).get_page(request.GET.get("page"))
        device_ids = [i.device_id for i in page.object_list if i.device_id]
        software: dict[int, list[Installation]] = {}
        for inst in (
            Installation.objects.filter(device_id__in=device_ids, active=True)
            .select_related("name__title")
            .order_by("raw_name")
        ):
            software.setdefault(inst.device_id, []).append(inst)
        counts = dict(
            task.items.values("status").annotate(n=Count("pk")).values_list("status", "n").order_by()
        )
        editable = (
            task.campaign.state == CampaignState.OPEN
            and task.state == TaskState.OPEN
            and perms.can(request.user, perms.CHANGE, task)
        )
        return render(
            request,
            "sam/task_detail.html",
            {
                "title": _("%(division)s の棚卸") % {"division": task.division},
                "task": task,
                "page": page,
                "rows": [(i, software.get(i.device_id, [])) for i in page.object_list],
                "counts": [(s, label, counts.get(s, 0)) for s, label in ItemStatus.choices],
                "pending": counts.get(ItemStatus.PENDING, 0),
                "editable": editable,
                "item_form": ItemForm(),
                "unlisted_form": UnlistedForm(),
                "transitions": workflow.available_transitions(task, request.user, include_blocked=True),
                "status": status,
            },
        )

    def post(self, request, pk):
        task = self._task(request, pk)
        try:
            if "confirm_all" in request.POST:
                n = services.items_confirm_all(user=request.user, task=task)
                messages.success(request, _("%(n)s台を確認済みにしました。") % {"n": n})
            elif "unlisted" in request.POST:
                form = UnlistedForm(request.POST)
                if form.is_valid():
                    services.item_add_unlisted(
                        user=request.user,
                        task=task,
                        hostname=form.cleaned_data["hostname"],
                        note=form.cleaned_data["note"],
                    )
                    messages.success(request, _("一覧にない機器として報告しました。"))
                else:
                    messages.error(request, _("ホスト名を入力してください。"))
            elif "complete" in request.POST:
                services.task_complete(user=request.user, task=task, note=request.POST.get("note", ""))
                messages.success(request, _("棚卸を完了しました。ご協力ありがとうございました。"))
            elif "reopen" in request.POST:
                services.task_reopen(user=request.user, task=task, comment=request.POST.get("comment", ""))
                messages.success(request, _("差し戻しました。"))
        except ApplicationError as exc:
            _fail(request, exc)
        return redirect(task.get_absolute_url())


class ItemUpdateView(View):
    """One device's answer (confirm / correct / missing)."""

    def post(self, request, pk):
        item = get_object_or_404(
            InventoryItem.objects.restrict(request.user, perms.VIEW).select_related("task"), pk=pk
        )
        if not perms.can(request.user, perms.CHANGE, item):
            raise PermissionDenied
        form = ItemForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("確認結果を選んでください。"))
        else:
            try:
                services.item_update(user=request.user, item=item, **form.cleaned_data)
            except ApplicationError as exc:
                _fail(request, exc)
        return redirect(f"{item.task.get_absolute_url()}?page={request.POST.get('page', 1)}#item-{item.pk}")


# --- Audits -----------------------------------------------------------------------------------------------


class AuditListView(View):
    def get(self, request):
        if not perms.role_allows(request.user, perms.VIEW, Audit):
            raise PermissionDenied
        import datetime

        audits = Audit.objects.annotate(
            checks_n=Count("checks", distinct=True),
            pending=Count("checks", filter=Q(checks__result=CheckResult.PENDING), distinct=True),
            findings_n=Count("findings", distinct=True),
        ).select_related("division")
        findings = AuditFinding.objects.restrict(request.user, perms.VIEW).select_related("audit", "division")
        return render(
            request,
            "sam/audit_list.html",
            {
                "title": _("ライセンス監査"),
                "audits": audits,
                "findings": findings.order_by("state", "due_date", "pk")[:200],
                "can_add": perms.can(request.user, perms.ADD, Audit),
                "form": AuditForm(
                    initial={"fiscal_year": fiscal_year_of(datetime.date.today()), "sample_size": 30}
                ),
            },
        )

    def post(self, request):
        if not perms.can(request.user, perms.ADD, Audit):
            raise PermissionDenied
        form = AuditForm(request.POST)
        if form.is_valid():
            try:
                with change_context(reason=_("監査の作成")):
                    audit = services.audit_create(
                        user=request.user, **{**form.cleaned_data, "seed": form.cleaned_data["seed"] or 0}
                    )
            except ApplicationError as exc:
                _fail(request, exc)
            else:
                return redirect(audit.get_absolute_url())
        else:
            messages.error(request, _("入力内容を確認してください。"))
        return redirect("sam:audit_list")


class AuditDetailView(View):
    def get(self, request, pk):
        audit = get_object_or_404(Audit.objects.restrict(request.user, perms.VIEW), pk=pk)
        checks = (
            AuditCheck.objects.restrict(request.user, perms.VIEW)
            .filter(audit=audit)
            .select_related("device__division")
            .prefetch_related(Prefetch("findings"))
        )
        return render(
            request,
            "sam/audit_detail.html",
            {
                "title": str(audit),
                "audit": audit,
                "checks": checks,
                "findings": AuditFinding.objects.restrict(request.user, perms.VIEW)
                .filter(audit=audit)
                .select_related("division", "check_item__device"),
                "can_manage": perms.can(request.user, perms.CHANGE, audit) and audit.state == "open",
                "check_form": CheckForm(),
            },
        )

    def post(self, request, pk):
        audit = get_object_or_404(Audit.objects.restrict(request.user, perms.VIEW), pk=pk)
        try:
            if "close" in request.POST:
                services.audit_close(user=request.user, audit=audit, summary=request.POST.get("summary", ""))
                messages.success(request, _("監査を完了しました。"))
            else:
                check = get_object_or_404(AuditCheck, pk=id_param(request.POST.get("check")), audit=audit)
                form = CheckForm(request.POST)
                if not form.is_valid():
                    messages.error(request, _("入力内容を確認してください。"))
                else:
                    services.audit_check_record(user=request.user, check=check, **form.cleaned_data)
                    messages.success(request, _("記録しました。"))
        except ApplicationError as exc:
            _fail(request, exc)
        return redirect(audit.get_absolute_url())


class FindingView(View):
    """A finding and the 所属's response (owners of the 所属 and admins)."""

    def _finding(self, request, pk):
        return get_object_or_404(
            AuditFinding.objects.restrict(request.user, perms.VIEW).select_related(
                "audit", "division", "check_item__device"
            ),
            pk=pk,
        )

    def get(self, request, pk):
        finding = self._finding(request, pk)
        return self.render(request, finding, FindingResponseForm(initial={"response": finding.response}))

    def post(self, request, pk):
        finding = self._finding(request, pk)
        if not perms.can(request.user, perms.CHANGE, finding):
            raise PermissionDenied
        form = FindingResponseForm(request.POST)
        if form.is_valid():
            try:
                with change_context(reason=_("監査の指摘への対応")):
                    services.finding_respond(user=request.user, finding=finding, **form.cleaned_data)
            except ApplicationError as exc:
                _fail(request, exc)
            else:
                messages.success(request, _("保存しました。"))
                return redirect(finding.audit.get_absolute_url())
        return self.render(request, finding, form, status=400)

    def render(self, request, finding, form, status=200):
        return render(
            request,
            "sam/finding.html",
            {
                "title": _("監査の指摘"),
                "finding": finding,
                "form": form,
                "can_change": perms.can(request.user, perms.CHANGE, finding),
            },
            status=status,
        )
