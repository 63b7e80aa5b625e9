"""Choice labels and row names that people read: every event kind has a human, translated
label (its stored value stays the webhook code); "Scheduled" is translated apart for a
loop and a round, whose genders differ; the admin's titles name rows in the reader's
language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise

from hiring import insights
from hiring.admin.history import describe
from hiring.models import (
    Event,
    EventKind,
    InterviewerPool,
    LoopStatus,
    ReminderStatus,
    RoundKind,
    RoundStatus,
    TimeOff,
)

pytestmark = pytest.mark.django_db

# The webhook codes: a contract with integrators, never renamed by a label change.
WEBHOOK_CODES = [
    "candidate.created",
    "candidate.updated",
    "loop.created",
    "loop.scheduled",
    "loop.status_changed",
    "round.added",
    "round.scheduled",
    "round.rescheduled",
    "round.cancelled",
    "round.held",
    "round.no_show",
    "scorecard.submitted",
    "scorecard.amended",
    "loop.vetoed",
    "loop.decided",
    "candidate.withdrawn",
    "reminder.resent",
    "candidate.erased",
    "candidate.exported",
    "user.deactivated",
    "availability.requested",
    "availability.given",
    "loop.booked",
    "message.sent",
]


def test_the_event_kinds_keep_their_webhook_codes():
    assert EventKind.values == WEBHOOK_CODES


def test_every_event_kind_has_a_lazily_translated_human_label():
    for kind in EventKind:
        label = kind._label_  # what the class body gave, before Django's str()
        assert isinstance(label, Promise), kind.name
        # Not Django's default made from the member's name ("Candidate Created").
        assert str(label) != kind.name.replace("_", " ").title(), kind.name
        assert str(label)[0].isupper() and not str(label)[1:].istitle(), str(label)


def test_the_event_labels_are_in_the_readers_language():
    with translation.override("fr"):
        assert EventKind.SCORECARD_SUBMITTED.label == "Grille d'évaluation soumise"
        assert EventKind.LOOP_VETOED.label == "Veto sur le processus d'entretiens"


def test_scheduled_agrees_with_a_loop_and_with_a_round_in_spanish_and_arabic():
    with translation.override("es"):
        assert (LoopStatus.SCHEDULED.label, RoundStatus.SCHEDULED.label) == ("Programado", "Programada")
    with translation.override("ar"):
        assert (LoopStatus.SCHEDULED.label, RoundStatus.SCHEDULED.label) == ("مُجدوَل", "مُجدوَلة")
    with translation.override("en"):
        assert LoopStatus.SCHEDULED.label == RoundStatus.SCHEDULED.label == "Scheduled"


def test_a_withdrawn_reminder_is_not_the_candidate_withdrawing():
    with translation.override("ja"):
        assert LoopStatus.WITHDRAWN.label == "辞退"
        assert ReminderStatus.WITHDRAWN.label != LoopStatus.WITHDRAWN.label


def test_insights_name_a_loops_state_as_the_loop_status_does():
    for language in ["en", "es", "pt-br", "ar"]:
        with translation.override(language):
            assert str(insights.STATE_LABELS[LoopStatus.SCHEDULED]) == str(LoopStatus.SCHEDULED.label)


def test_the_admins_event_filter_offers_the_human_labels(world, client):
    Event.objects.create(kind=EventKind.CANDIDATE_CREATED)
    admin = world.manager
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    with translation.override("en"):
        page = client.get(reverse("admin:hiring_event_changelist")).content.decode()
    assert "Candidate created" in page and "Scorecard submitted" in page
    assert "Candidate Created" not in page
    with translation.override("en"):
        page = client.get(reverse("admin:hiring_event_changelist"), headers={"accept-language": "de"}).content.decode()
    assert "Kandidat:in angelegt" in page


def test_an_event_without_a_sentence_of_its_own_reads_as_its_label_in_the_history(world):
    event = Event.objects.create(kind=EventKind.AVAILABILITY_REQUESTED)
    with translation.override("es"):
        assert describe(event, zone="UTC") == "Disponibilidad solicitada"
    assert describe(Event(kind="something.new"), zone="UTC") == "something.new"


def test_the_names_of_rows_in_the_admins_titles_are_translated(world):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    time_off = TimeOff(interviewer=world.interviewers[0], starts_at=start, ends_at=start + dt.timedelta(hours=8))
    pool = InterviewerPool(kind=RoundKind.TECHNICAL)
    event = Event(kind=EventKind.LOOP_VETOED, created_at=timezone.now())
    with translation.override("en"):
        assert str(time_off) == "Time off from 2026-03-02 09:00 to 2026-03-02 17:00 UTC"
    with translation.override("fr"):
        assert str(time_off) == "Absence du 2026-03-02 09:00 au 2026-03-02 17:00 UTC"
        assert str(pool).startswith("Vivier\u00a0: ")
        assert str(event).startswith("Veto sur le processus d'entretiens le ")
