"""API shapes of the knowledge base. Writes go through the services (which hold the policy)."""

from __future__ import annotations

from rest_framework import serializers

from saiteki.accounts.models import Organization
from saiteki.core.roles import Role
from saiteki.knowledge import services
from saiteki.knowledge.choices import ArticleKind, Visibility
from saiteki.knowledge.models import Article
from saiteki.ledger.models import System


class ArticleSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=ArticleKind.choices)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.ALL)
    visible_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices), required=False, source="role_list"
    )
    visible_divisions = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Organization.objects.all(), required=False
    )
    systems = serializers.PrimaryKeyRelatedField(many=True, queryset=System.objects.all(), required=False)
    tags = serializers.SlugRelatedField(many=True, slug_field="name", read_only=True)
    tag_names = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, write_only=True
    )
    is_stale = serializers.BooleanField(read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "category",
            "tags",
            "tag_names",
            "systems",
            "owner_division",
            "owner",
            "visibility",
            "visible_roles",
            "visible_divisions",
            "review_by",
            "is_stale",
            "version",
            "created_at",
            "updated_at",
            "url",
        ]
        read_only_fields = ["version", "created_at", "updated_at"]

    def _values(self, data: dict) -> dict:
        values = dict(data)
        if "role_list" in values:
            values["visible_roles"] = values.pop("role_list")
        if "tag_names" in values:
            values["tags"] = values.pop("tag_names")
        return values

    def create(self, validated_data):
        request = self.context["request"]
        return services.article_create(
            user=request.user,
            reason=request.headers.get("X-Change-Reason", ""),
            **self._values(validated_data),
        )

    def update(self, instance, validated_data):
        request = self.context["request"]
        return services.article_update(
            article=instance,
            user=request.user,
            reason=request.headers.get("X-Change-Reason", ""),
            **self._values(validated_data),
        )


class SearchHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    snippet = serializers.CharField()
    score = serializers.FloatField()
    url = serializers.CharField()


class SearchResponseSerializer(serializers.Serializer):
    query = serializers.CharField()
    count = serializers.IntegerField()
    results = SearchHitSerializer(many=True)


class StatsSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    use_rate = serializers.FloatField(allow_null=True)
    staff = serializers.IntegerField()
    active_users = serializers.IntegerField()
    views = serializers.IntegerField()
    searches = serializers.IntegerField()
    zero_result_searches = serializers.IntegerField()
    helpful_votes = serializers.IntegerField()
    articles = serializers.IntegerField()
    stale_articles = serializers.IntegerField()
    zero_queries = serializers.ListField(child=serializers.DictField())
    by_division = serializers.ListField(child=serializers.DictField())
