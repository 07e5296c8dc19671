"""Template side of the workflow: ``{% load workflow %}``.

* ``{% available_transitions obj as transitions %}`` — the transitions the current user may run now
  (:class:`saiteki.core.workflow.AvailableTransition`: name, label, comment_required, style …);
* ``{% transition_buttons obj %}`` — a ready form per transition (comment box, CSRF, version), posting to
  the generic ``core:transition`` view, which calls ``transition_run`` and comes back to the page.
"""

from __future__ import annotations

from django import template
from django.contrib.contenttypes.models import ContentType

from saiteki.core import workflow

register = template.Library()


@register.simple_tag(takes_context=True)
def available_transitions(context, obj, include_blocked=False):
    user = getattr(context.get("request"), "user", None) or context.get("user")
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return workflow.available_transitions(obj, user, include_blocked=bool(include_blocked))


@register.inclusion_tag("core/_transitions.html", takes_context=True)
def transition_buttons(context, obj, include_blocked=True):
    request = context.get("request")
    user = getattr(request, "user", None)
    transitions = (
        workflow.available_transitions(obj, user, include_blocked=bool(include_blocked))
        if user is not None and user.is_authenticated
        else []
    )
    return {
        "obj": obj,
        "transitions": transitions,
        "content_type_id": ContentType.objects.get_for_model(obj, for_concrete_model=True).pk,
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }
