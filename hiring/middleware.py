import contextlib
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import timezone, translation
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


def user_language(user) -> str:
    """The UI language a signed-in person chose, or "" to follow the browser."""
    if user is None or not user.is_authenticated:
        return ""
    try:
        return user.interviewer.ui_language
    except ObjectDoesNotExist:
        return ""


def activate_user_language(request, user) -> None:
    """Switch this request to the person's own UI language when they chose one (the
    API calls it once a token has named the user, which happens after middleware)."""
    language = user_language(user)
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class UserLanguageMiddleware:
    """After LocaleMiddleware (Accept-Language) and authentication: a signed-in
    person's chosen UI language wins for pages, the admin and API messages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        activate_user_language(request, getattr(request, "user", None))
        return self.get_response(request)


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
                return JsonResponse({"code": "nul_character", "detail": message}, status=400)
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
