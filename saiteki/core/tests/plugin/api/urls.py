from django.http import JsonResponse
from django.urls import path

urlpatterns = [path("plugin/ping/", lambda request: JsonResponse({"pong": True}), name="plugin-ping")]
