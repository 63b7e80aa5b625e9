"""The position board in a real browser (issue 12): every column and control reachable
on a phone and side by side on a wide screen; no critical or serious axe-core finding."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import CandidateFactory
from tests.test_workspace_browser import PHONE, WIDE, admin_sign_in, axe_findings, reachable

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def busy_board(world):
    for name in ("Dana Draft", "Dev Draft"):
        world.start_loop(CandidateFactory(full_name=name))
    world.scheduled_loop(CandidateFactory(full_name="Sol Scheduled"), start=timezone.now() + dt.timedelta(days=2))
    world.awaiting_decision_loop(CandidateFactory(full_name="Ava Awaiting"))
    vetoed = world.scheduled_loop(CandidateFactory(full_name="Vic Vetoed"))
    world.submit(vetoed.rounds.get(order=1), veto=True, veto_reason="Dishonest.", recommendation="strong_no")


def test_the_board_shows_its_columns_side_by_side_at_1440_and_stacked_at_390(world, web_page):
    page = web_page
    busy_board(world)
    admin_sign_in(page, world.recruiter.username)
    ARTIFACTS.mkdir(exist_ok=True)

    page.set_viewport_size(WIDE)
    page.goto(f"/admin/hiring/position/board/?position={world.position.pk}")
    columns = page.locator(".hl-board > .hl-column")
    assert columns.count() == 4
    tops = {round(columns.nth(i).bounding_box()["y"]) for i in range(4)}
    assert len(tops) == 1, "the open columns sit side by side at 1440 px"
    right = max(columns.nth(i).bounding_box()["x"] + columns.nth(i).bounding_box()["width"] for i in range(4))
    assert right <= WIDE["width"], "no column is cut off at 1440 px"
    assert page.locator(".hl-column-awaiting_decision .hl-card-name").inner_text() == "Ava Awaiting"
    page.screenshot(path=str(ARTIFACTS / "board-1440.png"), full_page=True)

    page.set_viewport_size(PHONE)
    page.goto(f"/admin/hiring/position/board/?position={world.position.pk}")
    xs = {round(columns.nth(i).bounding_box()["x"]) for i in range(4)}
    assert len(xs) == 1, "the columns stack at 390 px"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, "nothing scrolls sideways"
    for link in (
        page.get_by_role("button", name="Show"),
        page.get_by_role("link", name="Export CSV"),
        page.locator(".hl-column-awaiting_decision .hl-card-loop"),
        page.locator(".hl-column-draft .hl-card-name").last,
    ):
        assert reachable(page, link), f"{link} is not reachable at 390 px"
    # The closed columns are folded: open "Rejected" and the vetoed card is there, flagged.
    rejected = page.locator("details.hl-column-rejected")
    assert not rejected.locator(".hl-card").first.is_visible()
    rejected.locator("summary").click()
    assert rejected.locator(".hl-flag-vetoed").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "board-390.png"), full_page=True)

    # A filter narrows the board.
    page.locator("#board-flag").select_option("vetoed")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**flag=vetoed**")
    assert page.locator(".hl-card").count() == 1


def test_axe_finds_nothing_critical_or_serious_on_the_board_my_action_and_schedule_form(world, web_page):
    page = web_page
    busy_board(world)
    planned = world.start_loop(CandidateFactory(full_name="Pat Planned")).rounds.order_by("order").first()
    admin_sign_in(page, world.recruiter.username)
    pages = {
        "board": f"/admin/hiring/position/board/?position={world.position.pk}",
        "board, all positions": "/admin/hiring/position/board/",
        "needs my action": "/admin/hiring/position/my-action/",
        "admin index": "/admin/",
        "schedule form": f"/admin/hiring/round/{planned.pk}/schedule/",
    }
    found = {}
    for name, url in pages.items():
        for viewport in (PHONE, WIDE):
            page.set_viewport_size(viewport)
            page.goto(url)
            for details in page.locator("details").all():
                details.locator("summary").click()
            findings = axe_findings(page)
            if findings:
                found[f"{name} at {viewport['width']} px"] = findings
    if found:
        pytest.fail("axe-core findings:\n" + json.dumps(found, indent=1, ensure_ascii=False), pytrace=False)
