"""Scorecards: drafts, submissions, amendments, and the veto (rule 4)."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from hiring import reminders
from hiring.models import (
    RATING_MAX,
    RATING_MIN,
    EventKind,
    Loop,
    LoopStatus,
    Rating,
    Recommendation,
    Round,
    RoundStatus,
    Scorecard,
)
from hiring.rules import (
    DomainError,
    NotPermitted,
)
from hiring.services.common import User, record_event
from hiring.services.loops import _advance, _refresh_feedback_due, _require_open
from hiring.services.rounds import _close_remaining_rounds, _load_round

# --- scorecards ---------------------------------------------------------------


def _clean_ratings(round_: Round, ratings: Mapping[int, int] | None, *, complete: bool) -> dict[int, int]:
    expected = {c.pk: c.name for c in round_.competencies.all()}
    cleaned: dict[int, int] = {}
    for key, value in (ratings or {}).items():
        try:
            competency_id, score = int(key), int(value)
        except (TypeError, ValueError):
            raise ValidationError({"ratings": "Each rating is a competency id and a whole number."}) from None
        if competency_id not in expected:
            raise ValidationError({"ratings": f"Competency {competency_id} is not assessed in this round."})
        if not RATING_MIN <= score <= RATING_MAX:
            raise ValidationError(
                {"ratings": f"{expected[competency_id]}: ratings run from {RATING_MIN} to {RATING_MAX}."}
            )
        cleaned[competency_id] = score
    if complete:
        missing = [name for pk, name in expected.items() if pk not in cleaned]
        if missing:
            raise ValidationError({"ratings": f"Rate every competency of the round; missing: {', '.join(missing)}."})
    return cleaned


def _check_scorecard_author(round_: Round, by: User | None) -> None:
    if by is None or round_.interviewer is None or round_.interviewer.user_id != by.pk:
        raise NotPermitted(_("Only the round's interviewer can write its scorecard."))


def _check_feedback_open(loop: Loop, round_: Round) -> None:
    _require_open(loop)
    if round_.status not in {RoundStatus.SCHEDULED, RoundStatus.HELD, RoundStatus.SUBMITTED}:
        raise DomainError(
            _("Round “%(round)s” is %(status)s; it takes no feedback.")
            % {"round": round_.label, "status": round_.get_status_display().lower()}
        )
    if round_.starts_at > timezone.now():
        raise DomainError(_("The interview has not started yet; feedback opens at its start."))


def _write_ratings(scorecard: Scorecard, ratings: Mapping[int, int]) -> None:
    scorecard.ratings.all().delete()
    Rating.objects.bulk_create(
        [Rating(scorecard=scorecard, competency_id=pk, score=score) for pk, score in ratings.items()]
    )


@transaction.atomic
def save_scorecard_draft(
    *,
    round: Round,
    by: User | None,
    ratings: Mapping[int, int] | None = None,
    recommendation: str = "",
    notes: str = "",
    veto: bool = False,
    veto_reason: str = "",
    key_takeaways: str = "",
    private_note: str = "",
) -> Scorecard:
    """Keep unfinished feedback to resume later. A draft has no effect on the loop."""
    loop, round_ = _load_round(round.pk)
    _check_scorecard_author(round_, by)
    _check_feedback_open(loop, round_)
    if recommendation and recommendation not in Recommendation.values:
        raise ValidationError({"recommendation": f"{recommendation!r} is not a recommendation."})
    cleaned = _clean_ratings(round_, ratings, complete=False)
    draft = round_.scorecards.filter(submitted_at__isnull=True).first()
    if draft is None:
        revision = (round_.scorecards.aggregate(m=Max("revision"))["m"] or 0) + 1
        draft = Scorecard(round=round_, revision=revision, author=by)
    draft.recommendation = recommendation
    draft.notes = notes
    draft.key_takeaways = key_takeaways or ""
    draft.private_note = private_note or ""
    draft.veto = bool(veto)
    draft.veto_reason = veto_reason if veto else ""
    if draft.veto and not draft.veto_reason.strip():
        # The database insists on a reason with a veto; a draft keeps the intent without one.
        draft.veto = False
    draft.save()
    _write_ratings(draft, cleaned)
    return draft


def submit_scorecard(
    *,
    round: Round,
    by: User | None,
    ratings: Mapping[int, int],
    recommendation: str,
    notes: str = "",
    veto: bool = False,
    veto_reason: str = "",
    key_takeaways: str = "",
    private_note: str = "",
) -> Scorecard:
    """Submit a round's first scorecard. A veto ends the loop at once (rule 4)."""
    return _submit(
        round_id=round.pk,
        by=by,
        ratings=ratings,
        recommendation=recommendation,
        notes=notes,
        veto=veto,
        veto_reason=veto_reason,
        key_takeaways=key_takeaways,
        private_note=private_note,
        amend=False,
    )


def amend_scorecard(
    *,
    round: Round,
    by: User | None,
    ratings: Mapping[int, int],
    recommendation: str,
    notes: str = "",
    veto: bool = False,
    veto_reason: str = "",
    key_takeaways: str = "",
    private_note: str = "",
) -> Scorecard:
    """A new revision of a submitted scorecard; the earlier one stays on record."""
    return _submit(
        round_id=round.pk,
        by=by,
        ratings=ratings,
        recommendation=recommendation,
        notes=notes,
        veto=veto,
        veto_reason=veto_reason,
        key_takeaways=key_takeaways,
        private_note=private_note,
        amend=True,
    )


@transaction.atomic
def _submit(
    *,
    round_id: int,
    by: User | None,
    ratings: Mapping[int, int],
    recommendation: str,
    notes: str,
    veto: bool,
    veto_reason: str,
    key_takeaways: str,
    private_note: str,
    amend: bool,
) -> Scorecard:
    loop, round_ = _load_round(round_id)
    _check_scorecard_author(round_, by)
    _check_feedback_open(loop, round_)
    errors = {}
    if recommendation not in Recommendation.values:
        errors["recommendation"] = "Choose an overall recommendation: strong no, no, yes or strong yes."
    veto_reason = (veto_reason or "").strip()
    if veto and not veto_reason:
        errors["veto_reason"] = "A veto needs a written reason."
    if errors:
        raise ValidationError(errors)
    cleaned = _clean_ratings(round_, ratings, complete=True)
    current = round_.scorecards.filter(is_current=True).first()
    if current is not None and not amend:
        raise DomainError(_("You already submitted this scorecard; amend it to change it."))
    if current is None and amend:
        raise DomainError(_("There is no submitted scorecard to amend yet; submit it first."))
    if current is not None:
        current.is_current = False
        current.save(update_fields=["is_current"])
    scorecard = round_.scorecards.filter(submitted_at__isnull=True).first()
    if scorecard is None:
        revision = (round_.scorecards.aggregate(m=Max("revision"))["m"] or 0) + 1
        scorecard = Scorecard(round=round_, revision=revision, author=by)
    scorecard.recommendation = recommendation
    scorecard.notes = notes or ""
    scorecard.key_takeaways = key_takeaways or ""
    # To the recruiter alone: never in the event below, so never in a webhook.
    scorecard.private_note = private_note or ""
    scorecard.veto = bool(veto)
    scorecard.veto_reason = veto_reason if veto else ""
    scorecard.submitted_at = timezone.now()
    scorecard.is_current = True
    scorecard.save()
    _write_ratings(scorecard, cleaned)
    round_.status = RoundStatus.SUBMITTED
    round_.save(update_fields=["status", "updated_at"])
    record_event(
        kind=EventKind.SCORECARD_AMENDED if amend else EventKind.SCORECARD_SUBMITTED,
        actor=by,
        loop=loop,
        round=round_,
        reason=veto_reason,
        data={
            "scorecard_id": scorecard.pk,
            "revision": scorecard.revision,
            "recommendation": recommendation,
            "veto": scorecard.veto,
        },
    )
    reminders.on_scorecard_submitted(round_)
    if scorecard.veto:
        _apply_veto(loop, scorecard, by)
    else:
        _advance(loop, by)
    return scorecard


def _apply_veto(loop: Loop, scorecard: Scorecard, by: User | None) -> None:
    """Rule 4: the loop is rejected at once and the rounds not yet held are cancelled."""
    cancelled = _close_remaining_rounds(loop, by, "The loop was vetoed.")
    loop.status = LoopStatus.REJECTED
    loop.veto_scorecard = scorecard
    loop.closed_at = timezone.now()
    loop.save(update_fields=["status", "veto_scorecard", "closed_at", "updated_at"])
    _refresh_feedback_due(loop)
    record_event(
        kind=EventKind.LOOP_VETOED,
        actor=by,
        loop=loop,
        round=scorecard.round,
        reason=scorecard.veto_reason,
        data={"scorecard_id": scorecard.pk, "cancelled_round_ids": [r.pk for r in cancelled]},
    )
    reminders.on_loop_vetoed(loop, scorecard=scorecard, cancelled_rounds=cancelled)
