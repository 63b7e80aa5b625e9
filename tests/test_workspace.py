"""The recruiters' workspace (issue 12, in part): the decision shows what the
panel said, a hire takes an explicit confirmation, loops start from a real
choice of candidate, and the history reads as sentences."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hiring import selectors, services
from hiring.models import Decision, LoopStatus, Recommendation

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def split_panel_loop(world):
    """Six rounds, every one submitted, the panel not unanimous: 3 yes, 2 strong yes, 1 no.

    world.submit rates every competency 3; the first round's amendment rates them 1, so
    the means also show that only the current revision counts.
    """
    loop = world.awaiting_decision_loop()
    rounds = list(loop.rounds.select_related("interviewer__user").order_by("order"))
    first = rounds[0]
    services.amend_scorecard(
        round=first,
        by=first.interviewer.user,
        ratings={c.pk: 1 for c in first.competencies.all()},
        recommendation=Recommendation.NO,
        notes="Second thoughts.",
    )
    for round_ in rounds[1:3]:
        services.amend_scorecard(
            round=round_,
            by=round_.interviewer.user,
            ratings={c.pk: 4 for c in round_.competencies.all()},
            recommendation=Recommendation.STRONG_YES,
            notes="Better than I wrote.",
        )
    loop.refresh_from_db()
    return loop


# --- the decision shows the panel's verdict -----------------------------------------------------


def test_the_scorecard_summary_counts_current_revisions_in_two_queries(world, django_assert_num_queries):
    loop = split_panel_loop(world)
    # 1. the recommendation tally (GROUP BY recommendation); 2. the mean per competency (GROUP BY competency).
    with django_assert_num_queries(2):
        summary = selectors.scorecard_summary(loop)
    assert summary["submitted"] == loop.rounds.count() == 6
    assert [(value, n) for value, _label, n in summary["tally"]] == [
        ("strong_no", 0),
        ("no", 1),
        ("yes", 3),
        ("strong_yes", 2),
    ]
    expected = {}
    for round_ in loop.rounds.prefetch_related("competencies"):
        score = 1 if round_.order == 1 else 4 if round_.order in (2, 3) else 3
        for competency in round_.competencies.all():
            expected.setdefault(competency.name, []).append(score)
    assert {name: (float(mean), n) for name, mean, n in summary["means"]} == {
        name: (pytest.approx(sum(scores) / len(scores)), len(scores)) for name, scores in expected.items()
    }


def test_the_admin_decision_form_shows_the_summary_and_links_the_debrief(world):
    loop = split_panel_loop(world)
    page = signed_in(world.recruiter).get(reverse("admin:hiring_loop_decide", args=[loop.pk])).content.decode()
    assert "The panel's scorecards (6 submitted)" in page
    assert '<tr class="hl-rec-strong_yes"><th scope="row">Strong yes</th><td>2</td></tr>' in page
    assert '<tr class="hl-rec-no"><th scope="row">No</th><td>1</td></tr>' in page
    assert "Mean rating per competency" in page
    assert f'href="{reverse("debrief", args=[loop.pk])}"' in page


# --- a hire on the debrief takes a confirmation ---------------------------------------------------


def test_record_hire_on_the_debrief_needs_an_explicit_confirmation(world):
    loop = world.awaiting_decision_loop()
    client = signed_in(world.manager)
    page = client.get(reverse("debrief", args=[loop.pk])).content.decode()
    assert 'name="confirm_hire"' in page

    # One click on "Record hire" (the box left unticked, or no JavaScript) records nothing.
    response = client.post(reverse("decide", args=[loop.pk]), {"outcome": "hire", "reason": "Strong panel."})
    assert response.status_code == 400
    assert "Tick the box to confirm the hire" in response.content.decode()
    assert not Decision.objects.filter(loop=loop).exists()
    loop.refresh_from_db()
    assert loop.status == LoopStatus.AWAITING_DECISION

    response = client.post(
        reverse("decide", args=[loop.pk]), {"outcome": "hire", "reason": "Strong panel.", "confirm_hire": "on"}
    )
    assert response.status_code == 302
    loop.refresh_from_db()
    assert loop.status == LoopStatus.HIRED


def test_a_reject_on_the_debrief_needs_no_hire_confirmation(world):
    loop = world.awaiting_decision_loop()
    response = signed_in(world.manager).post(
        reverse("decide", args=[loop.pk]), {"outcome": "reject", "rejection_reason": "other", "reason": "No."}
    )
    assert response.status_code == 302
    assert Decision.objects.get(loop=loop).outcome == "reject"


# --- starting a loop: a choice of candidate, not a raw id ------------------------------------------


def test_start_a_loop_offers_a_searchable_candidate_choice_preselected_from_the_candidate_page(world):
    from tests.factories import CandidateFactory

    candidate = CandidateFactory(full_name="Zelda Quintero")
    client = signed_in(world.recruiter)
    candidate_page = client.get(reverse("admin:hiring_candidate_change", args=[candidate.pk])).content.decode()
    start = f"{reverse('admin:hiring_loop_add')}?candidate={candidate.pk}"
    assert start in candidate_page

    page = client.get(start).content.decode()
    assert 'type="number"' not in page
    assert "admin-autocomplete" in page
    assert reverse("admin:autocomplete") in page
    assert f'<option value="{candidate.pk}" selected>Zelda Quintero</option>' in page

    found = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "hiring", "model_name": "loop", "field_name": "candidate", "term": "Quinte"},
    ).json()
    assert found["results"] == [{"id": str(candidate.pk), "text": "Zelda Quintero"}]

    response = client.post(start, {"candidate": candidate.pk, "position": world.position.pk})
    assert response.status_code == 302
    assert candidate.loops.get().status == LoopStatus.DRAFT


# --- the history reads as sentences -----------------------------------------------------------------


def test_the_candidate_history_reads_as_sentences_with_one_date_format(world):
    import re

    loop = world.scheduled_loop()
    rounds = list(loop.rounds.select_related("interviewer__user").order_by("order"))
    world.submit(rounds[0])
    world.submit(rounds[1], veto=True, veto_reason="Misrepresented a past role.", recommendation="strong_no")
    page = signed_in(world.recruiter).get(reverse("admin:hiring_candidate_change", args=[loop.candidate.pk]))
    page = page.content.decode()
    history = page[page.index('class="hl-history"') :]

    first = rounds[0].interviewer.user.get_full_name()
    vetoer = rounds[1].interviewer.user.get_full_name()
    assert f"Scorecard submitted by {first} — {rounds[0].label} (Yes)" in history
    assert "Loop moved from Scheduled to In progress" in history
    assert f"Vetoed by {vetoer} — {rounds[1].label}; the loop is now Rejected" in history
    # Its interview had begun when the veto closed the loop, so it is on record as held.
    assert f"{rounds[2].label} marked held by the system" in history
    for slug in ("loop.status_changed", "scorecard.submitted", "loop.vetoed", "round.cancelled"):
        assert slug not in page
    # One way of writing a moment on the whole page: "Tue 5 May 10:00 …", never "2026-05-05 10:00".
    assert not re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", page)


def test_the_history_costs_one_query_however_long_it_is(world, django_assert_num_queries):
    from hiring.admin.history import history_table

    short = world.scheduled_loop()
    world.submit(short.rounds.get(order=1))
    long = world.awaiting_decision_loop()
    services.decide(loop=long, outcome="hire", by=world.manager, reason="Strong panel.")
    # The events with their actor, round and loop position, joined: one SELECT for 5 events or 20.
    with django_assert_num_queries(1):
        few = history_table(short.candidate_id)
    with django_assert_num_queries(1):
        many = history_table(long.candidate_id)
    assert few.count("<tr>") < many.count("<tr>")
    assert "Decision recorded by" in many


# --- the schedule form is labelled -------------------------------------------------------------------


def test_the_schedule_forms_date_and_time_inputs_each_have_a_label(world):
    loop = world.start_loop()
    round_ = loop.rounds.order_by("order").first()
    page = signed_in(world.recruiter).get(reverse("admin:hiring_round_schedule", args=[round_.pk])).content.decode()
    assert 'id="id_starts_at_0"' in page and 'id="id_starts_at_1"' in page
    assert '<label class="hl-sublabel" for="id_starts_at_0">Date:</label>' in page
    assert '<label class="hl-sublabel" for="id_starts_at_1">Time:</label>' in page
