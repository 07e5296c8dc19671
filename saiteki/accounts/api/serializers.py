from django.utils.translation import gettext as _
from rest_framework import serializers

from saiteki.accounts.models import Organization, User


class OrganizationSerializer(serializers.ModelSerializer):
    parent_name = serializers.CharField(source="parent.name", read_only=True, default=None, allow_null=True)
    version = serializers.IntegerField(read_only=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "kind",
            "code",
            "name",
            "parent",
            "parent_name",
            "valid_from",
            "valid_to",
            "predecessors",
            "sort_order",
            "version",
        ]
        read_only_fields = ["predecessors"]

    def validate(self, attrs):
        start = attrs.get("valid_from", getattr(self.instance, "valid_from", None))
        end = attrs.get("valid_to", getattr(self.instance, "valid_to", None))
        if start and end and end < start:
            raise serializers.ValidationError({"valid_to": [_("廃止日は設置日以降の日付にしてください。")]})
        return attrs


class MeSerializer(serializers.ModelSerializer):
    role = serializers.CharField(source="current_role", read_only=True, allow_null=True)
    division = serializers.CharField(source="current_division", read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "role", "division", "date_style", "language"]
