"""The interviewer pages: my interviews, the candidate packet, the scorecard,
a scorecard revision, the debrief and its decision.

Views stay thin: reads come from hiring/selectors.py, every change goes through
hiring/services.py. Anything a person may not see answers 404, the same as
something that does not exist, so ids cannot be probed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hiring import selectors, services
from hiring.forms import NOTES_MAX, DecisionForm, LanguageForm, ScorecardForm, apply_service_error
from hiring.models import RATING_SCALE, Candidate, Loop, Outcome, Round, RoundStatus, Scorecard, resume_storage
from hiring.rules import DomainError
from hiring.services.identity import set_ui_language

RECENT_SUBMISSIONS = dt.timedelta(days=14)
# Rounds that take feedback (services.scorecards._check_feedback_open), once the interview has begun.
FEEDBACK_STATES = {RoundStatus.SCHEDULED, RoundStatus.HELD, RoundStatus.SUBMITTED}


def _status_for(form) -> int:
    # A form the service refused for the state of things (already submitted, loop closed) is
    # a conflict; one with bad input is a bad request. Both show the form again.
    return 409 if getattr(form, "conflict", False) else 400


# --- my interviews ----------------------------------------------------------------


# Each list on the page shows this many, with a link to the next ones: an interviewer with
# thousands of open rounds gets the same small page as one with three.
HOME_PAGE_SIZE = 20
# Page numbers come from the address; past this one an OFFSET is no page anyone reads.
HOME_MAX_PAGE = 10_000


@dataclass(frozen=True)
class ListPage:
    """One page of a list on My interviews, read as its rows plus one (does a next page exist?)."""

    rows: list
    number: int
    has_next: bool
    previous_url: str
    next_url: str

    @property
    def shown_to(self) -> int:
        """How many there are at least: all the earlier pages' and this one's."""
        return (self.number - 1) * HOME_PAGE_SIZE + len(self.rows)


class BadPage(ValueError):
    pass


def _list_page(request: HttpRequest, queryset, param: str) -> ListPage:
    raw = request.GET.get(param, "1")
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= HOME_MAX_PAGE):
        message = _("“%(param)s” must be a page number from 1 to %(max)s.")
        raise BadPage(message % {"param": param, "max": HOME_MAX_PAGE})
    number = int(raw)
    offset = (number - 1) * HOME_PAGE_SIZE
    rows = list(queryset[offset : offset + HOME_PAGE_SIZE + 1])

    def url(page: int) -> str:
        query = request.GET.copy()
        query[param] = str(page)
        return f"?{query.urlencode()}#{param}-heading"

    return ListPage(
        rows=rows[:HOME_PAGE_SIZE],
        number=number,
        has_next=len(rows) > HOME_PAGE_SIZE,
        previous_url=url(number - 1) if number > 1 else "",
        next_url=url(number + 1),
    )


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    user = request.user
    try:
        owed = _list_page(request, selectors.my_owed_rounds(user, now=now), "owed")
        upcoming = _list_page(request, selectors.my_upcoming_rounds(user, now=now), "upcoming")
        to_decide = _list_page(request, selectors.loops_awaiting_decision_for(user), "decide")
    except BadPage as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    # Overdue rounds come first; when a full page is all overdue, more may follow.
    overdue = sum(1 for r in owed.rows if r.feedback_due_at and r.feedback_due_at < now)
    context = {
        "now": now,
        "upcoming": upcoming,
        "owed": owed,
        "overdue_count": overdue,
        "overdue_more": owed.has_next and overdue == len(owed.rows),
        "to_decide": to_decide,
        "recent": selectors.my_recent_scorecards(user, since=now - RECENT_SUBMISSIONS),
        "is_recruiter": selectors.is_recruiter(user),
    }
    context["language_form"] = LanguageForm(initial={"language": _ui_language(user)})
    return render(request, "hiring/home.html", context)


def _ui_language(user) -> str:
    profile = getattr(user, "interviewer", None)
    return profile.ui_language if profile is not None else ""


@login_required
@require_POST
def my_language(request: HttpRequest) -> HttpResponse:
    """One's own UI language, chosen on one's own page (issue 10)."""
    form = LanguageForm(request.POST)
    if form.is_valid():
        try:
            set_ui_language(user=request.user, language=form.cleaned_data["language"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            # The answer is already in the new language: activate it for this response.
            language = form.cleaned_data["language"] or translation.get_language_from_request(request)
            translation.activate(language)
            messages.success(request, _("Your language is saved."))
    else:
        messages.error(request, _("Choose a language from the list."))
    return redirect("home")


# --- the candidate packet ---------------------------------------------------------------


def _round_or_404(request: HttpRequest, round_id: int) -> Round:
    round_ = selectors.round_for_packet(round_id)
    if round_ is None or not selectors.may_view_round(request.user, round_):
        raise Http404(_("No such round."))
    return round_


def _feedback_state(round_: Round, now: dt.datetime) -> str:
    """Why the scorecard can or cannot be written now, as a word the templates test."""
    if not round_.loop.is_open:
        return "closed"
    if round_.status not in FEEDBACK_STATES:
        return "no_feedback"
    if round_.starts_at is None or round_.starts_at > now:
        return "not_started"
    return "open"


@login_required
@require_safe
def round_packet(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = _round_or_404(request, round_id)
    loop = round_.loop
    mine = selectors.sits_on_round(request.user, round_)
    revisions = selectors.round_scorecards(round_, with_ratings=False) if mine else []
    # Rule 5: the selector returns nothing of the others' until this person has submitted.
    panel = list(selectors.visible_scorecards(request.user, loop))
    competencies = list(round_.competencies.all())
    context = {
        "round": round_,
        "loop": loop,
        "candidate": loop.candidate,
        "position": loop.position,
        "rounds": list(loop.rounds.all()),
        "competencies": competencies,
        "kit": _kit(round_, competencies),
        "scale": RATING_SCALE,
        "mine": mine,
        "draft": next((s for s in revisions if s.is_draft), None),
        "current": next((s for s in revisions if s.is_current), None),
        "panel": panel,
        "sees_all": selectors.can_see_all_scorecards(request.user, loop),
        "sees_private": selectors.is_recruiter(request.user),
        "feedback": _feedback_state(round_, timezone.now()),
        "now": timezone.now(),
    }
    return render(request, "hiring/packet.html", context)


def _kit(round_: Round, competencies: list) -> dict:
    """The round's interview kit: its template's instructions and the question bank's
    active questions for each competency it assesses."""
    template = round_.template
    return {
        "instructions": template.instructions if template is not None else "",
        "questions": selectors.kit_questions(competencies),
    }


# --- candidate materials ----------------------------------------------------------------


@login_required
@require_safe
def resume_download(request: HttpRequest, candidate_id: int) -> HttpResponse:
    """A candidate's résumé, to the people who may see the candidate (selectors.may_view_candidate);
    everyone else, and a candidate without one, gets 404. Always an attachment, never rendered
    by the browser as a page of this site."""
    candidate = Candidate.objects.filter(pk=candidate_id).first()
    if candidate is None or not candidate.resume or not selectors.may_view_candidate(request.user, candidate):
        raise Http404("No such résumé.")
    response = resume_file_response(candidate)
    if response is None:
        raise Http404("No such résumé.")
    return response


def resume_file_response(candidate: Candidate) -> FileResponse | None:
    """The stored résumé as a download (also served by the API, GET candidates/{id}/resume/),
    or None when there is no file. The caller has checked who may read it."""
    if not candidate.resume:
        return None
    try:
        # Through the named storage as configured now (the field's own storage is bound at start-up).
        handle = resume_storage().open(candidate.resume.name, "rb")
    except OSError:
        return None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=candidate.resume_name or "resume",
        content_type=candidate.resume_content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- the scorecard ---------------------------------------------------------------------


# A scorecard posted after the session ended is kept in the (new, anonymous) session until
# its author signs in again: login() keeps an anonymous session's data when it rotates the key.
PENDING_SCORECARD = "hiring.pending_scorecard"
PENDING_FIELDS = {"recommendation", "notes", "key_takeaways", "private_note", "veto", "veto_reason"}
PENDING_MAX_RATINGS = 50


def _keep_for_after_sign_in(request: HttpRequest, round_id: int) -> None:
    kept: dict[str, str] = {}
    ratings = [name for name in request.POST if name.startswith("rating_")][:PENDING_MAX_RATINGS]
    for name in [*PENDING_FIELDS, *ratings]:
        if name in request.POST:
            kept[name] = request.POST.get(name, "")[:NOTES_MAX]
    request.session[PENDING_SCORECARD] = {"round": round_id, "data": kept}
    messages.warning(
        request, _("Your session had ended, so your scorecard is not saved yet. Sign in again to get it back.")
    )


def _take_pending(request: HttpRequest, round_: Round) -> dict[str, str] | None:
    pending = request.session.get(PENDING_SCORECARD)
    if not isinstance(pending, dict) or pending.get("round") != round_.pk:
        return None
    del request.session[PENDING_SCORECARD]
    return pending.get("data") or None


@require_http_methods(["GET", "POST"])
def scorecard_form(request: HttpRequest, round_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        # Signed out while writing (the session expired or was ended elsewhere): keep what was
        # typed, so the page after signing in shows it again instead of an empty form.
        if request.method == "POST":
            _keep_for_after_sign_in(request, round_id)
        return redirect_to_login(reverse("scorecard", kwargs={"round_id": round_id}))
    round_ = _round_or_404(request, round_id)
    if not selectors.sits_on_round(request.user, round_):
        # The hiring manager and recruiters may read the packet; only the interviewer writes.
        raise Http404(_("No such scorecard."))
    revisions = selectors.round_scorecards(round_)
    draft = next((s for s in revisions if s.is_draft), None)
    current = next((s for s in revisions if s.is_current), None)
    mode = "amend" if current is not None else "submit"
    competencies = list(round_.competencies.all())
    feedback = _feedback_state(round_, timezone.now())
    status = 200

    if request.method == "POST":
        action = request.POST.get("action")
        form = ScorecardForm(request.POST, competencies=competencies, final=action == "submit")
        if action not in {"draft", "submit"}:
            form.add_error(None, _("Choose Save draft or Submit."))
        if form.is_valid():
            try:
                scorecard = _save_scorecard(request, round_, form, action)
            except (ValidationError, DomainError) as error:
                apply_service_error(form, error)
                form.conflict = isinstance(error, DomainError)
            else:
                return _after_save(request, round_, scorecard, action, form.cleaned_data["mode"])
        status = _status_for(form)
    else:
        initial = ScorecardForm.initial_from(draft or current, mode=mode)
        pending = _take_pending(request, round_)
        if pending:
            initial.update(pending)
            messages.info(
                request,
                _(
                    "You were signed out before your scorecard was saved. Here is what you wrote: "
                    "check it, then save a draft or submit."
                ),
            )
        form = ScorecardForm(initial=initial, competencies=competencies)

    context = {
        "round": round_,
        "loop": round_.loop,
        "candidate": round_.loop.candidate,
        "kit": _kit(round_, competencies),
        "form": form,
        "mode": mode,
        "draft": draft,
        "current": current,
        "feedback": feedback,
        "scale": RATING_SCALE,
    }
    return render(request, "hiring/scorecard_form.html", context, status=status)


@require_POST
def scorecard_autosave(request: HttpRequest, round_id: int) -> JsonResponse:
    """The scorecard page saves a draft here as the person types (scorecard.js).

    JSON, never a redirect: a signed-out caller gets 401 and the page keeps its text
    (and its copy in the browser) until the person signs in again. Each save also renews
    the session, so someone writing for a long time is not signed out under their hands.
    """
    if not request.user.is_authenticated:
        return JsonResponse(
            {"error": "signed_out", "message": _("You are signed out. Your text is kept in this browser.")},
            status=401,
        )
    round_ = _round_or_404(request, round_id)
    if not selectors.sits_on_round(request.user, round_):
        raise Http404(_("No such scorecard."))
    form = ScorecardForm(request.POST, competencies=list(round_.competencies.all()), final=False)
    if not form.is_valid():
        return JsonResponse({"error": "invalid", "errors": form.errors.get_json_data()}, status=400)
    try:
        scorecard = _save_scorecard(request, round_, form, "draft")
    except (ValidationError, DomainError) as error:
        conflict = isinstance(error, DomainError)
        message = error.message if conflict else " ".join(error.messages)
        return JsonResponse({"error": "refused", "message": message}, status=409 if conflict else 400)
    request.session.modified = True
    saved_at = timezone.localtime(timezone.now())
    return JsonResponse(
        {
            "saved": True,
            "revision": scorecard.revision,
            "message": _("Draft saved at %(time)s.") % {"time": formats.time_format(saved_at, "H:i")},
        }
    )


@require_POST
def keepalive(request: HttpRequest) -> HttpResponse:
    """An open scorecard page in use pings this, so its session does not end mid-sentence."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "signed_out"}, status=401)
    request.session.modified = True  # saved again, so its expiry moves forward
    return HttpResponse(status=204)


def _save_scorecard(request: HttpRequest, round_: Round, form: ScorecardForm, action: str) -> Scorecard:
    data = form.cleaned_data
    fields = {
        "round": round_,
        "by": request.user,
        "ratings": form.ratings(),
        "recommendation": data.get("recommendation") or "",
        "notes": data.get("notes") or "",
        "key_takeaways": data.get("key_takeaways") or "",
        "private_note": data.get("private_note") or "",
        "veto": bool(data.get("veto")),
        "veto_reason": data.get("veto_reason") or "",
    }
    if action == "draft":
        return services.save_scorecard_draft(**fields)
    if data["mode"] == "amend":
        return services.amend_scorecard(**fields)
    return services.submit_scorecard(**fields)


def _after_save(request: HttpRequest, round_: Round, scorecard: Scorecard, action: str, mode: str) -> HttpResponse:
    if action == "draft":
        messages.success(request, _("Draft saved. Nobody else can see it; submit it when you are ready."))
        return redirect("scorecard", round_id=round_.pk)
    if scorecard.veto:
        messages.warning(
            request, _("Your veto is recorded. The loop is rejected and the rounds not yet held are cancelled.")
        )
    elif mode == "amend":
        messages.success(
            request,
            _("Amendment submitted as revision %(revision)d; the earlier one stays on record.")
            % {"revision": scorecard.revision},
        )
    else:
        messages.success(request, _("Scorecard submitted. The panel's scorecards are below."))
    return redirect(reverse("round", kwargs={"round_id": round_.pk}) + "#panel")


@login_required
@require_safe
def scorecard_detail(request: HttpRequest, scorecard_id: int) -> HttpResponse:
    """One submitted revision, for those rule 5 lets read it; everyone else gets 404."""
    scorecard = selectors.scorecard_for_viewer(request.user, scorecard_id)
    if scorecard is None:
        raise Http404(_("No such scorecard."))
    history = [s for s in selectors.round_scorecards(scorecard.round) if not s.is_draft]
    ratings = {r.competency_id: r.score for r in next(s for s in history if s.pk == scorecard.pk).ratings.all()}
    context = {
        "scorecard": scorecard,
        "round": scorecard.round,
        "loop": scorecard.round.loop,
        "competencies": list(scorecard.round.competencies.order_by("name")),
        "ratings": ratings,
        "history": history,
        "sees_private": selectors.may_read_private_note(request.user, scorecard),
    }
    return render(request, "hiring/scorecard_detail.html", context)


# --- the debrief -----------------------------------------------------------------------


def _debrief_loop_or_404(request: HttpRequest, loop_id: int) -> Loop:
    loop = selectors.loop_for_debrief(loop_id)
    if loop is None or not selectors.can_see_all_scorecards(request.user, loop):
        raise Http404(_("No such loop."))
    return loop


def _debrief_context(request: HttpRequest, loop: Loop, form: DecisionForm) -> dict:
    now = timezone.now()
    rounds = list(loop.rounds.all())
    # Only those who see every scorecard reach the debrief (_debrief_loop_or_404).
    scorecards = selectors.debrief_scorecards(loop)
    by_round = {s.round_id: s for s in scorecards}
    # Rows: every competency any round assesses; columns: the submitted scorecards.
    competencies = {c.pk: c for r in rounds for c in r.competencies.all()}
    competencies = sorted(competencies.values(), key=lambda c: c.name)
    columns = []
    for scorecard in scorecards:
        scores = {rating.competency_id: rating.score for rating in scorecard.ratings.all()}
        columns.append({"scorecard": scorecard, "scores": scores})
    matrix = [{"competency": c, "cells": [col["scores"].get(c.pk) for col in columns]} for c in competencies]
    live = [r for r in rounds if r.status not in {RoundStatus.CANCELLED, RoundStatus.NO_SHOW}]
    # A closed loop owes nothing more; its cancelled rounds are listed as such instead.
    missing = [r for r in live if r.pk not in by_round] if loop.is_open else []
    cancelled = [r for r in rounds if r.status == RoundStatus.CANCELLED]
    try:
        decision = loop.decision
    except ObjectDoesNotExist:
        decision = None
    return {
        "loop": loop,
        "candidate": loop.candidate,
        "position": loop.position,
        "rounds": rounds,
        "columns": columns,
        "matrix": matrix,
        "missing": missing,
        "cancelled": cancelled,
        "veto": loop.veto_scorecard,
        "decision": decision,
        "blockers": selectors.hire_blockers_of_loaded(loop, rounds, scorecards) if loop.is_open else [],
        # The private notes to the recruiter: recruiters only, never the hiring manager.
        "sees_private": selectors.is_recruiter(request.user),
        "form": form,
        "now": now,
    }


@login_required
@require_safe
def debrief(request: HttpRequest, loop_id: int) -> HttpResponse:
    loop = _debrief_loop_or_404(request, loop_id)
    return render(request, "hiring/debrief.html", _debrief_context(request, loop, DecisionForm()))


@login_required
@require_POST
def decide(request: HttpRequest, loop_id: int) -> HttpResponse:
    loop = _debrief_loop_or_404(request, loop_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            decision = services.decide(
                loop=loop,
                outcome=form.cleaned_data["outcome"],
                by=request.user,
                reason=form.cleaned_data["reason"],
                rejection_reason=(
                    form.cleaned_data["rejection_reason"].code if form.cleaned_data["rejection_reason"] else None
                ),
            )
        except (ValidationError, DomainError) as error:
            apply_service_error(form, error)
            form.conflict = isinstance(error, DomainError)
        else:
            recorded = (
                _("The hire of %(candidate)s is recorded.")
                if decision.outcome == Outcome.HIRE
                else _("The rejection of %(candidate)s is recorded.")
            )
            messages.success(request, recorded % {"candidate": loop.candidate})
            return redirect("debrief", loop_id=loop.pk)
        # The loop may have changed under us (e.g. a veto): show it as it is now.
        loop = _debrief_loop_or_404(request, loop_id)
    return render(request, "hiring/debrief.html", _debrief_context(request, loop, form), status=_status_for(form))
