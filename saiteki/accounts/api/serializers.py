from rest_framework import serializers

from saiteki.accounts.models import Organization, User


class OrganizationSerializer(serializers.ModelSerializer):
    parent_name = serializers.CharField(source="parent.name", read_only=True, default=None)
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


class MeSerializer(serializers.ModelSerializer):
    role = serializers.CharField(source="current_role", read_only=True, allow_null=True)
    division = serializers.CharField(source="current_division", read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "role", "division", "date_style", "language"]
