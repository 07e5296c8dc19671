"""One FilterSet per model, shared by the list page, the API and the export (STYLE.md habit 6)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import OrganizationKind
from .models import Organization


class OrganizationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("検索"), method="search")
    kind = django_filters.ChoiceFilter(
        label=_("種別"), choices=OrganizationKind.choices, empty_label=_("すべて")
    )
    parent = django_filters.ModelChoiceFilter(
        label=_("部局"),
        queryset=Organization.objects.filter(kind=OrganizationKind.BUREAU),
        empty_label=_("すべて"),
    )

    class Meta:
        model = Organization
        fields = ["q", "kind", "parent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.form.fields.values():
            f.widget.attrs.setdefault("class", "form-control form-control-sm")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__contains=value) | Q(code__contains=value))
