"""The import over the API: upload → preview id → apply, for every registered importer.

* ``POST /api/v1/imports/<importer>/`` (multipart: ``file``, optional ``unit``, ``blank``) stores the
  file and dry-runs it; 201 with the preview id and summary (202 when the dry run was queued);
* ``GET /api/v1/imports/<id>/`` the preview: counts, planned changes, errors in Japanese;
* ``POST /api/v1/imports/<id>/apply/`` (``fingerprint`` optional: the preview's, to refuse when the data
  moved on) applies all-or-nothing; 200 applied, 202 queued, 400 row errors, 409 changed since.

The role is checked server-side on every call (the policy's ``IMPORT`` right on the importer's model);
an upload is visible only to the user who made it. A bad file is a 400 with the Japanese message and
nothing is stored.
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from saiteki.core.api.exceptions import ErrorSerializer
from saiteki.core.errors import ApplicationError, NotFoundError
from saiteki.core.importing import services
from saiteki.core.importing.files import inspect_upload
from saiteki.core.importing.importer import importer_class
from saiteki.core.importing.preview import (
    AmountUnit,
    BlankPolicy,
    ImportPreview,
    ImportRefused,
    UploadStatus,
)
from saiteki.core.importing.store import UploadStore

#: Planned changes returned by GET (the rest are counted; a 100,000-row preview is not one response).
MAX_ROWS = 1000

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="取り込めないファイル・誤りのある行"),
    401: OpenApiResponse(ErrorSerializer, description="未認証"),
    403: OpenApiResponse(ErrorSerializer, description="権限なし"),
    404: OpenApiResponse(ErrorSerializer, description="対象なし"),
}


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    unit = serializers.ChoiceField(choices=AmountUnit.choices, default=AmountUnit.YEN.value)
    blank = serializers.ChoiceField(choices=BlankPolicy.choices, default=BlankPolicy.KEEP.value)


class ImportStateSerializer(serializers.Serializer):
    """What the API tells about one upload (its preview in full, up to :data:`MAX_ROWS` changes)."""

    id = serializers.CharField()
    importer = serializers.CharField()
    status = serializers.ChoiceField(choices=UploadStatus.choices)
    file_name = serializers.CharField()
    error = serializers.CharField(allow_blank=True)
    job = serializers.CharField(allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    fingerprint = serializers.CharField(allow_blank=True)
    error_count = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.DictField())  # type: ignore[assignment]
    changes = serializers.ListField(child=serializers.DictField())
    change_count = serializers.IntegerField()
    notes = serializers.ListField(child=serializers.CharField())


def state(token: str, meta: dict) -> dict:
    preview = ImportPreview.from_json(meta["preview"]) if meta.get("preview") else None
    data = preview.to_json() if preview is not None else {}
    return {
        "id": token,
        "importer": meta.get("importer", ""),
        "status": meta.get("status", ""),
        "file_name": meta.get("file_name", ""),
        "error": meta.get("error", ""),
        "job": meta.get("job_id") or None,
        "counts": data.get("counts", {}),
        "fingerprint": data.get("fingerprint", ""),
        "error_count": data.get("error_count", 0),
        "errors": data.get("errors", []),
        "changes": data.get("rows", [])[:MAX_ROWS],
        "change_count": len(data.get("rows", [])),
        "notes": data.get("notes", []),
    }


def _load(request, token: str) -> dict:
    try:
        meta = UploadStore().load(token, user=request.user)
        cls = importer_class(meta.get("importer", ""))
    except (FileNotFoundError, ValueError, LookupError) as exc:
        raise NotFoundError(_("指定された取込が見つかりません。")) from exc
    cls.check_role(request.user)
    return meta


class ImportAPIView(APIView):
    """``/imports/<key>/``: POST uploads to the importer named ``key``; GET reads the upload ``key``."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="imports_upload",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportStateSerializer, 202: ImportStateSerializer, **ERRORS},
        description="ファイルをアップロードし、取込内容を確認します（データは変更しません）。",
    )
    def post(self, request, key: str):
        try:
            cls = importer_class(key)
        except LookupError as exc:
            raise NotFoundError(_("指定された取込の種類がありません。")) from exc
        cls.check_role(request.user)
        serializer = ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        head = upload.read(8)
        upload.seek(0)
        inspect_upload(file_name=upload.name, size=upload.size, head=head)
        token, meta = services.upload_store(
            importer=cls.name,
            user=request.user,
            upload=upload,
            file_name=upload.name,
            unit=serializer.validated_data["unit"],
            blank=serializer.validated_data["blank"],
        )
        if meta["status"] == UploadStatus.REFUSED:
            raise ImportRefused(meta["error"])
        code = (
            status.HTTP_202_ACCEPTED if meta["status"] == UploadStatus.PREVIEWING else status.HTTP_201_CREATED
        )
        return Response(state(token, meta), status=code)

    @extend_schema(
        operation_id="imports_retrieve",
        responses={200: ImportStateSerializer, **ERRORS},
        description="取込内容（件数・変更内容・誤り）を返します。",
    )
    def get(self, request, key: str):
        return Response(state(key, _load(request, key)))


class ImportApplyAPIView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        operation_id="imports_apply",
        request=inline_serializer(
            "ImportApplyRequest", {"fingerprint": serializers.CharField(required=False, allow_blank=True)}
        ),
        responses={
            200: ImportStateSerializer,
            202: ImportStateSerializer,
            409: OpenApiResponse(ErrorSerializer, description="確認後にデータが更新された・取込できない状態"),
            **ERRORS,
        },
        description="確認済みの取込を反映します（誤りが1件でもあれば何も反映しません）。",
    )
    def post(self, request, token: str):
        meta = _load(request, token)
        if meta.get("status") != UploadStatus.PREVIEWED:
            raise _Conflict(
                _("この取込は反映できる状態ではありません（%(status)s）。") % {"status": meta.get("status")}
            )
        fingerprint = str(request.data.get("fingerprint", "") or "")
        meta = services.upload_apply_or_enqueue(
            token=token, user=request.user, fingerprint=fingerprint, request=request
        )
        body = state(token, meta)
        if meta["status"] == UploadStatus.APPLIED:
            return Response(body)
        if meta["status"] == UploadStatus.APPLYING:
            return Response(body, status=status.HTTP_202_ACCEPTED)
        if meta["status"] == UploadStatus.REFUSED:
            raise ImportRefused(meta["error"])
        if body["error_count"]:
            raise ApplicationError(meta.get("error") or None, code="import_row_errors")
        raise _Conflict(meta.get("error") or _("確認した後にデータが更新されました。"))


class _Conflict(ApplicationError):
    code = "conflict"
    status_code = 409


urlpatterns = [
    path("imports/<str:key>/", ImportAPIView.as_view(), name="imports"),
    path("imports/<str:token>/apply/", ImportApplyAPIView.as_view(), name="imports-apply"),
]
