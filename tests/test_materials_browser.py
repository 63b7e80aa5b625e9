"""The résumé and the interview kit in a real browser (issue 12): an interviewer on the
panel opens the packet, reads the kit and the job description, and downloads the résumé."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hiring import services
from hiring.management.commands.seed_demo import tiny_pdf
from hiring.models import Question, Round
from tests.test_browser import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTIFACTS = Path(os.environ.get("SCREENSHOT_DIR") or Path(__file__).resolve().parent.parent / "test-artifacts")


@pytest.fixture(autouse=True)
def resume_folder(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "resumes": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "resumes"), "base_url": None},
        },
    }
    return tmp_path / "resumes"


def test_a_panel_interviewer_downloads_the_resume_from_the_packet(world, web_page, tmp_path):
    page = web_page
    loop = world.scheduled_loop(start=timezone.now() - dt.timedelta(hours=3))
    services.upload_resume(
        candidate=loop.candidate,
        upload=SimpleUploadedFile("Ana Lima CV.pdf", tiny_pdf("Ana Lima - Backend Engineer"), "application/pdf"),
        by=world.recruiter,
    )
    services.update_materials(
        candidate=loop.candidate, by=world.recruiter, linkedin_url="https://www.linkedin.com/in/ana-lima"
    )
    round_ = Round.objects.select_related("interviewer__user", "template").filter(loop=loop).order_by("order")[1]
    round_.template.instructions = "Use one exercise from the bank; let them drive."
    round_.template.save()
    Question.objects.create(
        competency=round_.competencies.first(), text="How would you shard this table?", guidance="Names the key."
    )
    world.position.description = "Own the services behind interview scheduling."
    world.position.save()

    sign_in(page, round_.interviewer.user.username, going_to=f"/rounds/{round_.pk}/")
    page.get_by_role("heading", name="Interview kit").wait_for()
    assert page.get_by_text("How would you shard this table?").is_visible()
    assert page.get_by_text("Own the services behind interview scheduling.").is_visible()
    link = page.get_by_role("link", name="Download the résumé")
    assert link.is_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "packet-resume-1280.png"), full_page=True)

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == "Ana Lima CV.pdf"
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == tiny_pdf("Ana Lima - Backend Engineer")

    # The kit is beside the scorecard too.
    page.goto(f"/rounds/{round_.pk}/scorecard/")
    assert page.get_by_text("How would you shard this table?").is_visible()
    assert page.get_by_label("Key take-aways").is_visible()
    assert page.get_by_label("Private note to the recruiter (optional)").is_visible()
    page.screenshot(path=str(ARTIFACTS / "scorecard-kit-1280.png"), full_page=True)


def test_an_interviewer_off_the_panel_gets_no_resume_in_the_browser(world, web_page):
    from tests.factories import InterviewerFactory, UserFactory

    page = web_page
    loop = world.scheduled_loop()
    services.upload_resume(
        candidate=loop.candidate,
        upload=SimpleUploadedFile("cv.pdf", tiny_pdf("x"), "application/pdf"),
        by=world.recruiter,
    )
    outsider = InterviewerFactory(user=UserFactory(username="olga"), department=world.engineering, level=world.senior)
    sign_in(page, outsider.user.username)
    response = page.goto(f"/candidates/{loop.candidate_id}/resume/")
    assert response.status == 404
