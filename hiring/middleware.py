import contextlib
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _


class TimezoneMiddleware:
    """Show and accept times in the signed-in person's own zone (admin and pages)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = settings.HIRING_DEFAULT_TIME_ZONE
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # A user without a profile (e.g. an integration) sees the default zone.
            with contextlib.suppress(ObjectDoesNotExist):
                zone = user.interviewer.time_zone
        timezone.activate(ZoneInfo(zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class RefuseNulBytesMiddleware:
    """Answer 400 to a request with a NUL character in its path, query string or
    cookies (issue 8, fault 6).

    PostgreSQL cannot hold a NUL in text, and its driver raises on one in a query
    parameter, so a NUL in an admin search (?q=%00), a list filter, an API
    filter or even the session cookie (a quoted cookie may spell it "\\000")
    became a 500 wherever the value met a query. None of these pass through a
    form, so they are refused here, in one place. Posted forms are left to their
    fields (Django's CharField refuses a NUL with an error beside the field and
    keeps the rest of what was typed); JSON bodies are checked by the API's
    parser (hiring/api/parsers.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            message = _("The request contains a NUL (\\x00) character, which no field accepts.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        texts = [
            request.path,
            *(part for item in request.COOKIES.items() for part in item),
            *(key for key in request.GET),
            *(value for _key, values in request.GET.lists() for value in values),
        ]
        return any("\x00" in text for text in texts)
