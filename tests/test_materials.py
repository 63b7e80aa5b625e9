"""Candidate materials, interview kits and the scorecard's private note (issue 12).

A résumé is taken by its content, never by its name or claimed type, within a size
cap, and a refused file changes nothing. It is served only to the people who may see
the candidate (recruiters, the hiring manager, the interviewers on the loop), as an
attachment; never by a public address. Erasure deletes it. The packet shows the round's
kit and the job description. The private note to the recruiter reaches recruiters only.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hiring import services
from hiring.models import Candidate, Event, EventKind, Question, Round, Scorecard
from hiring.rules import NotPermitted
from hiring.services.materials import DOCX, PDF, sniff_resume
from tests.factories import CandidateFactory, CompetencyFactory, InterviewerFactory, UserFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def tiny_pdf(text: str = "Resume") -> bytes:
    # The same generator the demo uses: a real, one-page PDF.
    from hiring.management.commands.seed_demo import tiny_pdf as make

    return make(text)


def tiny_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def resume_folder(settings, tmp_path):
    """Résumés go to a folder of this test's own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "resumes": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "resumes"), "base_url": None},
        },
    }
    return tmp_path / "resumes"


def stored_files(folder) -> list[str]:
    return sorted(p.name for p in folder.glob("*")) if folder.exists() else []


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- the type and size checks ---------------------------------------------------------------


def test_a_pdf_and_a_docx_are_recognised_by_their_bytes():
    assert sniff_resume(io.BytesIO(tiny_pdf())) == PDF
    assert sniff_resume(io.BytesIO(tiny_docx())) == DOCX
    assert sniff_resume(io.BytesIO(PNG)) is None
    assert sniff_resume(io.BytesIO(b"<html><script>alert(1)</script></html>")) is None
    # A zip that is not a Word document (an .xlsx, a plain archive) is not taken for one.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert sniff_resume(io.BytesIO(buffer.getvalue())) is None
    # Bytes that start like a zip and are not one.
    assert sniff_resume(io.BytesIO(b"PK\x03\x04garbage")) is None


def test_a_pdf_upload_is_stored_under_a_random_name_with_its_original_name_kept(world, resume_folder):
    candidate = CandidateFactory()
    services.upload_resume(candidate=candidate, upload=upload("../../etc/Ana CV.pdf", tiny_pdf()), by=world.recruiter)
    candidate.refresh_from_db()
    assert candidate.resume_name == "Ana CV.pdf"
    assert candidate.resume_content_type == PDF
    assert candidate.resume_size == len(tiny_pdf())
    [stored] = stored_files(resume_folder)
    assert stored.endswith(".pdf") and "Ana" not in stored and len(stored) == 32 + 4
    event = Event.objects.filter(candidate=candidate, kind=EventKind.CANDIDATE_UPDATED).latest("id")
    assert event.data == {"changed_fields": ["resume"]}


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("photo.pdf", PNG, "application/pdf"),  # a PNG renamed .pdf
        ("cv.pdf", b"<!doctype html><html><script>alert(1)</script></html>", "application/pdf"),
        ("cv.html", b"<!doctype html><html><body>hi</body></html>", "text/html"),
        ("cv.docx", b"PK\x03\x04not really a zip", DOCX),
        ("empty.pdf", b"", "application/pdf"),
    ],
)
def test_a_file_that_is_not_a_pdf_or_docx_is_refused_and_nothing_changes(
    world, resume_folder, name, content, content_type
):
    candidate = CandidateFactory()
    services.upload_resume(candidate=candidate, upload=upload("first.pdf", tiny_pdf()), by=world.recruiter)
    before = Candidate.objects.values().get(pk=candidate.pk)
    files = stored_files(resume_folder)
    events = Event.objects.count()
    with pytest.raises(Exception) as refused:
        services.upload_resume(candidate=candidate, upload=upload(name, content, content_type), by=world.recruiter)
    assert "resume" in refused.value.message_dict
    assert Candidate.objects.values().get(pk=candidate.pk) == before
    assert stored_files(resume_folder) == files
    assert Event.objects.count() == events


def test_a_file_over_the_size_limit_is_refused_and_nothing_changes(world, resume_folder, settings):
    settings.HIRING_RESUME_MAX_BYTES = 1000
    candidate = CandidateFactory()
    big = tiny_pdf() + b"%" + b"x" * 1000
    with pytest.raises(Exception) as refused:
        services.upload_resume(candidate=candidate, upload=upload("big.pdf", big), by=world.recruiter)
    assert "at most 1000 bytes" in " ".join(refused.value.message_dict["resume"])
    candidate.refresh_from_db()
    assert not candidate.resume and candidate.resume_name == ""
    assert stored_files(resume_folder) == []


def test_replacing_a_resume_deletes_the_old_file_after_the_commit(
    world, resume_folder, django_capture_on_commit_callbacks
):
    candidate = CandidateFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_resume(candidate=candidate, upload=upload("a.pdf", tiny_pdf("A")), by=world.recruiter)
    [first] = stored_files(resume_folder)
    with django_capture_on_commit_callbacks(execute=True):
        services.upload_resume(candidate=candidate, upload=upload("b.docx", tiny_docx(), DOCX), by=world.recruiter)
    [second] = stored_files(resume_folder)
    assert second != first and second.endswith(".docx")
    candidate.refresh_from_db()
    assert candidate.resume_name == "b.docx"


def test_only_recruiters_upload_a_resume(world, resume_folder):
    candidate = CandidateFactory()
    with pytest.raises(NotPermitted):
        services.upload_resume(candidate=candidate, upload=upload("a.pdf", tiny_pdf()), by=world.manager)
    assert stored_files(resume_folder) == []


def test_materials_are_checked_and_their_event_names_fields_not_values(world):
    candidate = CandidateFactory()
    with pytest.raises(Exception) as refused:
        services.update_materials(
            candidate=candidate, by=world.recruiter, phone="call me", linkedin_url="javascript:alert(1)"
        )
    assert set(refused.value.message_dict) == {"phone", "linkedin_url"}
    services.update_materials(
        candidate=candidate,
        by=world.recruiter,
        phone="+44 20 7946 0958",
        linkedin_url="https://www.linkedin.com/in/someone",
        recruiter_notes="Salary expectations above band.",
    )
    candidate.refresh_from_db()
    assert candidate.phone == "+44 20 7946 0958"
    event = Event.objects.filter(candidate=candidate).latest("id")
    assert event.data == {"changed_fields": ["linkedin_url", "phone", "recruiter_notes"]}
    assert "Salary" not in str(event.data)


# --- who may download it ------------------------------------------------------------------


@pytest.fixture
def loop_with_resume(world):
    loop = world.scheduled_loop()
    services.upload_resume(candidate=loop.candidate, upload=upload("Ana CV.pdf", tiny_pdf()), by=world.recruiter)
    return loop


def resume_url(loop) -> str:
    return reverse("resume_download", kwargs={"candidate_id": loop.candidate_id})


def test_a_panel_interviewer_downloads_the_resume_as_an_attachment(world, client, loop_with_resume):
    panelist = loop_with_resume.rounds.select_related("interviewer__user").order_by("order")[1].interviewer.user
    client.force_login(panelist)
    response = client.get(resume_url(loop_with_resume))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;") and "Ana CV.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == tiny_pdf()


@pytest.mark.parametrize("who", ["recruiter", "manager"])
def test_the_recruiter_and_the_hiring_manager_download_it(world, client, loop_with_resume, who):
    client.force_login(getattr(world, who))
    assert client.get(resume_url(loop_with_resume)).status_code == 200


def test_an_interviewer_off_the_panel_or_a_stranger_never_gets_it(world, client, loop_with_resume):
    outsider = InterviewerFactory(user=UserFactory(username="olga"), department=world.engineering, level=world.senior)
    client.force_login(outsider.user)
    assert client.get(resume_url(loop_with_resume)).status_code == 404
    # A manager of another position, with no seat on this loop.
    other_manager = UserFactory(username="otto")
    client.force_login(other_manager)
    assert client.get(resume_url(loop_with_resume)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in_and_gets_no_file(client, loop_with_resume):
    response = client.get(resume_url(loop_with_resume))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_there_is_no_public_address_for_a_resume(world, client, loop_with_resume):
    candidate = Candidate.objects.get(pk=loop_with_resume.candidate_id)
    client.force_login(world.recruiter)
    # Whatever address a storage would make up for the file, nothing serves it.
    for address in (storages["resumes"].url(candidate.resume.name), f"/media/{candidate.resume.name}"):
        assert client.get(address).status_code == 404


# --- the packet: résumé link, kit, job description ----------------------------------------


def test_the_packet_shows_the_resume_link_the_kit_and_the_job_description(world, client, loop_with_resume):
    round_ = (
        Round.objects.select_related("interviewer__user", "template").filter(loop=loop_with_resume).order_by("order")[1]
    )
    template = round_.template
    template.instructions = "Start with the cache question; leave ten minutes for theirs."
    template.save()
    competency = round_.competencies.first()
    Question.objects.create(competency=competency, text="How would you shard this table?", guidance="Names the key.")
    Question.objects.create(competency=competency, text="A retired question", active=False)
    world.position.description = "You will own the billing service end to end."
    world.position.save()
    client.force_login(round_.interviewer.user)
    html = client.get(reverse("round", kwargs={"round_id": round_.pk})).content.decode()
    assert resume_url(loop_with_resume) in html and "Ana CV.pdf" in html
    assert "Start with the cache question" in html
    assert "How would you shard this table?" in html and "Names the key." in html
    assert "A retired question" not in html
    assert "You will own the billing service end to end." in html
    # The kit is beside the scorecard too.
    html = client.get(reverse("scorecard", kwargs={"round_id": round_.pk})).content.decode()
    assert "How would you shard this table?" in html and "Start with the cache question" in html


def test_the_packets_queries_do_not_grow_with_the_question_bank(world, client, loop_with_resume):
    round_ = Round.objects.select_related("interviewer__user").filter(loop=loop_with_resume).order_by("order")[1]
    competency = round_.competencies.first()
    client.force_login(round_.interviewer.user)
    url = reverse("round", kwargs={"round_id": round_.pk})

    def count(n: int) -> int:
        Question.objects.bulk_create([Question(competency=competency, text=f"Q{i}") for i in range(n)])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assert count(2) == count(40)


# --- the private note to the recruiter ------------------------------------------------------


@pytest.fixture
def noted(world):
    """A loop where the first interviewer wrote a private note, and every other submitted."""
    loop = world.scheduled_loop(start=timezone.now() - dt.timedelta(hours=8))
    # Round 0 is the hiring manager's own seat (World.panel_for): the note is written in round 1.
    rounds = list(loop.rounds.select_related("interviewer__user").order_by("order"))[1:]
    assert world.manager.pk not in {r.interviewer.user_id for r in rounds}
    first = rounds[0]
    services.submit_scorecard(
        round=first,
        by=first.interviewer.user,
        ratings={c.pk: 3 for c in first.competencies.all()},
        recommendation="yes",
        notes="Good.",
        key_takeaways="Clear thinker.",
        private_note="PRIVATE-NOTE: they mentioned a competing offer.",
    )
    world.submit(rounds[1])
    return loop, rounds


def test_the_private_note_is_invisible_to_the_hiring_manager_and_the_panel_on_the_pages(world, client, noted):
    loop, rounds = noted
    client.force_login(world.manager)
    debrief = client.get(reverse("debrief", kwargs={"loop_id": loop.pk})).content.decode()
    assert "Clear thinker." in debrief and "PRIVATE-NOTE" not in debrief
    card = Scorecard.objects.get(round=rounds[0], is_current=True)
    assert "PRIVATE-NOTE" not in client.get(reverse("scorecard_detail", args=[card.pk])).content.decode()
    # Another interviewer who has submitted sees the panel's cards, not the note.
    client.force_login(rounds[1].interviewer.user)
    packet = client.get(reverse("round", kwargs={"round_id": rounds[1].pk})).content.decode()
    assert "Clear thinker." in packet and "PRIVATE-NOTE" not in packet
    assert "PRIVATE-NOTE" not in client.get(reverse("scorecard_detail", args=[card.pk])).content.decode()
    # The recruiter reads it on the debrief.
    client.force_login(world.recruiter)
    assert "PRIVATE-NOTE" in client.get(reverse("debrief", kwargs={"loop_id": loop.pk})).content.decode()


def test_the_private_note_reaches_the_api_for_recruiters_and_its_author_only(world, token_for, noted):
    loop, rounds = noted
    card = Scorecard.objects.get(round=rounds[0], is_current=True)
    url = f"/api/v1/scorecards/{card.pk}/"
    assert token_for(world.recruiter).get(url).json()["private_note"].startswith("PRIVATE-NOTE")
    assert token_for(rounds[0].interviewer.user).get(url).json()["private_note"].startswith("PRIVATE-NOTE")
    for reader in (world.manager, rounds[1].interviewer.user):
        body = token_for(reader).get(url).json()
        assert body["private_note"] is None and body["key_takeaways"] == "Clear thinker."
        listed = token_for(reader).get("/api/v1/scorecards/", {"loop": loop.pk}).json()
        assert "PRIVATE-NOTE" not in str(listed)
    # Never in an event (so never in a webhook), for anyone.
    assert not Event.objects.filter(data__icontains="PRIVATE-NOTE").exists()
    assert "PRIVATE-NOTE" not in str(token_for(world.recruiter).get("/api/v1/events/").json())


def test_the_private_note_and_take_aways_are_autosaved_with_the_draft(world, client):
    loop = world.scheduled_loop()
    round_ = Round.objects.select_related("interviewer__user").filter(loop=loop).order_by("order")[0]
    client.force_login(round_.interviewer.user)
    response = client.post(
        reverse("scorecard_autosave", kwargs={"round_id": round_.pk}),
        {"mode": "submit", "key_takeaways": "Fast learner.", "private_note": "Ask about visa."},
    )
    assert response.status_code == 200, response.content
    draft = Scorecard.objects.get(round=round_, submitted_at__isnull=True)
    assert (draft.key_takeaways, draft.private_note) == ("Fast learner.", "Ask about visa.")


# --- the API: fields and the upload -------------------------------------------------------


def test_the_api_uploads_a_resume_and_refuses_a_wrong_type_with_nothing_changed(world, token_for, resume_folder):
    candidate = CandidateFactory()
    api = token_for(world.recruiter)
    url = f"/api/v1/candidates/{candidate.pk}/resume/"
    refused = api.post(url, {"file": upload("cv.pdf", PNG)}, format="multipart")
    assert refused.status_code == 400 and "resume" in refused.json()
    assert stored_files(resume_folder) == []
    assert api.post(url, {}, format="multipart").status_code == 400
    assert api.post(url, {"file": "text"}, format="json").status_code == 415
    done = api.post(url, {"file": upload("cv.pdf", tiny_pdf())}, format="multipart")
    assert done.status_code == 200, done.content
    assert done.json()["resume"]["file_name"] == "cv.pdf"
    assert done.json()["resume"]["download_url"] == f"/candidates/{candidate.pk}/resume/"


def test_the_api_refuses_an_upload_over_the_cap_before_reading_it(world, token_for, settings, resume_folder):
    settings.HIRING_RESUME_MAX_BYTES = 1000
    candidate = CandidateFactory()
    big = tiny_pdf() + b"x" * (100 * 1024)
    response = token_for(world.recruiter).post(
        f"/api/v1/candidates/{candidate.pk}/resume/", {"file": upload("cv.pdf", big)}, format="multipart"
    )
    assert response.status_code == 400 and "file" in response.json()
    assert stored_files(resume_folder) == []


def test_the_api_writes_materials_and_shows_phone_and_notes_to_recruiters_only(world, token_for):
    loop = world.scheduled_loop()
    api = token_for(world.recruiter)
    url = f"/api/v1/candidates/{loop.candidate_id}/"
    bad = api.patch(url, {"linkedin_url": "not a url", "phone": 12}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"code", "linkedin_url", "phone"}
    ok = api.patch(
        url,
        {"phone": "+1 555 0100", "linkedin_url": "https://linkedin.com/in/x", "recruiter_notes": "Keen."},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["recruiter_notes"] == "Keen."
    panelist = loop.rounds.select_related("interviewer__user").order_by("order")[1].interviewer.user
    seen = token_for(panelist).get(url).json()
    assert seen["linkedin_url"] == "https://linkedin.com/in/x"
    assert seen["phone"] is None and seen["recruiter_notes"] is None


# --- erasure and export -------------------------------------------------------------------


def test_erasure_deletes_the_resume_file_and_blanks_the_materials(
    world, resume_folder, loop_with_resume, django_capture_on_commit_callbacks
):
    candidate = Candidate.objects.get(pk=loop_with_resume.candidate_id)
    services.update_materials(
        candidate=candidate,
        by=world.recruiter,
        phone="+1 555 0100",
        recruiter_notes="Keen.",
        portfolio_url="https://x.dev",
    )
    assert stored_files(resume_folder)
    with django_capture_on_commit_callbacks(execute=True):
        services.erase_candidate(candidate=candidate, by=world.recruiter, force=True)
    candidate.refresh_from_db()
    assert stored_files(resume_folder) == []
    assert not candidate.resume and candidate.resume_name == ""
    assert (candidate.phone, candidate.portfolio_url, candidate.recruiter_notes) == ("", "", "")


def test_the_export_holds_the_materials(world, loop_with_resume):
    candidate = Candidate.objects.get(pk=loop_with_resume.candidate_id)
    services.update_materials(candidate=candidate, by=world.recruiter, phone="+1 555 0100", recruiter_notes="Keen.")
    document = services.export_candidate(candidate=candidate, by=world.recruiter)
    assert document["candidate"]["phone"] == "+1 555 0100"
    assert document["candidate"]["recruiter_notes"] == "Keen."
    assert document["candidate"]["resume"]["file_name"] == "Ana CV.pdf"


# --- the admin ------------------------------------------------------------------------------


def admin_post(candidate: Candidate, **extra) -> dict:
    return {
        "full_name": candidate.full_name,
        "email": candidate.email,
        "time_zone": candidate.time_zone,
        "preferred_language": candidate.preferred_language,
        "source": candidate.source,
        "phone": "",
        "linkedin_url": "",
        "portfolio_url": "",
        "recruiter_notes": "",
        **extra,
    }


def test_the_admin_uploads_a_resume_and_refuses_a_renamed_png_with_nothing_saved(world, client, resume_folder):
    candidate = CandidateFactory()
    client.force_login(world.recruiter)
    url = reverse("admin:hiring_candidate_change", args=[candidate.pk])
    refused = client.post(url, admin_post(candidate, phone="+1 555", resume_upload=upload("cv.pdf", PNG)))
    assert refused.status_code == 200
    assert "PDF or a Word" in refused.content.decode()
    candidate.refresh_from_db()
    assert candidate.phone == "" and not candidate.resume and stored_files(resume_folder) == []
    saved = client.post(url, admin_post(candidate, phone="+1 555", resume_upload=upload("cv.pdf", tiny_pdf())))
    assert saved.status_code == 302, saved.content.decode()[:3000]
    candidate.refresh_from_db()
    assert candidate.phone == "+1 555" and candidate.resume_name == "cv.pdf"
    page = client.get(url).content.decode()
    assert reverse("resume_download", kwargs={"candidate_id": candidate.pk}) in page


def test_the_question_bank_list_costs_the_same_queries_at_two_sizes(world, client):
    world.recruiter.is_superuser = True
    world.recruiter.save()
    client.force_login(world.recruiter)
    competency = CompetencyFactory(name="Coding")

    def count(n: int) -> int:
        Question.objects.bulk_create([Question(competency=competency, text=f"Question {i}") for i in range(n)])
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/hiring/question/").status_code == 200
        return len(queries)

    assert count(3) == count(60)
