from django.urls import include, path
from rest_framework import serializers
from rest_framework.routers import SimpleRouter

from saiteki.core.api.viewsets import SaitekiModelViewSet
from saiteki.core.api.workflow import TransitionsSerializerMixin, TransitionViewSetMixin
from saiteki.core.tests.flow.models import Request


class RequestSerializer(TransitionsSerializerMixin, serializers.ModelSerializer):
    class Meta:
        model = Request
        fields = ["id", "title", "division", "amount", "state", "version", "transitions"]
        read_only_fields = ["state", "version"]


class RequestViewSet(TransitionViewSetMixin, SaitekiModelViewSet):
    queryset = Request.objects.all()
    serializer_class = RequestSerializer


router = SimpleRouter()
router.register("flow/requests", RequestViewSet, basename="flow-request")
urlpatterns = [path("", include(router.urls))]
