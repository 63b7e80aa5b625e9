import contextlib
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone


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
