from django.http import HttpResponse

from saiteki.core.registry import register_model_view

from .models import Gadget


@register_model_view(Gadget, "list", detail=False, route="")
class GadgetListView:
    @classmethod
    def as_view(cls, **kwargs):
        return lambda request: HttpResponse("gadgets")


@register_model_view(Gadget, "detail", route="")
class GadgetDetailView:
    @classmethod
    def as_view(cls, **kwargs):
        return lambda request, pk: HttpResponse(f"gadget {pk}")
