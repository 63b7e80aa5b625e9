"""OpenAPI: every operation documents the errors it can really answer, so the
schema describes the API as it behaves (schemathesis checks the two agree)."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="A stable, machine-readable name for what went wrong (e.g. not_authenticated, "
        "permission_denied, not_found, throttled, or the rule that refused): show your own text for it."
    )
    detail = serializers.CharField(
        help_text="What went wrong, in words to show a person, in the caller's language "
        "(Accept-Language, or the token user's chosen language)."
    )


VALIDATION_ERROR = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="Invalid input: each key names a field (or non_field_errors) with its messages, "
    'translated; "code" is "invalid".',
)


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


UNAUTHENTICATED = _error("No valid credentials: an API token or a signed-in session.")
FORBIDDEN = _error("The caller may not do this (role, token scope, or a rule of who may act).")
NOT_FOUND = _error("No such object, or not one the caller may see.")
CONFLICT = _error("The change is not allowed in the object's current state; the message says which rule.")
THROTTLED = _error("Too many requests: wait for the number of seconds in Retry-After.")


class ApiAutoSchema(AutoSchema):
    def get_override_parameters(self):
        path_id = []
        if "{id}" in self.path:
            # The router's regex would make it a patterned string; it is a number.
            path_id = [
                OpenApiParameter("id", {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}, OpenApiParameter.PATH)
            ]
        return [
            *super().get_override_parameters(),
            *path_id,
            OpenApiParameter(
                "Retry-After",
                OpenApiTypes.INT,
                OpenApiParameter.HEADER,
                response=[429],
                description="Seconds to wait before trying again.",
            ),
        ]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors = {"401": UNAUTHENTICATED, "403": FORBIDDEN, "429": THROTTLED}
        writes = self.method not in {"GET", "HEAD", "OPTIONS"}
        if writes or self._is_list_view():
            # Lists answer 400 for a filter value that does not parse.
            errors["400"] = VALIDATION_ERROR
        if "{" in self.path or self._is_list_view():
            # A path naming a resource (an id, a pool's kind) answers 404 when it names none;
            # a list answers 404 for a cursor that does not decode.
            errors["404"] = NOT_FOUND
        if writes:
            errors["409"] = CONFLICT
        for code, response in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses
