"""The interviewer pages, server side: sign-in, permissions, rule 5, the
scorecard form against tampering, the debrief and its decision, query counts."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hiring import services
from hiring.forms import DecisionForm, apply_service_error
from hiring.models import Decision, Event, LoopStatus, Round, RoundStatus, Scorecard
from hiring.rules import DomainError
from tests.factories import PASSWORD, CandidateFactory, InterviewerFactory, UserFactory


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rounds_of(loop) -> list[Round]:
    return list(loop.rounds.select_related("interviewer__user").order_by("order"))


def scorecard_data(round_: Round, *, action: str = "submit", mode: str = "submit", score: int | str = 3, **extra):
    data = {"action": action, "mode": mode, "recommendation": "yes", "notes": "Clear evidence of ownership."}
    for competency in round_.competencies.all():
        data[f"rating_{competency.pk}"] = str(score)
    data.update(extra)
    return data


def checked(page: str, name: str) -> str | None:
    """The value of the checked radio button or box called `name` in the page, if any."""
    match = re.search(rf'<input type="(?:radio|checkbox)" name="{name}" value="([^"]*)"[^>]*\bchecked\b', page)
    return match.group(1) if match else None


def scorecard_url(round_: Round) -> str:
    return reverse("scorecard", kwargs={"round_id": round_.pk})


def packet_url(round_: Round) -> str:
    return reverse("round", kwargs={"round_id": round_.pk})


def debrief_url(loop) -> str:
    return reverse("debrief", kwargs={"loop_id": loop.pk})


@pytest.fixture
def loop(world):
    """Every round scheduled, an hour apart; all have begun, so every one takes feedback."""
    return world.scheduled_loop(start=timezone.now() - dt.timedelta(hours=8))


@pytest.fixture
def outsider(db):
    """An employee who sits on no panel and manages no position."""
    return InterviewerFactory(user=UserFactory(username="otto")).user


# --- sign-in ----------------------------------------------------------------------


def test_it_sends_a_visitor_who_is_not_signed_in_to_sign_in_and_back(loop):
    round_ = rounds_of(loop)[1]
    client = Client()
    response = client.get(packet_url(round_))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={packet_url(round_)}"

    response = client.post(
        reverse("login"),
        {"username": round_.interviewer.user.username, "password": PASSWORD, "next": packet_url(round_)},
    )
    assert response.status_code == 302
    assert response["Location"] == packet_url(round_)
    assert client.get(packet_url(round_)).status_code == 200


def test_it_refuses_a_wrong_password_with_a_message(world):
    response = Client().post(reverse("login"), {"username": "ivy0", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_it_signs_out_only_by_post(world):
    client = signed_in(world.interviewers[0].user)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_the_home_page_requires_sign_in(db):
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


# --- my interviews ------------------------------------------------------------------


def test_it_shows_an_upcoming_interview_in_my_zone_with_the_candidates_time(world):
    # Two days ahead, 08:00 UTC; Ivy0 (Europe/Berlin) has the second round, an hour later.
    start = (timezone.now() + dt.timedelta(days=2)).replace(hour=8, minute=0, second=0, microsecond=0)
    loop = world.scheduled_loop(start=start)
    round_ = rounds_of(loop)[1]
    berlin = round_.starts_at.astimezone(ZoneInfo("Europe/Berlin"))
    singapore = round_.starts_at.astimezone(ZoneInfo("Asia/Singapore"))

    page = signed_in(world.interviewers[0].user).get("/").content.decode()

    mine = f"{berlin:%a} {berlin.day} {berlin:%b} {berlin:%H:%M} your time"
    assert f"{mine} · {singapore:%H:%M} for the candidate (Asia/Singapore)" in page
    assert "Times in Europe/Berlin" in page
    assert round_.label in page
    assert "45 min" in page
    assert "Communication, Ownership, Problem solving" in page  # the competencies of the round, by name
    assert str(loop.candidate) in page


def test_it_names_the_candidates_day_when_it_differs_from_mine(world):
    # 20:00 UTC two days ahead: Ivy1 (Los Angeles) has round 3 at 22:00 UTC, mid-afternoon for her,
    # already the next morning in Singapore.
    start = (timezone.now() + dt.timedelta(days=2)).replace(hour=20, minute=0, second=0, microsecond=0)
    loop = world.scheduled_loop(start=start)
    round_ = rounds_of(loop)[2]
    assert round_.interviewer == world.interviewers[1]
    la = round_.starts_at.astimezone(ZoneInfo("America/Los_Angeles"))
    singapore = round_.starts_at.astimezone(ZoneInfo("Asia/Singapore"))
    assert singapore.date() != la.date()

    page = signed_in(world.interviewers[1].user).get("/").content.decode()

    assert (
        f"{la:%a} {la.day} {la:%b} {la:%H:%M} your time · {singapore:%a} {singapore:%H:%M} "
        "for the candidate (Asia/Singapore)"
    ) in page


def test_it_lists_the_scorecards_i_owe_with_the_overdue_ones_first(world):
    ivy = world.interviewers[0]
    late = world.scheduled_loop(start=timezone.now() - dt.timedelta(hours=30))
    fresh = world.scheduled_loop(start=timezone.now() - dt.timedelta(minutes=70))

    page = signed_in(ivy.user).get("/").content.decode()

    # Ivy sits on round 2 of each: one was due a day ago, the other falls due within the hour.
    assert "Overdue by 1 day" in page
    assert "Due in " in page
    assert page.index(str(late.candidate)) < page.index(str(fresh.candidate))
    assert "1 overdue" in page


def test_it_lists_what_i_submitted_recently(world, loop):
    round_ = rounds_of(loop)[1]
    world.submit(round_)
    page = signed_in(round_.interviewer.user).get("/").content.decode()
    assert "Submitted recently" in page
    assert f"{packet_url(round_)}#panel" in page
    assert "You owe no scorecards" in page


def test_it_lists_loops_awaiting_the_hiring_managers_decision(world):
    loop = world.awaiting_decision_loop()
    page = signed_in(world.manager).get("/").content.decode()
    assert "Awaiting your decision" in page
    assert debrief_url(loop) in page


def test_an_interviewer_gets_no_decision_list(world):
    world.awaiting_decision_loop()
    page = signed_in(world.interviewers[0].user).get("/").content.decode()
    assert "Awaiting your decision" not in page


# --- rule 5: independent feedback -------------------------------------------------------


def test_it_hides_other_scorecards_from_the_packet_until_i_submit_mine(world, loop):
    first, mine = rounds_of(loop)[:2]
    other = services.submit_scorecard(
        round=first,
        by=first.interviewer.user,
        ratings={c.pk: 1 for c in first.competencies.all()},
        recommendation="strong_no",
        notes="SECRET-NOTES-OF-THE-SCREEN",
        veto=False,
    )
    client = signed_in(mine.interviewer.user)

    before = client.get(packet_url(mine)).content.decode()
    assert "SECRET-NOTES-OF-THE-SCREEN" not in before
    assert reverse("scorecard_detail", kwargs={"scorecard_id": other.pk}) not in before
    assert "once you have submitted yours" in before

    client.post(scorecard_url(mine), scorecard_data(mine))
    after = client.get(packet_url(mine)).content.decode()
    assert "SECRET-NOTES-OF-THE-SCREEN" in after
    assert reverse("scorecard_detail", kwargs={"scorecard_id": other.pk}) in after


def test_it_hides_another_scorecard_by_url_until_i_submit_mine(world, loop):
    first, mine = rounds_of(loop)[:2]
    other = world.submit(first)
    client = signed_in(mine.interviewer.user)
    url = reverse("scorecard_detail", kwargs={"scorecard_id": other.pk})

    assert client.get(url).status_code == 404
    # A draft is not a submission: it does not open the others' scorecards.
    client.post(scorecard_url(mine), scorecard_data(mine, action="draft"))
    assert client.get(url).status_code == 404
    assert client.get(packet_url(first)).status_code == 404  # nor another interviewer's packet

    client.post(scorecard_url(mine), scorecard_data(mine))
    assert client.get(url).status_code == 200


def test_it_never_shows_a_draft_by_url_even_to_the_hiring_manager(world, loop):
    mine = rounds_of(loop)[1]
    draft = services.save_scorecard_draft(round=mine, by=mine.interviewer.user, notes="half done")
    url = reverse("scorecard_detail", kwargs={"scorecard_id": draft.pk})
    assert signed_in(world.manager).get(url).status_code == 404
    assert signed_in(mine.interviewer.user).get(url).status_code == 404


def test_the_hiring_manager_and_recruiter_see_every_scorecard(world, loop):
    first = rounds_of(loop)[1]
    scorecard = world.submit(first)
    url = reverse("scorecard_detail", kwargs={"scorecard_id": scorecard.pk})
    assert signed_in(world.manager).get(url).status_code == 200
    assert signed_in(world.recruiter).get(url).status_code == 200


def test_a_vetoed_loop_shows_no_veto_reason_to_an_interviewer_who_has_not_submitted(world, loop):
    first, mine = rounds_of(loop)[:2]
    world.submit(first, veto=True, veto_reason="REASON-ONLY-FOR-THE-PANEL", recommendation="strong_no")
    page = signed_in(mine.interviewer.user).get(packet_url(mine)).content.decode()
    assert "ended by a veto" in page
    assert "REASON-ONLY-FOR-THE-PANEL" not in page


# --- who may see what ----------------------------------------------------------------------


def test_a_user_not_on_the_panel_gets_404_everywhere(world, loop, outsider):
    round_ = rounds_of(loop)[1]
    scorecard = world.submit(round_)
    client = signed_in(outsider)
    assert client.get(packet_url(round_)).status_code == 404
    assert client.get(scorecard_url(round_)).status_code == 404
    assert client.post(scorecard_url(round_), scorecard_data(round_)).status_code == 404
    assert client.get(reverse("scorecard_detail", kwargs={"scorecard_id": scorecard.pk})).status_code == 404
    assert client.get(debrief_url(loop)).status_code == 404
    decide = reverse("decide", kwargs={"loop_id": loop.pk})
    assert client.post(decide, {"outcome": "reject", "reason": "x"}).status_code == 404
    assert loop.rounds.filter(status=RoundStatus.CANCELLED).count() == 0


def test_an_interviewer_cannot_open_the_debrief(world, loop):
    assert signed_in(world.interviewers[0].user).get(debrief_url(loop)).status_code == 404


def test_an_interviewer_cannot_write_another_rounds_scorecard(world, loop):
    first, mine = rounds_of(loop)[:2]
    client = signed_in(mine.interviewer.user)
    assert client.get(scorecard_url(first)).status_code == 404
    assert client.post(scorecard_url(first), scorecard_data(first)).status_code == 404
    assert not Scorecard.objects.filter(round=first).exists()


def test_the_hiring_manager_reads_a_packet_but_cannot_write_its_scorecard(world, loop):
    round_ = rounds_of(loop)[2]
    client = signed_in(world.manager)
    assert client.get(packet_url(round_)).status_code == 200
    assert client.get(scorecard_url(round_)).status_code == 404


def test_a_hiring_manager_sees_only_their_own_positions(world, loop):
    other_manager = InterviewerFactory(user=UserFactory(username="mona")).user
    assert signed_in(other_manager).get(debrief_url(loop)).status_code == 404


def test_an_absurd_id_is_a_404_not_a_database_error(world):
    client = signed_in(world.interviewers[0].user)
    assert client.get("/rounds/99999999999999999999999/").status_code == 404
    assert client.get("/rounds/999999999999999999/").status_code == 404
    assert client.get("/loops/-1/debrief/").status_code == 404


# --- CSRF -------------------------------------------------------------------------------------


def test_it_enforces_csrf_on_the_scorecard(world, loop):
    round_ = rounds_of(loop)[1]
    client = Client(enforce_csrf_checks=True)
    client.force_login(round_.interviewer.user)

    response = client.post(scorecard_url(round_), scorecard_data(round_))
    assert response.status_code == 403
    assert not Scorecard.objects.filter(round=round_).exists()

    # The same post with the form's token goes through, so the 403 above was the CSRF check.
    client.get(scorecard_url(round_))
    token = client.cookies["csrftoken"].value
    response = client.post(scorecard_url(round_), {**scorecard_data(round_), "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Scorecard.objects.filter(round=round_, is_current=True).exists()


def test_it_enforces_csrf_on_the_decision_and_sign_in(world):
    loop = world.awaiting_decision_loop()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.manager)
    response = client.post(reverse("decide", kwargs={"loop_id": loop.pk}), {"outcome": "hire"})
    assert response.status_code == 403
    assert not Decision.objects.filter(loop=loop).exists()

    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post(reverse("login"), {"username": "hank", "password": PASSWORD}).status_code == 403


# --- the scorecard form ------------------------------------------------------------------------


def _snapshot(loop):
    """Everything a scorecard post could change."""
    return (
        list(
            Scorecard.objects.filter(round__loop=loop).values_list(
                "pk", "revision", "submitted_at", "is_current", "veto"
            )
        ),
        list(loop.rounds.order_by("order").values_list("status", flat=True)),
        Event.objects.filter(loop=loop).count(),
        type(loop).objects.get(pk=loop.pk).status,
    )


def test_it_shows_the_meaning_of_every_point_of_the_scale(world, loop):
    round_ = rounds_of(loop)[1]
    page = signed_in(round_.interviewer.user).get(scorecard_url(round_)).content.decode()
    for meaning in ("Well below the bar", "Below the bar", "Meets the bar", "Raises the bar"):
        assert meaning in page
    for competency in round_.competencies.all():
        assert f'name="rating_{competency.pk}"' in page


def test_it_rejects_a_rating_out_of_scale_and_keeps_what_was_typed(world, loop):
    round_ = rounds_of(loop)[1]
    before = _snapshot(loop)
    response = signed_in(round_.interviewer.user).post(
        scorecard_url(round_), scorecard_data(round_, score=7, notes="Typed with care")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose a rating from 1 to 4." in page
    assert "Typed with care" in page
    assert checked(page, "recommendation") == "yes"
    assert _snapshot(loop) == before


def test_it_rejects_a_rating_that_is_not_a_number(world, loop):
    round_ = rounds_of(loop)[1]
    before = _snapshot(loop)
    response = signed_in(round_.interviewer.user).post(scorecard_url(round_), scorecard_data(round_, score="3; DROP"))
    assert response.status_code == 400
    assert "Choose a rating from 1 to 4." in response.content.decode()
    assert _snapshot(loop) == before


def test_it_rejects_a_veto_without_reason(world, loop):
    round_ = rounds_of(loop)[1]
    before = _snapshot(loop)
    response = signed_in(round_.interviewer.user).post(
        scorecard_url(round_), scorecard_data(round_, veto="on", veto_reason="   ", confirm_veto="on")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert '<p class="field-error" id="veto_reason-error">A veto needs a written reason.</p>' in page
    assert _snapshot(loop) == before


def test_it_rejects_a_veto_without_the_explicit_confirmation(world, loop):
    round_ = rounds_of(loop)[1]
    before = _snapshot(loop)
    response = signed_in(round_.interviewer.user).post(
        scorecard_url(round_), scorecard_data(round_, veto="on", veto_reason="Dishonest about their record.")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Tick this box to confirm that your veto ends the loop." in page
    assert "Dishonest about their record." in page
    assert _snapshot(loop) == before


def test_it_asks_about_a_veto_reason_without_a_veto(world, loop):
    round_ = rounds_of(loop)[1]
    before = _snapshot(loop)
    response = signed_in(round_.interviewer.user).post(
        scorecard_url(round_), scorecard_data(round_, veto_reason="Not sure about this one.")
    )
    assert response.status_code == 400
    assert "You wrote a veto reason but did not tick the veto." in response.content.decode()
    assert _snapshot(loop) == before


def test_it_refuses_null_characters_without_a_server_error(world, loop):
    round_ = rounds_of(loop)[1]
    before = _snapshot(loop)
    response = signed_in(round_.interviewer.user).post(scorecard_url(round_), scorecard_data(round_, notes="a\x00b"))
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()
    assert _snapshot(loop) == before


def test_it_refuses_to_submit_twice(world, loop):
    round_ = rounds_of(loop)[1]
    client = signed_in(round_.interviewer.user)
    assert client.post(scorecard_url(round_), scorecard_data(round_)).status_code == 302
    before = _snapshot(loop)

    # The same form sent again (a double click, a second tab): refused, not turned into an amendment.
    response = client.post(scorecard_url(round_), scorecard_data(round_, notes="second go"))
    assert response.status_code == 409
    assert "You already submitted this scorecard; amend it to change it." in response.content.decode()
    assert _snapshot(loop) == before


def test_it_rejects_a_tampered_mode_or_action(world, loop):
    round_ = rounds_of(loop)[1]
    client = signed_in(round_.interviewer.user)
    before = _snapshot(loop)
    response = client.post(scorecard_url(round_), scorecard_data(round_, mode="overwrite"))
    assert response.status_code == 400
    assert "The form was changed; reload the page and try again." in response.content.decode()
    response = client.post(scorecard_url(round_), scorecard_data(round_, action="publish"))
    assert response.status_code == 400
    assert "Choose Save draft or Submit." in response.content.decode()
    # Amending what was never submitted is refused by the service.
    response = client.post(scorecard_url(round_), scorecard_data(round_, mode="amend"))
    assert response.status_code == 409
    assert "no submitted scorecard to amend" in response.content.decode()
    assert _snapshot(loop) == before


def test_it_requires_every_rating_and_a_recommendation_to_submit(world, loop):
    round_ = rounds_of(loop)[1]
    data = scorecard_data(round_, recommendation="")
    competency = round_.competencies.order_by("name").first()
    del data[f"rating_{competency.pk}"]
    before = _snapshot(loop)
    response = signed_in(round_.interviewer.user).post(scorecard_url(round_), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert f"Rate {competency.name}." in page
    assert "Choose an overall recommendation." in page
    assert _snapshot(loop) == before


def test_the_error_summary_follows_the_order_of_the_page(world, loop):
    round_ = rounds_of(loop)[1]
    data = {"action": "submit", "mode": "submit", "veto": "on"}
    page = signed_in(round_.interviewer.user).post(scorecard_url(round_), data).content.decode()
    summary = page[page.index('id="error-summary"') : page.index("</ul>", page.index('id="error-summary"'))]
    first_competency = round_.competencies.order_by("name").first().name
    labels = [f">{first_competency}: ", ">Overall recommendation: ", ">Veto reason: ", ">Veto confirmation: "]
    positions = [summary.index(label) for label in labels]
    assert positions == sorted(positions)


def test_a_draft_is_saved_and_resumed_without_touching_the_loop(world, loop):
    round_ = rounds_of(loop)[1]
    client = signed_in(round_.interviewer.user)
    competency = round_.competencies.order_by("name").first()
    data = {"action": "draft", "mode": "submit", f"rating_{competency.pk}": "2", "notes": "Half way"}
    response = client.post(scorecard_url(round_), data)
    assert response.status_code == 302

    draft = Scorecard.objects.get(round=round_)
    assert draft.submitted_at is None
    assert Round.objects.get(pk=round_.pk).status == RoundStatus.SCHEDULED
    page = client.get(scorecard_url(round_)).content.decode()
    assert "Half way" in page
    assert checked(page, f"rating_{competency.pk}") == "2"
    assert "This is your saved draft" in page

    # Resuming and submitting uses the same row: one scorecard, now submitted.
    client.post(scorecard_url(round_), scorecard_data(round_))
    assert Scorecard.objects.filter(round=round_).count() == 1
    assert Scorecard.objects.get(round=round_).is_current


def test_an_amendment_is_a_new_revision_and_the_first_stays(world, loop):
    round_ = rounds_of(loop)[1]
    client = signed_in(round_.interviewer.user)
    client.post(scorecard_url(round_), scorecard_data(round_, notes="First view"))
    page = client.get(scorecard_url(round_)).content.decode()
    assert 'name="mode" value="amend"' in page
    assert "Submit amendment" in page

    response = client.post(scorecard_url(round_), scorecard_data(round_, mode="amend", score=4, notes="Second view"))
    assert response.status_code == 302
    revisions = list(Scorecard.objects.filter(round=round_).order_by("revision"))
    assert [(s.revision, s.is_current, s.notes) for s in revisions] == [
        (1, False, "First view"),
        (2, True, "Second view"),
    ]


def test_a_veto_from_the_form_rejects_the_loop_and_cancels_the_rounds_not_held(world):
    # Two rounds have begun (90 and 30 minutes ago); four are still ahead.
    loop = world.scheduled_loop(start=timezone.now() - dt.timedelta(minutes=90))
    round_ = rounds_of(loop)[1]
    response = signed_in(round_.interviewer.user).post(
        scorecard_url(round_),
        scorecard_data(
            round_, recommendation="strong_no", veto="on", veto_reason="Plagiarised the take-home.", confirm_veto="on"
        ),
        follow=True,
    )
    assert response.status_code == 200
    assert "Your veto is recorded." in response.content.decode()
    loop.refresh_from_db()
    assert loop.status == LoopStatus.REJECTED
    assert loop.veto_scorecard.round_id == round_.pk
    # The rounds that had begun took place (no one marked them held): they are recorded as held,
    # not erased; the veto cancels only the rounds still ahead.
    statuses = list(loop.rounds.order_by("order").values_list("status", flat=True))
    assert statuses == ["held", "submitted", "cancelled", "cancelled", "cancelled", "cancelled"]


def test_the_form_is_not_offered_before_the_interview_starts(world):
    loop = world.scheduled_loop(start=timezone.now() + dt.timedelta(days=1))
    round_ = rounds_of(loop)[1]
    client = signed_in(round_.interviewer.user)
    page = client.get(scorecard_url(round_)).content.decode()
    assert "The scorecard opens when the interview starts." in page
    assert 'id="scorecard-form"' not in page
    response = client.post(scorecard_url(round_), scorecard_data(round_))
    assert response.status_code == 409
    assert "The interview has not started yet" in response.content.decode()
    assert not Scorecard.objects.filter(round=round_).exists()


def test_a_closed_loop_takes_no_more_feedback(world, loop):
    first, mine = rounds_of(loop)[:2]
    world.submit(first, veto=True, veto_reason="No.", recommendation="strong_no")
    client = signed_in(mine.interviewer.user)
    assert "it takes no more feedback" in client.get(scorecard_url(mine)).content.decode()
    response = client.post(scorecard_url(mine), scorecard_data(mine))
    assert response.status_code == 409
    assert "vetoed and is closed" in response.content.decode()


def test_it_shows_a_service_refusal_beside_the_field_it_names():
    form = DecisionForm(data={"outcome": "reject"})
    assert form.is_valid()
    apply_service_error(form, ValidationError({"reason": "Say why.", "ratings": "Elsewhere."}))
    assert form.errors["reason"] == ["Say why."]
    assert form.non_field_errors() == ["Elsewhere."]
    apply_service_error(form, DomainError("The loop is closed."))
    assert "The loop is closed." in form.non_field_errors()


# --- the debrief -----------------------------------------------------------------------------


def test_the_debrief_shows_the_veto_at_the_top_and_offers_no_hire(world, loop):
    first, vetoer = rounds_of(loop)[:2]
    world.submit(first)
    world.submit(vetoer, veto=True, veto_reason="Misrepresented their role.", recommendation="strong_no")
    page = signed_in(world.manager).get(debrief_url(loop)).content.decode()
    assert page.index("Vetoed by") < page.index("Scorecards side by side")
    assert "Misrepresented their role." in page
    assert "Record hire" not in page
    assert 'value="hire"' not in page
    assert "no decision can be recorded" in page


def test_the_debrief_lists_who_has_not_submitted_and_why_no_hire_yet(world, loop):
    first = rounds_of(loop)[0]
    world.submit(first)
    page = signed_in(world.manager).get(debrief_url(loop)).content.decode()
    assert 'Not yet submitted <span class="count">5</span>' in page
    assert "A hire cannot be recorded yet" in page
    assert "has no submitted scorecard yet" in page
    assert "Record hire" not in page
    assert 'value="reject"' in page


def test_a_forced_hire_is_refused_and_changes_nothing(world, loop):
    before = _snapshot(loop)
    # Confirmed, as a forged post would be: the rule, not the confirmation, refuses it.
    response = signed_in(world.manager).post(
        reverse("decide", kwargs={"loop_id": loop.pk}), {"outcome": "hire", "confirm_hire": "on"}
    )
    assert response.status_code == 409
    assert "A hire cannot be recorded yet" in response.content.decode()
    assert not Decision.objects.filter(loop=loop).exists()
    assert _snapshot(loop) == before


def test_a_forced_hire_after_a_veto_is_refused(world):
    loop = world.awaiting_decision_loop()
    # A late amendment with a veto closes the loop before the manager decides.
    last = rounds_of(loop)[-1]
    services.amend_scorecard(
        round=last,
        by=last.interviewer.user,
        ratings={c.pk: 1 for c in last.competencies.all()},
        recommendation="strong_no",
        veto=True,
        veto_reason="Found a conflict of interest.",
    )
    # Confirmed, as a forged post would be: the rule, not the confirmation, refuses it.
    response = signed_in(world.manager).post(
        reverse("decide", kwargs={"loop_id": loop.pk}), {"outcome": "hire", "confirm_hire": "on"}
    )
    assert response.status_code == 409
    assert "vetoed" in response.content.decode()
    loop.refresh_from_db()
    assert loop.status == LoopStatus.REJECTED
    assert not Decision.objects.filter(loop=loop).exists()


def test_a_reject_needs_a_reason(world):
    loop = world.awaiting_decision_loop()
    response = signed_in(world.manager).post(reverse("decide", kwargs={"loop_id": loop.pk}), {"outcome": "reject"})
    assert response.status_code == 400
    assert "Say why the candidate is rejected" in response.content.decode()
    assert not Decision.objects.filter(loop=loop).exists()


def test_a_tampered_outcome_is_refused(world):
    loop = world.awaiting_decision_loop()
    response = signed_in(world.manager).post(reverse("decide", kwargs={"loop_id": loop.pk}), {"outcome": "promote"})
    assert response.status_code == 400
    assert "The outcome is hire or reject." in response.content.decode()


def test_the_hiring_manager_records_a_hire_when_the_rules_allow(world):
    loop = world.awaiting_decision_loop()
    client = signed_in(world.manager)
    assert "Record hire" in client.get(debrief_url(loop)).content.decode()
    response = client.post(
        reverse("decide", kwargs={"loop_id": loop.pk}),
        {"outcome": "hire", "reason": "Strong panel.", "confirm_hire": "on"},
    )
    assert response.status_code == 302
    loop.refresh_from_db()
    assert loop.status == LoopStatus.HIRED
    page = client.get(debrief_url(loop)).content.decode()
    assert "Decision: Hire" in page
    assert "Record hire" not in page


def test_a_recruiter_can_reject_from_the_debrief(world, loop):
    response = signed_in(world.recruiter).post(
        reverse("decide", kwargs={"loop_id": loop.pk}),
        {"outcome": "reject", "rejection_reason": "position_filled", "reason": "Role filled."},
    )
    assert response.status_code == 302
    loop.refresh_from_db()
    assert loop.status == LoopStatus.REJECTED
    assert Decision.objects.get(loop=loop).decided_by == world.recruiter


def test_the_decision_endpoint_takes_only_post(world, loop):
    assert signed_in(world.manager).get(reverse("decide", kwargs={"loop_id": loop.pk})).status_code == 405


def test_the_reading_pages_refuse_a_post(world, loop):
    client = signed_in(world.manager)
    assert client.post(debrief_url(loop), {"outcome": "hire"}).status_code == 405
    assert client.post("/").status_code == 405


# --- issue 8, fault 4: nothing typed is lost when the session ends -------------------------


def autosave_url(round_: Round) -> str:
    return reverse("scorecard_autosave", kwargs={"round_id": round_.pk})


def end_session(client: Client) -> None:
    """What an expired session looks like to the server: the cookie names a session it no longer has."""
    client.session.delete()


def test_a_scorecard_posted_after_the_session_ended_comes_back_after_signing_in(world, loop):
    round_ = rounds_of(loop)[1]
    client = Client()
    client.post(reverse("login"), {"username": round_.interviewer.user.username, "password": PASSWORD})
    client.get(scorecard_url(round_))
    end_session(client)

    typed = scorecard_data(round_, notes="Forty minutes of careful notes: KEEP-ME.", veto="on", veto_reason="Why")
    response = client.post(scorecard_url(round_), typed)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={scorecard_url(round_)}"
    assert not Scorecard.objects.filter(round=round_).exists()
    assert "Sign in again to get it back." in client.get(response["Location"]).content.decode()

    response = client.post(
        reverse("login"),
        {"username": round_.interviewer.user.username, "password": PASSWORD, "next": scorecard_url(round_)},
    )
    assert response["Location"] == scorecard_url(round_)
    page = client.get(scorecard_url(round_)).content.decode()
    assert "Forty minutes of careful notes: KEEP-ME." in page
    assert "You were signed out before your scorecard was saved" in page
    assert 'id="id_veto" value="on" checked' in page and ">Why</textarea>" in page
    for competency in round_.competencies.all():
        assert checked(page, f"rating_{competency.pk}") == "3"
    # Shown once: a later visit shows the saved state again.
    assert "KEEP-ME" not in client.get(scorecard_url(round_)).content.decode()


def test_a_kept_scorecard_goes_only_to_the_round_it_was_written_for(world, loop):
    first, second = rounds_of(loop)[1:3]
    client = Client()
    client.post(scorecard_url(first), scorecard_data(first, notes="FOR-THE-FIRST"))
    # Whoever signs in next sees it only on that round's page, and only if they sit on it.
    client.force_login(second.interviewer.user)
    assert "FOR-THE-FIRST" not in client.get(scorecard_url(second)).content.decode()
    assert client.get(scorecard_url(first)).status_code == 404


def test_autosave_saves_a_draft_through_the_service_and_renews_the_session(world, loop):
    round_ = rounds_of(loop)[1]
    client = signed_in(round_.interviewer.user)
    before = client.session.get_expiry_date()
    competency = round_.competencies.order_by("name").first()
    response = client.post(
        autosave_url(round_), {"mode": "submit", f"rating_{competency.pk}": "2", "notes": "Typing: AUTO-1"}
    )
    assert response.status_code == 200
    assert response.json()["saved"] is True and "Draft saved at" in response.json()["message"]
    draft = Scorecard.objects.get(round=round_)
    assert draft.submitted_at is None and draft.notes == "Typing: AUTO-1"
    assert Round.objects.get(pk=round_.pk).status == RoundStatus.SCHEDULED
    assert client.session.get_expiry_date() >= before

    # Typing on saves over the same draft.
    client.post(autosave_url(round_), {"mode": "submit", "notes": "Typing: AUTO-2"})
    assert list(Scorecard.objects.filter(round=round_).values_list("notes", flat=True)) == ["Typing: AUTO-2"]


def test_autosave_answers_401_json_not_a_redirect_when_signed_out(world, loop):
    round_ = rounds_of(loop)[1]
    client = signed_in(round_.interviewer.user)
    end_session(client)
    response = client.post(autosave_url(round_), {"mode": "submit", "notes": "lost?"})
    assert response.status_code == 401
    assert response.json()["error"] == "signed_out"
    assert not Scorecard.objects.filter(round=round_).exists()


def test_autosave_refuses_another_rounds_scorecard_a_closed_loop_and_a_get(world, loop):
    mine, theirs = rounds_of(loop)[1:3]
    client = signed_in(mine.interviewer.user)
    assert client.post(autosave_url(theirs), {"mode": "submit", "notes": "x"}).status_code == 404
    assert client.get(autosave_url(mine)).status_code == 405
    services.withdraw(loop=loop, by=world.recruiter, reason="Took another offer.")
    response = client.post(autosave_url(mine), {"mode": "submit", "notes": "x"})
    assert response.status_code == 409 and response.json()["message"]
    assert not Scorecard.objects.filter(round=mine).exists()


def test_autosave_and_keepalive_enforce_csrf(world, loop):
    round_ = rounds_of(loop)[1]
    client = Client(enforce_csrf_checks=True)
    client.force_login(round_.interviewer.user)
    assert client.post(autosave_url(round_), {"mode": "submit", "notes": "x"}).status_code == 403
    assert client.post(reverse("keepalive")).status_code == 403
    client.get(scorecard_url(round_))
    token = client.cookies["csrftoken"].value
    assert (
        client.post(autosave_url(round_), {"mode": "submit", "notes": "x"}, HTTP_X_CSRFTOKEN=token).status_code == 200
    )
    assert client.post(reverse("keepalive"), HTTP_X_CSRFTOKEN=token).status_code == 204


def test_keepalive_moves_the_session_expiry_forward(world):
    client = signed_in(world.interviewers[0].user)
    key = client.session.session_key
    # A session about to end, as after a long time writing.
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + dt.timedelta(seconds=60))
    response = client.post(reverse("keepalive"))
    assert response.status_code == 204
    assert Session.objects.get(session_key=key).expire_date > timezone.now() + dt.timedelta(days=1)
    end_session(client)
    assert client.post(reverse("keepalive")).status_code == 401


# --- query counts ----------------------------------------------------------------------------


def _loops_for_ivy(world, rows: int) -> None:
    """`rows` loops in each list of Ivy0's page (she sits on round 2 of all): submitted, owed, ahead."""
    now = timezone.now()
    # Seven hours apart, so no interviewer's rounds overlap from one loop to the next.
    past = [now - dt.timedelta(hours=8 + 7 * k) for k in range(2 * rows)]
    for start in past[:rows]:
        world.submit(rounds_of(world.scheduled_loop(CandidateFactory(), start=start))[1])
    for start in past[rows:]:
        world.scheduled_loop(CandidateFactory(), start=start)
    for day in range(1, rows + 1):
        world.scheduled_loop(CandidateFactory(), start=now + dt.timedelta(days=day))


@pytest.mark.parametrize("rows", [1, 4])
def test_my_interviews_loads_in_constant_queries(world, django_assert_num_queries, rows):
    _loops_for_ivy(world, rows)
    client = signed_in(world.interviewers[0].user)
    # 1. the session  2. the user  3. the user's interviewer profile (time zone middleware)
    # 4. a page of the rounds I owe a scorecard for, with candidate, position and a has-draft flag
    # 5. a page of my upcoming rounds with candidate and position  6. their competencies
    # 7. a page of loops awaiting my decision  8. my recent scorecards with round, loop,
    # candidate and position
    with django_assert_num_queries(8):
        response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("Write the scorecard<") == rows
    assert page.count('<p class="when">') == rows


def test_my_interviews_shows_a_page_of_each_list_and_links_to_the_next(world, monkeypatch):
    from hiring import views

    monkeypatch.setattr(views, "HOME_PAGE_SIZE", 2)
    now = timezone.now()
    owed = [world.scheduled_loop(CandidateFactory(), start=now - dt.timedelta(hours=8 + 7 * k)) for k in range(3)]
    ahead = [world.scheduled_loop(CandidateFactory(), start=now + dt.timedelta(days=d)) for d in range(1, 4)]
    client = signed_in(world.interviewers[0].user)

    first = client.get("/").content.decode()
    assert first.count("Write the scorecard<") == 2 and first.count('<p class="when">') == 2
    # Most overdue first; the third waits on the next page.
    assert str(owed[2].candidate) in first and str(owed[0].candidate) not in first
    assert str(ahead[0].candidate) in first and str(ahead[2].candidate) not in first
    assert 'href="?owed=2#owed-heading"' in first and 'href="?upcoming=2#upcoming-heading"' in first
    assert '<span class="count">2+</span>' in first

    more_owed = client.get("/?owed=2").content.decode()
    assert more_owed.count("Write the scorecard<") == 1 and str(owed[0].candidate) in more_owed
    assert 'href="?owed=1#owed-heading"' in more_owed and "?owed=3" not in more_owed
    assert more_owed.count('<p class="when">') == 2  # the other list stays on its first page

    last = client.get("/?owed=2&upcoming=2").content.decode()
    assert str(ahead[2].candidate) in last and last.count('<p class="when">') == 1


@pytest.mark.parametrize("query", ["owed=0", "owed=-1", "upcoming=abc", "decide=99999999999", "owed=%D9%A3"])
def test_a_bad_page_number_on_my_interviews_is_a_400_not_a_500(world, query):
    response = signed_in(world.interviewers[0].user).get(f"/?{query}")
    assert response.status_code == 400
    assert "must be a page number" in response.content.decode()


def test_my_interviews_reads_each_list_from_the_open_rounds_index(world):
    from hiring import selectors
    from tests.test_admin import explain

    if connection.vendor != "postgresql":
        pytest.skip("reads PostgreSQL's plans")
    _loops_for_ivy(world, 3)
    user = world.interviewers[0].user
    now = timezone.now()
    for queryset in (selectors.my_owed_rounds(user, now=now), selectors.my_upcoming_rounds(user, now=now)):
        plan = explain(queryset[:21])
        assert "round_open_by_interviewer_idx" in plan and "Sort" not in plan


@pytest.mark.parametrize("submitted", [1, 5])
def test_the_packet_loads_in_constant_queries(world, loop, django_assert_num_queries, submitted):
    rounds = rounds_of(loop)
    mine = rounds[1]
    for round_ in [mine, *[r for r in rounds if r.pk != mine.pk][: submitted - 1]]:
        world.submit(round_)
    client = signed_in(mine.interviewer.user)
    # 1. session  2. user  3. interviewer profile  4. the round with interviewer, loop, candidate,
    # position, department and hiring manager  5. its competencies  6. the loop's rounds with
    # interviewers  7. my revisions of the round  8. has-submitted check (rule 5)  9. the visible
    # scorecards with round, interviewer and author  10. their ratings  11. the rated competencies
    # 12. the kit: the question bank's active questions of the round's competencies
    with django_assert_num_queries(12):
        response = client.get(packet_url(mine))
    assert response.status_code == 200


@pytest.mark.parametrize("submitted", [1, 6])
def test_the_debrief_loads_in_constant_queries(world, loop, django_assert_num_queries, submitted):
    for round_ in rounds_of(loop)[:submitted]:
        world.submit(round_)
    client = signed_in(world.manager)
    # 1. session  2. user  3. interviewer profile  4. the loop with candidate, position, department,
    # hiring manager, veto and decision  5. its rounds with interviewers  6. their competencies
    # 7. the scorecards with round, interviewer and author  8. their ratings with competencies
    # 9. the rejection reasons the decision form offers.
    # The hire blockers come from the rounds and scorecards already read.
    with django_assert_num_queries(9):
        response = client.get(debrief_url(loop))
    assert response.status_code == 200


@pytest.mark.parametrize("submitted", [0, 2, 6])
def test_the_debrief_reads_the_same_hire_blockers_as_the_rule_without_a_query(world, loop, submitted):
    from hiring import selectors

    for round_ in rounds_of(loop)[:submitted]:
        world.submit(round_)
    if submitted == 2:
        services.cancel_round(round=rounds_of(loop)[4], by=world.recruiter, reason="Interviewer left")
    fresh = selectors.loop_for_debrief(loop.pk)
    rounds = list(fresh.rounds.all())
    cards = selectors.debrief_scorecards(fresh)
    assert selectors.hire_blockers_of_loaded(fresh, rounds, cards) == selectors.hire_blockers(fresh)
    page = signed_in(world.manager).get(debrief_url(loop)).content.decode()
    assert ('id="hire-blockers"' in page) == bool(selectors.hire_blockers(fresh))
