"""The recruiters' board and "needs my action" (issue 12), with their CSV / Excel exports.

The board shows a position's loops (or every position's, narrowed by recruiter or
hiring manager) as columns, one per loop state: the four open states side by side,
the closed ones (hired, rejected, withdrawn) folded under their counts. Each
column shows its newest cards (BOARD_COLUMN_LIMIT) and links to the loop list for
the rest. Whatever the number of loops, a board costs the same queries:

1. the counts per state (one grouped COUNT, read from loop_board_idx),
2. one query per column for its newest cards (7, each an index walk with LIMIT),
3. the rounds of every card shown, with their interviewers (one prefetch).

"Needs my action" lists what waits on the signed-in person: draft loops of the
positions they recruit for (to schedule), loops awaiting their decision as hiring
manager, and loops of their positions whose feedback is overdue; each list is
bounded and reads one query.

The views hang off the position admin (BoardMixin), so their URLs sit beside the
positions' and take the admin's own permission checks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hiring import exports, selectors
from hiring.admin.workflow import prime_permissions, round_badge
from hiring.models import OPEN_LOOP_STATUSES, Loop, LoopStatus, Position, RoundStatus
from hiring.times import format_local

# Cards a column shows; the rest are a link away (the loop list, filtered).
BOARD_COLUMN_LIMIT = 50
# ... and a folded (closed) column: its count is what matters, a few names recall the rest.
CLOSED_COLUMN_LIMIT = 10
# Rows of each "needs my action" list.
MY_ACTION_LIMIT = 20
# ... and on the admin index.
INDEX_ACTION_LIMIT = 5

CLOSED_LOOP_STATUSES = [LoopStatus.HIRED, LoopStatus.REJECTED, LoopStatus.WITHDRAWN]
ALL_STATUSES = [*OPEN_LOOP_STATUSES, *CLOSED_LOOP_STATUSES]
# A column counts its loops up to this many; past it, "10,000+".
COUNT_CAP = 10_000

FLAG_OVERDUE = "overdue"
FLAG_VETOED = "vetoed"
FLAG_STALLED = "stalled"


def stalled_days() -> int:
    return int(getattr(settings, "HIRING_STALLED_DAYS", 5))


def flag_choices() -> list[tuple[str, str]]:
    return [
        (FLAG_OVERDUE, gettext("Feedback overdue")),
        (FLAG_VETOED, gettext("Vetoed")),
        (FLAG_STALLED, gettext("Stalled %(days)s days or more") % {"days": stalled_days()}),
    ]


def message_url(loop_ids: list[int]) -> str | None:
    """The bulk message page (helper "messaging") for these loops, if that page exists."""
    if not loop_ids:
        return None
    try:
        base = reverse("admin:hiring_message_loops")
    except NoReverseMatch:
        return None
    return f"{base}?{urlencode([('loop', pk) for pk in loop_ids])}"


# --- filters -------------------------------------------------------------------------


@dataclass
class BoardFilters:
    """The board's filters, read from the query string; a bad value is ignored, never a 500."""

    position: Position | None = None
    recruiter_id: int | None = None
    manager_id: int | None = None
    flag: str = ""
    now: dt.datetime = field(default_factory=timezone.now)

    @classmethod
    def from_request(cls, request: HttpRequest) -> BoardFilters:
        def number(name: str) -> int | None:
            value = request.GET.get(name, "")
            return int(value) if value.isdigit() and len(value) < 12 else None

        position_id = number("position")
        position = (
            Position.objects.select_related("department", "recruiter", "hiring_manager").filter(pk=position_id).first()
            if position_id
            else None
        )
        flag = request.GET.get("flag", "")
        return cls(
            position=position,
            recruiter_id=number("recruiter"),
            manager_id=number("manager"),
            flag=flag if flag in {FLAG_OVERDUE, FLAG_VETOED, FLAG_STALLED} else "",
        )

    def apply(self, queryset: QuerySet[Loop]) -> QuerySet[Loop]:
        if self.position is not None:
            queryset = queryset.filter(position=self.position)
        if self.recruiter_id:
            queryset = queryset.filter(position__recruiter_id=self.recruiter_id)
        if self.manager_id:
            queryset = queryset.filter(position__hiring_manager_id=self.manager_id)
        if self.flag == FLAG_OVERDUE:
            queryset = queryset.filter(feedback_due_at__lt=self.now)
        elif self.flag == FLAG_VETOED:
            queryset = queryset.filter(veto_scorecard__isnull=False)
        elif self.flag == FLAG_STALLED:
            queryset = queryset.filter(
                status__in=OPEN_LOOP_STATUSES, updated_at__lt=self.now - dt.timedelta(days=stalled_days())
            )
        return queryset

    def query(self) -> list[tuple[str, object]]:
        pairs: list[tuple[str, object]] = []
        if self.position is not None:
            pairs.append(("position", self.position.pk))
        if self.recruiter_id:
            pairs.append(("recruiter", self.recruiter_id))
        if self.manager_id:
            pairs.append(("manager", self.manager_id))
        if self.flag:
            pairs.append(("flag", self.flag))
        return pairs

    def possible_statuses(self) -> list[str]:
        """The states a loop with this flag can be in. The other columns are empty without
        asking (asking would walk all their loops to find none): a veto only ever ends in
        "rejected" (loop_veto_means_rejected), and feedback falls due and loops stall only
        while open (services clear feedback_due_at when a loop closes)."""
        if self.flag == FLAG_VETOED:
            return [LoopStatus.REJECTED]
        if self.flag in (FLAG_OVERDUE, FLAG_STALLED):
            return list(OPEN_LOOP_STATUSES)
        return list(ALL_STATUSES)

    @property
    def narrowed(self) -> bool:
        return bool(self.position or self.recruiter_id or self.manager_id)


# --- reading the board ------------------------------------------------------------------


def board_loops(filters: BoardFilters) -> QuerySet[Loop]:
    return filters.apply(Loop.objects.all())


def card_queryset(filters: BoardFilters, status: str) -> QuerySet[Loop]:
    """A column's loops, newest first: (position, status, created_at, id) or, across
    positions, (status, created_at, id) read backwards, stopping at the limit."""
    return (
        board_loops(filters)
        .filter(status=status)
        .select_related("candidate", "position", "veto_scorecard")
        .order_by("-created_at", "-id")
    )


def column_counts(filters: BoardFilters, cap: int | None = None) -> dict[str, int]:
    """Each column's count, up to cap + 1, in one statement of seven capped subqueries.

    Each subquery reads at most cap + 1 entries of loop_board_idx (or, across positions,
    loop_status_created_idx), so the counts cost the same on a thousand loops or a million;
    past the cap the board says "10,000+", which is all a person needs.
    """
    cap = COUNT_CAP if cap is None else cap
    base = board_loops(filters).order_by()
    parts, params = [], []
    statuses = filters.possible_statuses()
    for status in statuses:
        inner = base.filter(status=status).values("pk")[: cap + 1]
        sql, inner_params = inner.query.get_compiler(using=base.db).as_sql()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped_{len(parts)})")  # noqa: S608 -- see below
        params.extend(inner_params)
    with connections[base.db].cursor() as cursor:
        # Safe: every part is Django's own compiled query and every value stays in params.
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {status: 0 for status in ALL_STATUSES} | dict(zip(statuses, row, strict=True))


@dataclass
class Card:
    loop: Loop
    badges: list[str]
    next_interview: str
    flags: list[tuple[str, str]]


def _card(loop: Loop, *, now: dt.datetime, zone: str, stalled_before: dt.datetime) -> Card:
    rounds = list(loop.rounds.all())
    upcoming = [r.starts_at for r in rounds if r.status == RoundStatus.SCHEDULED and r.starts_at and r.starts_at >= now]
    flags = []
    if loop.feedback_due_at is not None and loop.feedback_due_at < now:
        flags.append(("overdue", gettext("Feedback overdue")))
    if loop.veto_scorecard_id is not None:
        flags.append(("vetoed", gettext("Vetoed")))
    if loop.is_open and loop.updated_at < stalled_before:
        days = (now - loop.updated_at).days
        flags.append(("stalled", gettext("Stalled %(days)s days") % {"days": days}))
    return Card(
        loop=loop,
        badges=[round_badge(r, loop) for r in rounds],
        next_interview=format_local(min(upcoming), zone) if upcoming else "",
        flags=flags,
    )


@dataclass
class Column:
    status: str
    label: str
    count: int
    cards: list[Card]
    closed: bool
    more_url: str
    message_url: str | None

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP

    @property
    def shown_count(self) -> str:
        return f"{COUNT_CAP:,}+" if self.capped else f"{self.count:,}"

    @property
    def more(self) -> int:
        return max(min(self.count, COUNT_CAP) - len(self.cards), 0)


def read_board(filters: BoardFilters, *, zone: str, limit: int = BOARD_COLUMN_LIMIT) -> list[Column]:
    """Every column with its count and newest cards, in 2 + 7 queries (see the module's docstring)."""
    counts = column_counts(filters)
    labels = dict(LoopStatus.choices)
    now = filters.now
    stalled_before = now - dt.timedelta(days=stalled_days())
    closed_limit = min(limit, CLOSED_COLUMN_LIMIT)
    possible = filters.possible_statuses()
    per_status = {
        status: list(card_queryset(filters, status)[: closed_limit if status in CLOSED_LOOP_STATUSES else limit])
        if status in possible
        else []
        for status in ALL_STATUSES
    }
    every_loop = [loop for loops in per_status.values() for loop in loops]
    prefetch_related_objects(every_loop, selectors.pipeline_rounds_prefetch())
    changelist = reverse("admin:hiring_loop_changelist")
    columns = []
    for status, loops in per_status.items():
        more_query = [("status__exact", status)]
        if filters.position is not None:
            more_query.append(("position__id__exact", filters.position.pk))
        columns.append(
            Column(
                status=status,
                label=str(labels[status]),
                count=counts.get(status, 0),
                cards=[_card(loop, now=now, zone=zone, stalled_before=stalled_before) for loop in loops],
                closed=status in CLOSED_LOOP_STATUSES,
                more_url=f"{changelist}?{urlencode(more_query)}",
                message_url=None if status in CLOSED_LOOP_STATUSES else message_url([loop.pk for loop in loops]),
            )
        )
    return columns


def people_choices() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Recruiters and hiring managers named on any position, for the filters (one query)."""
    rows = Position.objects.order_by().values_list(
        "recruiter_id",
        "recruiter__first_name",
        "recruiter__last_name",
        "recruiter__username",
        "hiring_manager_id",
        "hiring_manager__first_name",
        "hiring_manager__last_name",
        "hiring_manager__username",
    )
    recruiters: dict[int, str] = {}
    managers: dict[int, str] = {}
    for r_id, r_first, r_last, r_user, m_id, m_first, m_last, m_user in rows:
        recruiters[r_id] = f"{r_first} {r_last}".strip() or r_user
        managers[m_id] = f"{m_first} {m_last}".strip() or m_user
    return sorted(recruiters.items(), key=lambda p: p[1]), sorted(managers.items(), key=lambda p: p[1])


def position_choices() -> list[tuple[int, str]]:
    rows = Position.objects.order_by("-is_open", "title").values_list("pk", "title", "department__name", "is_open")
    closed = gettext("closed")
    return [
        (pk, f"{title} ({department})" if is_open else f"{title} ({department}, {closed})")
        for pk, title, department, is_open in rows
    ]


# --- export ------------------------------------------------------------------------------


def board_export_headers() -> list[str]:
    return [
        gettext("Loop"),
        gettext("Candidate"),
        gettext("Email"),
        gettext("Position"),
        gettext("State"),
        gettext("Vetoed"),
        gettext("Feedback due"),
        gettext("Started"),
        gettext("Last change"),
    ]


def board_export_rows(filters: BoardFilters):
    """Every loop the board's filters match (not only the cards shown), streamed in chunks."""
    labels = dict(LoopStatus.choices)
    rows = (
        board_loops(filters)
        .order_by("-created_at", "-id")
        .values_list(
            "pk",
            "candidate__full_name",
            "candidate__email",
            "position__title",
            "status",
            "veto_scorecard_id",
            "feedback_due_at",
            "created_at",
            "updated_at",
        )
    )
    for pk, name, email, title, status, veto, due, created, updated in rows.iterator(chunk_size=exports.CHUNK_SIZE):
        yield [pk, name, email, title, str(labels.get(status, status)), veto is not None, due, created, updated]


# --- needs my action -----------------------------------------------------------------------


@dataclass
class ActionList:
    key: str
    title: str
    empty: str
    loops: list[Loop]
    more: bool
    more_url: str


def my_action(user, *, now: dt.datetime | None = None, limit: int = MY_ACTION_LIMIT) -> list[ActionList]:
    """What waits on this person: three bounded lists, a query each, after the ids of their
    positions (at most two queries, kept on the user object).

    Loops to schedule: drafts of the positions they recruit for, oldest first.
    Decisions waiting: loops awaiting their decision as hiring manager (or as the
    position's recruiter), longest waiting first (selectors.loops_awaiting_decision_for).
    Feedback overdue: open loops of their positions, most overdue first (loop_feedback_due_idx).
    """
    now = now or timezone.now()
    changelist = reverse("admin:hiring_loop_changelist")
    # By the ids of their positions, not a join (see selectors.loops_awaiting_decision_for).
    recruits = selectors.recruits_for(user)
    mine = sorted(set(recruits) | set(selectors.viewer_scope(user)[1]))
    to_schedule = (
        Loop.objects.filter(position_id__in=recruits, status=LoopStatus.DRAFT)
        .select_related("candidate", "position")
        .order_by("created_at", "pk")
    )
    deciding = selectors.loops_awaiting_decision_for(user)
    overdue = (
        selectors.loops_with_overdue_feedback(now)
        .filter(position_id__in=mine)
        .select_related("candidate", "position")
        .order_by("feedback_due_at", "pk")
    )

    def bounded(queryset):
        rows = list(queryset[: limit + 1])
        return rows[:limit], len(rows) > limit

    lists = []
    for key, title, empty, queryset, query in (
        (
            "schedule",
            gettext("Loops to schedule"),
            gettext("No loop waits for a panel."),
            to_schedule,
            [("status__exact", LoopStatus.DRAFT)],
        ),
        (
            "decide",
            gettext("Decisions waiting"),
            gettext("No loop waits for your decision."),
            deciding,
            [("status__exact", LoopStatus.AWAITING_DECISION)],
        ),
        (
            "overdue",
            gettext("Feedback overdue"),
            gettext("No feedback is overdue on your loops."),
            overdue,
            [],
        ),
    ):
        loops, more = bounded(queryset)
        lists.append(
            ActionList(
                key=key,
                title=title,
                empty=empty,
                loops=loops,
                more=more,
                more_url=f"{changelist}?{urlencode(query)}"
                if query
                else f"{reverse('admin:hiring_position_board')}?flag=overdue",
            )
        )
    return lists


# --- the admin views ------------------------------------------------------------------------


class BoardMixin:
    """The board, its export and "needs my action", as views of the position admin."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("board/", wrap(self.board_view), name="hiring_position_board"),
            path("board/export/", wrap(self.board_export_view), name="hiring_position_board_export"),
            path("my-action/", wrap(self.my_action_view), name="hiring_my_action"),
            *super().get_urls(),
        ]

    @staticmethod
    def may_view_board(request: HttpRequest) -> bool:
        prime_permissions(request.user)
        return request.user.has_perm("hiring.view_loop")

    @staticmethod
    def may_export_board(request: HttpRequest) -> bool:
        # A list of candidates' names and emails is personal data: the same right as a candidate's export.
        return request.user.has_perm("hiring.view_loop") and request.user.has_perm("hiring.export_candidate")

    def board_view(self, request: HttpRequest) -> HttpResponse:
        if not self.may_view_board(request):
            raise PermissionDenied
        filters = BoardFilters.from_request(request)
        zone = timezone.get_current_timezone_name()
        recruiters, managers = people_choices()
        query = filters.query()
        export_url = reverse("admin:hiring_position_board_export")
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Board: %(position)s") % {"position": filters.position.title}
            if filters.position
            else gettext("Board: all positions"),
            "opts": self.model._meta,
            "filters": filters,
            "columns": read_board(filters, zone=zone),
            "positions": position_choices(),
            "recruiters": recruiters,
            "managers": managers,
            "flags": flag_choices(),
            "zone": zone,
            "stalled_days": stalled_days(),
            "limit": BOARD_COLUMN_LIMIT,
            "csv_url": f"{export_url}?{urlencode([*query, ('format', 'csv')])}",
            "xlsx_url": f"{export_url}?{urlencode([*query, ('format', 'xlsx')])}",
            "may_export": self.may_export_board(request),
        }
        return TemplateResponse(request, "admin/hiring/board.html", context)

    def board_export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.may_export_board(request):
            raise PermissionDenied
        fmt = request.GET.get("format", exports.CSV)
        if fmt not in exports.FORMATS:
            return HttpResponse(gettext("Unknown format: choose csv or xlsx."), status=400, content_type="text/plain")
        filters = BoardFilters.from_request(request)
        name = f"board-{filters.position.pk}" if filters.position else "board"
        return exports.export_response(
            fmt=fmt,
            filename=name,
            headers=board_export_headers(),
            rows=board_export_rows(filters),
            title=gettext("Board"),
        )

    def my_action_view(self, request: HttpRequest) -> HttpResponse:
        if not self.may_view_board(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Needs my action"),
            "opts": self.model._meta,
            "lists": my_action(request.user),
            "zone": timezone.get_current_timezone_name(),
        }
        return TemplateResponse(request, "admin/hiring/my_action.html", context)

    @staticmethod
    def board_link(position: Position) -> str:
        url = reverse("admin:hiring_position_board")
        return format_html('<a href="{}?position={}">{}</a>', url, position.pk, gettext("Board"))


board_link_description = _("Board")


# --- the candidate list's export -------------------------------------------------------------

EXPORT_PARAM = "_export"


def candidate_export_headers() -> list[str]:
    return [
        gettext("Candidate id"),
        gettext("Name"),
        gettext("Email"),
        gettext("Time zone"),
        gettext("Language"),
        gettext("Source"),
        gettext("Added"),
        gettext("Loops"),
    ]


def candidate_export_rows(queryset: QuerySet):
    """The changelist's own queryset (its filters, search and order), a chunk at a time, each
    chunk with its loops in one more query."""
    labels = dict(LoopStatus.choices)
    loops = Prefetch("loops", queryset=Loop.objects.select_related("position").order_by("-created_at", "-id"))
    rows = queryset.prefetch_related(None).prefetch_related(loops)
    for candidate in rows.iterator(chunk_size=exports.CHUNK_SIZE):
        summary = "; ".join(
            f"{loop.position.title}: {gettext('vetoed') if loop.is_vetoed else labels.get(loop.status, loop.status)}"
            for loop in candidate.loops.all()
        )
        yield [
            candidate.pk,
            candidate.full_name,
            candidate.email,
            candidate.time_zone,
            candidate.preferred_language,
            candidate.source,
            candidate.created_at,
            summary,
        ]


class CandidateListExportMixin:
    """ "Export CSV" / "Export Excel" on the candidate list: what the list shows now (filters,
    search, order), every page of it, for people with the right to export candidates."""

    def get_urls(self):
        return [
            path("export/", self.admin_site.admin_view(self.export_list_view), name="hiring_candidate_export_list"),
            *super().get_urls(),
        ]

    def may_export_list(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request) and request.user.has_perm("hiring.export_candidate")

    def changelist_view(self, request, extra_context=None):
        prime_permissions(request.user)  # the permissions in one query, before has_perm reads them
        query = request.GET.copy()
        query.pop(EXPORT_PARAM, None)
        extra = {"may_export_list": self.may_export_list(request), "export_query": query.urlencode()}
        return super().changelist_view(request, extra_context={**extra, **(extra_context or {})})

    def export_list_view(self, request: HttpRequest) -> HttpResponse:
        if not self.may_export_list(request):
            raise PermissionDenied
        fmt = request.GET.get(EXPORT_PARAM, exports.CSV)
        if fmt not in exports.FORMATS:
            return HttpResponse(gettext("Unknown format: choose csv or xlsx."), status=400, content_type="text/plain")
        # The changelist reads every other parameter as a filter: it must not see ours.
        request.GET = request.GET.copy()
        request.GET.pop(EXPORT_PARAM, None)
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponse(gettext("These filters are not valid."), status=400, content_type="text/plain")
        return exports.export_response(
            fmt=fmt,
            filename="candidates",
            headers=candidate_export_headers(),
            rows=candidate_export_rows(changelist.get_queryset(request)),
            title=gettext("Candidates"),
        )
