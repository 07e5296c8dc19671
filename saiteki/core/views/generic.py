"""Generic object views: list (+ xlsx export), detail, edit, delete, history.

Each view asks the model's queryset for what the user may see or change (``restrict``), so a page,
its export and its edit form can never disagree about permissions. An object the user may not see is a
404 (its existence is not revealed); one they may see but not change is a 403.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from saiteki.core import permissions as perms
from saiteki.core import registry as reg
from saiteki.core.changelog import change_batch
from saiteki.core.context import change_context
from saiteki.core.display import changes_for_display, field_text
from saiteki.core.errors import ApplicationError, ConflictError
from saiteki.core.exporting import ListExporter, filter_in_words, list_workbook, xlsx_response
from saiteki.core.exporting.lists import sort_in_words
from saiteki.core.models import JournalEntry, ObjectChange
from saiteki.core.tables import Table
from saiteki.core.views.params import id_param


def url_name(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}:{model._meta.model_name}_{action}"


def require(user, action: str, obj_or_model) -> None:
    if not perms.can(user, action, obj_or_model):
        raise PermissionDenied(_("この操作を行う権限がありません。"))


class ObjectListView(View):
    """A filterable, sortable, paginated table with a totals row and an xlsx export of exactly what is shown."""

    model: type[models.Model]
    table: Table
    filterset_class = None
    template_name = "core/object_list.html"
    paginate_by = 50
    title = ""

    def get_queryset(self, request):
        return self.model.objects.restrict(request.user, perms.VIEW)

    def filtered(self, request):
        qs = self.get_queryset(request)
        filterset = None
        if self.filterset_class is not None:
            filterset = self.filterset_class(request.GET or None, queryset=qs, request=request)
            if filterset.is_bound and not filterset.is_valid():
                # A wrong filter (e.g. an unknown 部局 id in a shared URL) shows nothing and says why,
                # never the unfiltered list.
                qs = qs.none()
            else:
                qs = filterset.qs
        qs, sort = self.table.order(qs, request.GET.get("sort"))
        return self.table.optimise(qs), filterset, sort

    def get(self, request, *args, **kwargs):
        if not perms.role_allows(request.user, perms.VIEW, self.model):
            raise PermissionDenied(_("この一覧を表示する権限がありません。"))
        qs, filterset, sort = self.filtered(request)
        columns = self.table.visible(request.GET.getlist("col"))
        if request.GET.get("export") == "xlsx":
            return self.export(request, qs, columns, filterset=filterset, sort=sort)
        page = self.paginate(request, qs)
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "title": self.title or self.model._meta.verbose_name_plural,
            "model": self.model,
            "table": self.table,
            "columns": columns,
            "rows": [(obj, [(c, c.value(obj)) for c in columns]) for obj in page.object_list],
            "totals": self.totals(qs, columns),
            "page": page,
            "filterset": filterset,
            "sort": sort,
            "querystring": query.urlencode(),
            "can_add": perms.can(request.user, perms.ADD, self.model),
            "can_export": perms.role_allows(request.user, perms.EXPORT, self.model),
            "add_url": self._reverse_or_none(url_name(self.model, "add")),
        }
        context.update(self.extra_context(request))
        return render(request, self.template_name, context)

    def extra_context(self, request) -> dict:
        return {}

    def paginate(self, request, qs):
        """The page to show. A list whose exact count or order is costly at scale (the ledger at 400,000
        systems) overrides this with a cheaper count or ordered sequence; the template is the same."""
        return Paginator(qs, self.paginate_by).get_page(request.GET.get("page"))

    def totals(self, qs, columns) -> dict | None:
        names = [c.name for c in columns if c.total and isinstance(c.sort_key, str)]
        if not names:
            return None
        # Aggregate aliases must differ from annotation names (cost_total is itself an annotation).
        agg = qs.order_by().aggregate(
            **{f"sum_{c}": models.Sum(self.table.column_map()[c].sort_key) for c in names}
        )
        return {c: agg[f"sum_{c}"] for c in names}

    # -- xlsx export (saiteki.core.exporting) ----------------------------------------------------------

    #: Registered in ``registry.exporters`` under this name (default ``app_label.model_name``); None: not.
    export_name: str | None = ""
    #: Filters the title already names through :meth:`export_scope` (not repeated in the filter line).
    export_scope_filters: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Only views that declare their own list (a subclass tweaking a page is the same export).
        model = cls.__dict__.get("model")
        if model is None or cls.export_name is None or not hasattr(cls, "table"):
            return
        name = cls.export_name or f"{model._meta.app_label}.{model._meta.model_name}"
        taken = reg.registry.exporters.get(name)
        if taken is not None and taken.view_class.__qualname__ != cls.__qualname__ and not cls.export_name:
            name = f"{model._meta.app_label}.{cls.__name__}"  # a second list of the same model
        reg.registry.register_exporter(name, ListExporter(name=name, view_class=cls))

    def export_scope(self, request, filterset) -> list[str]:
        """What the export is of, beyond the filter (e.g. the fiscal year and stage of the amounts),
        printed in the title row after the list's title."""
        return []

    def export_response(self, request):
        """The page's ``?export=xlsx`` on its own (for :class:`~saiteki.core.exporting.ListExporter`)."""
        if not perms.role_allows(request.user, perms.VIEW, self.model):
            raise PermissionDenied(_("この一覧を表示する権限がありません。"))
        qs, filterset, sort = self.filtered(request)
        columns = self.table.visible(request.GET.getlist("col"))
        return self.export(request, qs, columns, filterset=filterset, sort=sort)

    def export(self, request, qs, columns, *, filterset=None, sort: str = ""):
        """The screen's rows and columns as xlsx, with what they are in the title rows; audited."""
        if not perms.role_allows(request.user, perms.EXPORT, self.model):
            raise PermissionDenied(_("エクスポートする権限がありません。"))
        # The screen's rows, narrowed by the export scope of the policy too (today the same divisions
        # as viewing; a future rule that lets a role see more than it may take away applies here).
        qs = perms.scope_queryset(qs, request.user, perms.EXPORT)
        title = str(self.title or self.model._meta.verbose_name_plural)
        date_style = getattr(request, "date_style", "wareki")
        writer, count = list_workbook(
            title=title,
            table=self.table,
            columns=columns,
            queryset=qs,
            scope=self.export_scope(request, filterset),
            filters=filter_in_words(filterset, exclude=self.export_scope_filters, date_style=date_style),
            sort=sort_in_words(self.table, sort),
            user=request.user,
            date_style=date_style,
        )
        return xlsx_response(
            request,
            writer=writer,
            filename=f"{title}.xlsx",
            what=f"{self.model._meta.label_lower}_list",
            count=count,
            object_type=self.model._meta.label,
        )

    @staticmethod
    def _reverse_or_none(name: str):
        try:
            return reverse(name)
        except Exception:  # noqa: BLE001 - a model without an add page
            return None


class ObjectMixin:
    model: type[models.Model]
    action = perms.VIEW

    def get_object(self, request, pk):
        visible = self.model.objects.restrict(request.user, perms.VIEW)
        obj = get_object_or_404(visible, pk=pk)
        if self.action != perms.VIEW:
            require(request.user, self.action, obj)
        return obj


class ObjectDetailView(ObjectMixin, View):
    template_name = "core/object_detail.html"
    fields: tuple[str, ...] = ()

    def get(self, request, pk):
        obj = self.get_object(request, pk)
        return render(request, self.template_name, self.get_context(request, obj))

    def get_context(self, request, obj) -> dict:
        date_style = getattr(request, "date_style", "wareki")
        return {
            "object": obj,
            "title": str(obj),
            "fields": [
                (obj._meta.get_field(f).verbose_name, field_text(obj, f, date_style=date_style))
                for f in self.fields
            ],
            "can_change": perms.can(request.user, perms.CHANGE, obj),
            "can_delete": perms.can(request.user, perms.DELETE, obj),
            "can_history": perms.can(request.user, perms.HISTORY, obj),
            "journal": journal_for(obj)[:20],
            "can_journal": can_write_journal(request.user, obj),
            "journal_kinds": JournalEntry.Kind.choices,
            "content_type_id": ContentType.objects.get_for_model(obj).pk,
        }


class ObjectEditView(ObjectMixin, View):
    """Create or edit through a ModelForm with optimistic concurrency and a change reason.

    The form carries the object's ``version``; if someone else saved in between, the save is refused
    with a conflict message and the user's input is kept on the page.

    A model with a write service saves through it instead of ``form.save()``: the view defines
    ``service(self, *, user, instance)`` (e.g. ``services.title_save(user=user, title=instance)``).
    The service checks the policy and opens its own transaction; the view adds the change reason, so no
    app repeats how a reason reaches the change log. Both paths refuse a stale form
    (:meth:`check_version`).
    """

    form_class = None
    template_name = "core/object_edit.html"
    action = perms.CHANGE
    service: Callable[..., models.Model] | None = None

    #: Fields a new object takes from the query string, as ids: 「結果を追加」 on a drill's page links to
    #: ``…/add/?drill=3`` so the form opens with that drill chosen.
    initial_from_query: tuple[str, ...] = ()

    def get_form(self, request, instance, data=None, files=None):
        initial = {}
        if instance.pk is None:
            for name in self.initial_from_query:
                value = id_param(request.GET.get(name))
                if value is not None:
                    initial[name] = value
        return self.form_class(data, files, instance=instance, user=request.user, initial=initial)

    def _instance(self, request, pk):
        if pk is None:
            require(request.user, perms.ADD, self.model)
            return self.model()
        return self.get_object(request, pk)

    def get(self, request, pk=None):
        obj = self._instance(request, pk)
        return self.render(request, obj, self.get_form(request, obj))

    def post(self, request, pk=None):
        obj = self._instance(request, pk)
        form = self.get_form(request, obj, request.POST, request.FILES)
        status = 400
        if form.is_valid():
            try:
                saved = self.save(request, form, obj)
            except ApplicationError as exc:
                apply_error_to_form(form, exc)
                status = error_status(exc)
            else:
                messages.success(request, _("保存しました。"))
                return redirect(saved.get_absolute_url())
        return self.render(request, obj, form, status=status)

    def save(self, request, form, obj):
        if self.service is None:
            return self.save_form(request, form, obj)
        with transaction.atomic():
            self.check_version(request, obj)
            with change_context(reason=request.POST.get("change_reason", "").strip()):
                return self.service(user=request.user, instance=form.instance)

    def check_version(self, request, obj) -> None:
        version_check(obj, request.POST.get("version"))

    @transaction.atomic
    def save_form(self, request, form, obj):
        """``form.save()`` after the version check and, for a new object, the creation policy."""
        self.check_version(request, obj)
        if obj.pk is None and perms.is_division_owned(self.model):
            # The division may be reached through links the form holds but the unsaved instance does
            # not (a contract's systems): ask the policy with the submitted values.
            if not perms.can_create(
                request.user, self.model, perms.creation_values(form.instance, form.cleaned_data)
            ):
                raise PermissionDenied(_("この操作を行う権限がありません。"))
        elif obj.pk is None:
            require(request.user, perms.ADD, form.instance)
        with change_context(reason=request.POST.get("change_reason", "").strip()), change_batch():
            return form.save()

    def render(self, request, obj, form, status=200):
        return render(
            request,
            self.template_name,
            {
                "object": obj if obj.pk else None,
                "form": form,
                "model": self.model,
                "title": str(obj)
                if obj.pk
                else _("%(name)sの登録") % {"name": self.model._meta.verbose_name},
            },
            status=status,
        )


def version_check(obj, expected) -> None:
    """Refuse a save when someone saved ``obj`` since its form was loaded at version ``expected`` (the
    form's hidden ``version``); the row stays locked until the caller's transaction ends, so two saves
    of the same form cannot both pass. Hand-written edit pages call it inside their transaction."""
    if obj.pk is None:
        return
    current = (
        type(obj).objects.select_for_update().filter(pk=obj.pk).values_list("version", flat=True).first()
    )
    if expected not in (None, "") and current is not None and str(current) != str(expected):
        raise ConflictError()


def error_status(exc: ApplicationError) -> int:
    """The status of a form page refused by ``exc``: 412 for a stale form (like the API's stale
    If-Match, so clients can tell it apart), else 400."""
    return exc.status_code if isinstance(exc, ConflictError) else 400


def apply_error_to_form(form, exc: ApplicationError) -> None:
    """Map an ApplicationError to form errors: field messages beside fields, the message at the top."""
    for field, msgs in exc.fields.items():
        for msg in msgs:
            form.add_error(field if field in form.fields else None, msg)
    form.add_error(None, str(exc.message))


class ObjectDeleteView(ObjectMixin, View):
    template_name = "core/object_delete.html"
    action = perms.DELETE

    def get(self, request, pk):
        obj = self.get_object(request, pk)
        return render(request, self.template_name, {"object": obj, "title": str(obj)})

    def post(self, request, pk):
        obj = self.get_object(request, pk)
        with transaction.atomic(), change_context(reason=request.POST.get("change_reason", "").strip()):
            obj.delete()
        messages.success(request, _("削除しました。"))
        return redirect(self.get_success_url(obj))

    def get_success_url(self, obj) -> str:
        return reverse(url_name(self.model, "list"))


def history_for(obj) -> models.QuerySet:
    """Changes of the object itself and of the objects linked to it (children), newest first."""
    ct = ContentType.objects.get_for_model(obj)
    return (
        ObjectChange.objects.filter(
            Q(content_type=ct, object_id=obj.pk) | Q(links__content_type=ct, links__object_id=obj.pk)
        )
        .select_related("content_type")
        .distinct()
        .order_by("-time", "-id")
    )


def journal_for(obj) -> models.QuerySet:
    ct = ContentType.objects.get_for_model(obj)
    return JournalEntry.objects.filter(content_type=ct, object_id=obj.pk).prefetch_related("attachments")


def can_write_journal(user, obj) -> bool:
    return perms.can(user, perms.CHANGE, obj) or perms.has_right(user, perms.JOURNAL_ANY)


class ObjectHistoryView(ObjectMixin, View):
    template_name = "core/object_history.html"
    action = perms.HISTORY

    def get(self, request, pk):
        obj = self.get_object(request, pk)
        changes = history_for(obj)
        page = Paginator(changes, 50).get_page(request.GET.get("page"))
        rows = changes_for_display(page.object_list, date_style=getattr(request, "date_style", "wareki"))
        return render(
            request, self.template_name, {"object": obj, "title": str(obj), "page": page, "changes": rows}
        )


def get_object_for_journal(request, content_type_id: int, object_id: int):
    ct = get_object_or_404(ContentType, pk=content_type_id)
    model = ct.model_class()
    manager = getattr(model, "objects", None)
    if manager is None or not hasattr(manager, "restrict"):
        raise Http404
    obj = get_object_or_404(manager.restrict(request.user, perms.VIEW), pk=object_id)
    if not can_write_journal(request.user, obj):
        raise PermissionDenied(_("カルテに記入する権限がありません。"))
    return obj


def master_data_views(*, model, form_class, table: Table, title, fields: tuple[str, ...]):
    """List, detail, edit and history views of a simple master-data model, defined once.

    Returns the four view classes in that order (URL names ``<model>_list|detail|edit|history``).
    """
    attrs = {"model": model, "__module__": model.__module__}
    name = model.__name__
    return (
        type(f"{name}ListView", (ObjectListView,), {**attrs, "table": table, "title": title}),
        type(f"{name}DetailView", (ObjectDetailView,), {**attrs, "fields": fields}),
        type(f"{name}EditView", (ObjectEditView,), {**attrs, "form_class": form_class}),
        type(f"{name}HistoryView", (ObjectHistoryView,), attrs),
    )
