"""Domain errors as HTTP answers: an illegal change is a 409 with the rule's own
words, a person who may not make it a 403, invalid input a 400 naming the
field. Anything the services raise maps to one of these, never to a 500."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from hiring.rules import DomainError, NotPermitted


def exception_handler(exc, context):
    """Every 4xx body carries a stable `code` beside the translated words, so an
    integrator can show its own text in any language (issue 10)."""
    response = _answer(exc, context)
    if response is not None and 400 <= response.status_code < 500 and isinstance(response.data, dict):
        response.data.setdefault("code", _code_of(exc))
    return response


def _code_of(exc) -> str:
    if isinstance(exc, DomainError):
        return exc.code or ("permission_denied" if isinstance(exc, NotPermitted) else "conflict")
    if isinstance(exc, DjangoValidationError | exceptions.ValidationError):
        return "invalid"
    if isinstance(exc, ObjectDoesNotExist | Http404):
        return "not_found"
    if isinstance(exc, DjangoPermissionDenied):
        return "permission_denied"
    if isinstance(exc, IntegrityError):
        return "concurrent_change"
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        return codes if isinstance(codes, str) else exc.default_code
    return "error"


def _answer(exc, context):
    if isinstance(exc, NotPermitted):
        return Response({"detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, DomainError):
        body = {"detail": exc.message}
        if exc.code:
            body = {"code": exc.code, **body, **exc.extra}
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            body = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
            if "__all__" in body:
                body["non_field_errors"] = body.pop("__all__")
        else:
            body = {"non_field_errors": [str(m) for m in exc.messages]}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ObjectDoesNotExist):
        return Response({"detail": _("Not found.")}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, IntegrityError):
        # A constraint caught a race the services' locks did not (two requests at
        # the same instant); the change was rolled back whole, so retrying is safe.
        return Response(
            {"detail": _("This change conflicts with another one made at the same time; try again.")},
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)
