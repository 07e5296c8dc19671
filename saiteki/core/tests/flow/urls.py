from django.shortcuts import get_object_or_404, render
from django.urls import path

from saiteki.core import permissions as perms

from .models import Request

app_name = "flow"


def request_detail(request, pk):
    obj = get_object_or_404(Request.objects.restrict(request.user, perms.VIEW), pk=pk)
    return render(request, "flow/request_detail.html", {"title": obj.title, "obj": obj})


urlpatterns = [path("requests/<int:pk>/", request_detail, name="request_detail")]
