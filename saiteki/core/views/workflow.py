"""The one page-side entry point for transitions: a POST from ``{% transition_buttons obj %}``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from saiteki.core import permissions as perms
from saiteki.core import workflow
from saiteki.core.errors import ApplicationError
from saiteki.core.views.redirects import redirect_back


@require_POST
def transition(request, content_type_id: int, object_id: int):
    """Run one transition on any workflow object the user can see, then go back to the page.

    The object is looked up through the policy (invisible → 404); the transition's guard, state and
    conditions are checked by ``transition_run``; errors come back as a message, nothing changed.
    """
    ct = get_object_or_404(ContentType, pk=content_type_id)
    model: Any = ct.model_class()
    if (
        model is None
        or not hasattr(model.objects, "restrict")
        or not getattr(model, "workflow_generic_entry", False)
    ):
        raise Http404
    obj = get_object_or_404(model.objects.restrict(request.user, perms.VIEW), pk=object_id)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    name = request.POST.get("name", "")
    try:
        workflow.transition_run(
            obj=obj,
            name=name,
            user=request.user,
            comment=request.POST.get("comment", ""),
            expected_version=version,
        )
    except ApplicationError as exc:
        details = "、".join(m for msgs in exc.fields.values() for m in msgs)
        messages.error(request, f"{exc.message} {details}".strip())
    else:
        messages.success(
            request,
            _("「%(label)s」を行いました。") % {"label": workflow.transition_label(model, name)},
        )
    fallback = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else "/"
    return redirect_back(request, fallback)
