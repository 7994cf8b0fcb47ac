"""The trainer's live progress board (cohorts app), watched in Chromium against the real stack.

A trainer keeps the "Demo workshop" board open (seeded by `manage.py seed_demo`); a fresh learner
joins with the board's join code in a second browser context and works on lab 1. The board must
follow along over its websocket with no reload: a passed step turns its cell green, and a pod that
can never start shows the learner as stuck, in the kubelet's words, unless a step asked for that
very error.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.harness import LiveStack, log_in
from tests.browser.test_lab1 import (
    REFERENCE_PODS,
    STEP_TIMEOUT_MS,
    PodCase,
    assert_same_document,
    create_pod_with_form,
    mark_document,
    start_lab,
)

TRAINER = ("trainer", "trainer-pass")
DEMO_COHORT = "Demo workshop"
LAB = "three-policies"
P_IFNP = REFERENCE_PODS[1]  # IfNotPresent on node-1, where the image is cached: passes ifnp-cached
P_NEVER_2 = REFERENCE_PODS[3]  # Never on node-2, where the image is not cached: never starts
# The same mistake under a name no step asks for: a learner who misread step 4.
P_TYPO = PodCase("p-nevr-2", "Never", "node-2", "never-uncached")
# The kubelet's message for P_NEVER_2: pkg/kubelet/images/image_manager.go EnsureImageExists
# (ErrImageNeverPull), as clusters/sim/imagemanager.py words it.
NEVER_PULL_MESSAGE = 'Container image "lab/web:1.0" is not present with pull policy of Never'


def open_demo_board(page: Page) -> str:
    """Open the demo cohort's board from the trainer's cohort list; return its path."""
    page.goto("/cohorts/")
    page.click(f"text={DEMO_COHORT}")
    expect(page.locator("[data-testid=board-live]")).to_have_text("live")
    return page.url.removeprefix(page.url.split("/cohorts/")[0])


def learner_row(board: Page, username: str) -> Locator:
    return board.locator("table.board tbody tr[data-learner]").filter(
        has=board.get_by_role("link", name=username, exact=True)
    )


def board_cell(row: Locator, step_id: str) -> Locator:
    return row.locator(f'td.cell[data-lab="{LAB}"][data-step="{step_id}"]')


def test_the_board_follows_a_learner_live_and_shows_them_stuck(
    page: Page, browser: Browser, live_stack: LiveStack
):
    board = page
    log_in(board, *TRAINER)
    open_demo_board(board)
    join_code = board.locator("[data-testid=join-code]").inner_text()
    marker = mark_document(board)

    student_context = browser.new_context(base_url=live_stack.url)
    student_context.set_default_timeout(15_000)
    student = student_context.new_page()
    username, password = live_stack.create_student()
    log_in(student, username, password)
    student.goto(f"/cohorts/join/?code={join_code}")
    student.click("form[action='/cohorts/join/'] [type=submit]")
    expect(student.get_by_text(f"You joined {DEMO_COHORT}.")).to_be_visible()

    start_lab(student)
    # The learner joined after the board was made: their row arrives with their first event.
    row = learner_row(board, username)
    expect(row.locator("[data-field=lab]")).to_have_text("Three policies, one image")
    expect(board_cell(row, P_IFNP.step)).to_have_attribute("data-state", "open")

    create_pod_with_form(student, P_IFNP)
    expect(board_cell(row, P_IFNP.step)).to_have_attribute(
        "data-state", "passed", timeout=STEP_TIMEOUT_MS
    )
    expect(row.locator("[data-field=problems] li")).to_have_count(0)

    create_pod_with_form(student, P_TYPO)
    problem = row.locator('[data-field=problems] li[data-slot="pod"]')
    expect(problem).to_have_attribute("data-reason", "ErrImageNeverPull", timeout=STEP_TIMEOUT_MS)
    expect(problem).to_contain_text(f"pod {P_TYPO.name}: {NEVER_PULL_MESSAGE}")
    expect(board_cell(row, P_NEVER_2.step)).to_have_attribute("data-state", "open")

    # The error step 4 asks for: its cell turns green and the learner is not stuck.
    create_pod_with_form(student, P_NEVER_2)
    expect(board_cell(row, P_NEVER_2.step)).to_have_attribute(
        "data-state", "passed", timeout=STEP_TIMEOUT_MS
    )
    expect(row.locator("[data-field=problems] li")).to_have_count(0)
    expect(board_cell(row, "always-resolves")).to_have_attribute("data-state", "open")
    assert_same_document(board, marker)

    # The learner's timeline: every session event, numbered in order, in plain words.
    board.click(f"table.board tbody a:text-is('{username}')")
    lines = board.locator("section.timeline ol.timeline-events li[data-seq]")
    expect(lines.filter(has_text=f"step {P_IFNP.step} passed")).to_have_count(1)
    expect(lines.filter(has_text=f"pod {P_NEVER_2.name}: ").last).to_contain_text(
        NEVER_PULL_MESSAGE, timeout=STEP_TIMEOUT_MS
    )
    numbered = lines.evaluate_all(
        "(items) => items.map((li) => [Number(li.dataset.seq), li.querySelector('.seq').innerText])"
    )
    seqs = [seq for seq, _ in numbered]
    assert seqs[0] == 1 and seqs == sorted(set(seqs)), f"timeline out of order: {seqs}"
    assert all(shown == f"#{seq}" for seq, shown in numbered), numbered
    student_context.close()


def test_someone_outside_the_cohort_gets_404_for_its_board(
    page: Page, browser: Browser, live_stack: LiveStack
):
    trainer_context = browser.new_context(base_url=live_stack.url)
    trainer = trainer_context.new_page()
    log_in(trainer, *TRAINER)
    board_path = open_demo_board(trainer)
    assert re.fullmatch(r"/cohorts/\d+/", board_path), board_path
    trainer_context.close()

    log_in(page, *live_stack.create_student())
    response = page.goto(board_path)
    assert response is not None and response.status == 404
    response = page.goto(f"{board_path}export.json")
    assert response is not None and response.status == 404
