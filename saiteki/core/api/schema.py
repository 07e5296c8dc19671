"""OpenAPI post-processing: every operation documents the API's one error body for the errors it can give.

Why a hook and not ``extend_schema`` per view: the error shape is the platform's, not each app's, and an
app's new endpoint (a custom action, an ``APIView``) must not ship an OpenAPI document that hides its
400/403/404 answers — clients generated from the schema, and schemathesis' ``status_code_conformance``,
would treat them as surprises. Responses a view documents itself are kept as they are.
"""

from __future__ import annotations

ERROR_REF = {"$ref": "#/components/schemas/Error"}

# Status → description; every operation can answer these (bad input or query string, no or a bad
# token, no right, no such object or page).
COMMON_ERRORS = {
    "400": "入力内容の誤り",
    "401": "未認証",
    "403": "権限なし",
    "404": "対象なし",
}
# Writes can also conflict with the data (a protected object, an illegal state transition).
WRITE_ERRORS = {"409": "現在のデータと矛盾するため実行できません"}
WRITE_METHODS = {"post", "put", "patch", "delete"}


def document_error_responses(result, generator, request, public):
    """drf-spectacular ``POSTPROCESSING_HOOKS`` entry: add the shared error responses where missing."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    if "Error" not in schemas:
        return result  # no operation uses the error body at all: nothing to refer to
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            errors = {**COMMON_ERRORS, **(WRITE_ERRORS if method in WRITE_METHODS else {})}
            responses = operation["responses"]
            for status, description in errors.items():
                responses.setdefault(
                    status,
                    {"content": {"application/json": {"schema": ERROR_REF}}, "description": description},
                )
    return result


_LINKS = {"get": "GetCreated", "patch": "UpdateCreated", "put": "ReplaceCreated", "delete": "DeleteCreated"}


def link_created_objects(result, generator, request, public):
    """drf-spectacular hook: OpenAPI links from each ``POST …/`` 201 to ``…/{id}/`` with the new id.

    Clients (and schemathesis' stateful tests) can follow create → read → update → delete without
    guessing how the routes relate.
    """
    paths = result.get("paths", {})
    for path, item in paths.items():
        created = item.get("post", {}).get("responses", {}).get("201")
        detail = paths.get(f"{path}{{id}}/")
        if created is None or detail is None:
            continue
        links = created.setdefault("links", {})
        for method, name in _LINKS.items():
            operation = detail.get(method)
            if operation and "operationId" in operation:
                links.setdefault(
                    name,
                    {"operationId": operation["operationId"], "parameters": {"id": "$response.body#/id"}},
                )
    return result
