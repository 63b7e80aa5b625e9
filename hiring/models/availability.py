"""When people can interview: weekly hours, time off, busy blocks, calendar feeds, pools, and
candidates' availability."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hiring.models.candidates import Candidate
from hiring.models.loops import Loop
from hiring.models.people import Interviewer
from hiring.models.plans import RoundKind

# --- Candidate availability (issue 9) --------------------------------------------


class AvailabilityRequestState(models.TextChoices):
    OPEN = "open", _("Open")
    USED = "used", _("Used")  # answered; the link still works to change the answer while open
    SUPERSEDED = "superseded", _("Superseded")
    CLOSED = "closed", _("Closed")


class AvailabilityRequest(models.Model):
    """One emailed link asking a candidate when they can meet.

    The link carries a signed token naming this row; the row is what can be
    revoked: a newer request supersedes it, closing the loop closes it. Only one
    request per loop is open at a time (a constraint)."""

    loop = models.ForeignKey(
        Loop, on_delete=models.CASCADE, related_name="availability_requests", verbose_name=_("loop")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    state = models.CharField(
        max_length=20,
        choices=AvailabilityRequestState.choices,
        default=AvailabilityRequestState.OPEN,
        verbose_name=_("state"),
    )
    # How many working days the page offers, from the day after the request.
    days = models.PositiveSmallIntegerField(default=10, verbose_name=_("days"))
    answered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("answered at"))

    class Meta:
        verbose_name = _("availability request")
        verbose_name_plural = _("availability requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=AvailabilityRequestState.values), name="availability_request_state_valid"
            ),
            models.UniqueConstraint(
                fields=["loop"],
                condition=Q(state__in=["open", "used"]),
                name="availability_request_one_live_per_loop",
            ),
        ]
        indexes = [models.Index(fields=["loop", "created_at"], name="avail_request_loop_idx")]

    def __str__(self) -> str:
        return gettext("Availability request %(number)s for loop %(loop)s") % {"number": self.pk, "loop": self.loop_id}


class CandidateAvailability(models.Model):
    """A window the candidate said they can do, in UTC (they chose it in their own zone)."""

    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="availability", verbose_name=_("candidate")
    )
    loop = models.ForeignKey(
        Loop,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="candidate_windows",
        verbose_name=_("loop"),
    )
    request = models.ForeignKey(
        AvailabilityRequest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="windows",
        verbose_name=_("availability request"),
    )
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("candidate availability")
        verbose_name_plural = _("candidate availability")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=models.F("ends_at")), name="candidate_window_positive"),
        ]
        indexes = [
            models.Index(fields=["loop", "starts_at"], name="candidate_window_loop_idx"),
            models.Index(fields=["candidate", "starts_at"], name="candidate_window_cand_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id}: {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M} UTC"


# --- availability as data (issue 9) ----------------------------------------------------
#
# An interviewer's weekly hours are WeeklyHours rows, in their own zone. Someone with no
# rows yet falls back to the summary fields on Interviewer (work_start, work_end on
# work_days), which stay for them and for the reminders' quiet hours; the data migration
# copied every existing interviewer's summary into rows. Read them through
# hiring/scheduling/availability.py, never field by field.

ISO_WEEKDAYS = [
    (1, _("Monday")),
    (2, _("Tuesday")),
    (3, _("Wednesday")),
    (4, _("Thursday")),
    (5, _("Friday")),
    (6, _("Saturday")),
    (7, _("Sunday")),
]


class WeeklyHours(models.Model):
    """One working interval of a weekday, in the interviewer's own zone.

    The interval starts on `weekday` (ISO, 1 Monday ... 7 Sunday) at `start`. An `end`
    at or before `start` ends on the next day: 22:00-06:00 is a night shift, and
    00:00-00:00 is the whole day. A day may hold several intervals (09:00-12:00 and
    13:00-17:00); a Sunday-Thursday week is rows on 7, 1, 2, 3, 4.
    """

    interviewer = models.ForeignKey(
        Interviewer, on_delete=models.CASCADE, related_name="weekly_hours", verbose_name=_("interviewer")
    )
    weekday = models.PositiveSmallIntegerField(choices=ISO_WEEKDAYS, verbose_name=_("weekday"))
    start = models.TimeField(verbose_name=_("start"))
    end = models.TimeField(help_text=_("At or before the start: ends the next day."), verbose_name=_("end"))

    class Meta:
        ordering = ["interviewer", "weekday", "start"]
        verbose_name = _("weekly hours")
        verbose_name_plural = _("weekly hours")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=1, weekday__lte=7), name="weekly_hours_weekday"),
            models.UniqueConstraint(fields=["interviewer", "weekday", "start"], name="weekly_hours_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


class TimeOff(models.Model):
    """A stretch the interviewer is away (holiday, leave): [starts_at, ends_at), UTC."""

    interviewer = models.ForeignKey(
        Interviewer, on_delete=models.CASCADE, related_name="time_off", verbose_name=_("interviewer")
    )
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    reason = models.CharField(max_length=200, blank=True, verbose_name=_("reason"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["interviewer", "starts_at"]
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="time_off_ends_after_start"),
        ]
        indexes = [models.Index(fields=["interviewer", "starts_at"], name="time_off_by_interviewer_idx")]

    def __str__(self) -> str:
        return gettext("Time off from %(start)s to %(end)s UTC") % {
            "start": f"{self.starts_at:%Y-%m-%d %H:%M}",
            "end": f"{self.ends_at:%Y-%m-%d %H:%M}",
        }


class BusySource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    FEED = "feed", _("Calendar feed")


class BusyBlock(models.Model):
    """A busy stretch from the interviewer's calendar: [starts_at, ends_at), UTC.

    Feed blocks are replaced as a whole on every successful import of the feed; manual
    ones stay until removed. The summary is the interviewer's own: never shown to others.
    """

    interviewer = models.ForeignKey(
        Interviewer, on_delete=models.CASCADE, related_name="busy_blocks", verbose_name=_("interviewer")
    )
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    source = models.CharField(
        max_length=10, choices=BusySource.choices, default=BusySource.MANUAL, verbose_name=_("source")
    )
    uid = models.CharField(max_length=255, blank=True, help_text=_("The feed event's UID."), verbose_name=_("UID"))
    summary = models.CharField(max_length=200, blank=True, verbose_name=_("summary"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("busy block")
        verbose_name_plural = _("busy blocks")
        ordering = ["interviewer", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="busy_block_ends_after_start"),
            models.CheckConstraint(condition=Q(source__in=BusySource.values), name="busy_block_source_valid"),
        ]
        indexes = [
            models.Index(fields=["interviewer", "starts_at"], name="busy_block_by_interviewer_idx"),
            models.Index(fields=["interviewer", "source"], name="busy_block_source_idx"),
        ]

    def __str__(self) -> str:
        return gettext("Busy from %(start)s to %(end)s UTC (%(source)s)") % {
            "start": f"{self.starts_at:%Y-%m-%d %H:%M}",
            "end": f"{self.ends_at:%Y-%m-%d %H:%M}",
            "source": self.get_source_display(),
        }


class FeedStatus(models.TextChoices):
    NEVER = "never", _("Not imported yet")
    OK = "ok", _("Imported")
    FAILED = "failed", _("Failed")


class CalendarFeed(models.Model):
    """An interviewer's secret iCalendar address (what Google Calendar and Outlook
    publish), imported into feed busy blocks by the beat task. The URL is a secret: it is
    shown to its owner and to recruiters only, never in anyone else's output."""

    interviewer = models.OneToOneField(
        Interviewer, on_delete=models.CASCADE, related_name="calendar_feed", verbose_name=_("interviewer")
    )
    url = models.URLField(max_length=2000, verbose_name=_("url"))
    last_import_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last import at"))
    last_status = models.CharField(
        max_length=10, choices=FeedStatus.choices, default=FeedStatus.NEVER, verbose_name=_("last status")
    )
    last_error = models.CharField(max_length=500, blank=True, verbose_name=_("last error"))
    last_event_count = models.PositiveIntegerField(default=0, verbose_name=_("last event count"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["interviewer"]
        constraints = [
            models.CheckConstraint(condition=Q(last_status__in=FeedStatus.values), name="calendar_feed_status_valid"),
        ]
        indexes = [models.Index(fields=["last_import_at", "id"], name="calendar_feed_import_idx")]

    def __str__(self) -> str:
        return gettext("Calendar feed of %(interviewer)s (%(status)s)") % {
            "interviewer": self.interviewer,
            "status": self.get_last_status_display(),
        }


class InterviewerPool(models.Model):
    """Who is qualified to take a round kind (reference data, kept in the admin).

    A kind without a pool is open to every active interviewer. The bar-raiser round has
    no pool of its own: its pool is the trained bar raisers (Interviewer.is_bar_raiser).
    """

    kind = models.CharField(max_length=20, choices=RoundKind.choices, unique=True, verbose_name=_("kind"))
    description = models.CharField(max_length=200, blank=True, verbose_name=_("description"))
    members = models.ManyToManyField(Interviewer, blank=True, related_name="pools", verbose_name=_("members"))

    class Meta:
        verbose_name = _("interviewer pool")
        verbose_name_plural = _("interviewer pools")
        ordering = ["kind"]
        constraints = [
            models.CheckConstraint(condition=~Q(kind="bar_raiser"), name="pool_not_bar_raiser"),
        ]

    def __str__(self) -> str:
        return gettext("Pool: %(kind)s") % {"kind": self.get_kind_display()}
