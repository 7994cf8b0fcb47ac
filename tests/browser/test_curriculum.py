"""Labs from three roadmap areas, done end to end by a student in Chromium on the real stack.

Each lab is started from the catalogue, done through the page's form or YAML editor, and every
step must turn green live (no reload). Then the catalogue shows the lab as done.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from labs.loader import get_lab
from labs.quiz import get_quiz
from tests.browser.harness import LiveStack, log_in

# Pulls run at wall-clock speed here: predict-default pulls a 72 MB nginx five times, serially.
STEP_TIMEOUT_MS = 90_000


def start(page: Page, live_stack: LiveStack, lab_id: str) -> None:
    log_in(page, *live_stack.create_student())
    page.goto("/")
    page.click(f'button[data-start-lab="{lab_id}"]')
    expect(page.locator("[data-testid=session-status]")).to_have_text("Ready", timeout=60_000)


def apply_yaml(page: Page, name: str, manifest: str) -> None:
    """Apply, then wait for the pod's row: the editor sends one request at a time."""
    page.fill("textarea[name=manifest]", manifest)
    page.click("[data-testid=apply]")
    expect(page.locator(f'tr[data-pod="{name}"]')).to_be_attached()
    expect(page.locator("[data-testid=apply-error]")).to_be_empty()


def create_with_form(page: Page, name: str, image: str, policy: str = "", node: str = "") -> None:
    page.fill("[name=pod_name]", name)
    page.fill("[name=image]", image)
    page.select_option("[name=policy]", policy)
    page.select_option("[name=node]", node)
    page.click("[data-testid=create-pod]")
    expect(page.locator(f'tr[data-pod="{name}"]')).to_be_attached()


def expect_every_step_passed(page: Page, lab_id: str) -> None:
    for step in get_lab(lab_id).steps:
        expect(page.locator(f'li[data-step="{step.id}"]')).to_have_attribute(
            "data-state", "passed", timeout=STEP_TIMEOUT_MS
        )


def expect_done_in_catalogue(page: Page, lab_id: str) -> None:
    page.goto("/")
    expect(page.locator(f'[data-lab="{lab_id}"] [data-progress]')).to_have_text("done")


def pod_yaml(name: str, image: str, extra_spec: str = "", annotations: str = "") -> str:
    metadata = f"name: {name}" + (f", annotations: {{{annotations}}}" if annotations else "")
    return (
        f"apiVersion: v1\nkind: Pod\nmetadata: {{{metadata}}}\nspec:\n{extra_spec}"
        f'  containers:\n  - name: main\n    image: "{image}"\n'
    )


def test_area_3_choose_the_policy_for_three_teams(page: Page, live_stack: LiveStack):
    start(page, live_stack, "choose-policy")
    apply_yaml(
        page,
        "dev",
        pod_yaml("dev", "lab/web:dev", "  nodeName: node-dev\n").replace(
            '"lab/web:dev"\n', '"lab/web:dev"\n    imagePullPolicy: Always\n'
        ),
    )
    digest = "sha256:264df890ac6d0a334932659cb576a34ef015926ff9bf35fcc3b3d3dfe48b16ef"
    apply_yaml(page, "prod", pod_yaml("prod", f"lab/web@{digest}", "  nodeName: node-prod\n"))
    create_with_form(page, "kiosk", "kiosk.local/kiosk/app:3.1", "Never", "node-kiosk")
    expect_every_step_passed(page, "choose-policy")
    expect(page.locator('tr[data-pod="dev"] [data-field=status]')).to_contain_text("Running")
    expect_done_in_catalogue(page, "choose-policy")


def test_area_17_the_imperative_drill(page: Page, live_stack: LiveStack):
    start(page, live_stack, "imperative-drill")
    create_with_form(page, "a", "nginx:1.27", "Never")
    create_with_form(page, "b", "nginx")
    c = pod_yaml("c", "busybox:1.36")
    # A lowercase policy is refused by the API server, in its words, and nothing is created.
    page.fill("textarea[name=manifest]", c + "    imagePullPolicy: always\n")
    page.click("[data-testid=apply]")
    expect(page.locator("[data-testid=apply-error]")).to_contain_text('Unsupported value: "always"')
    apply_yaml(page, "c", c + '    imagePullPolicy: Always\n    args: [sleep, "3600"]\n')
    expect_every_step_passed(page, "imperative-drill")
    expect_done_in_catalogue(page, "imperative-drill")


def test_area_2_predict_the_default_policy(page: Page, live_stack: LiveStack):
    start(page, live_stack, "predict-default")
    digest = "sha256:" + "d" * 64
    images = {
        "d1": ("nginx", "Always"),
        "d2": ("nginx:latest", "Always"),
        "d3": ("nginx:1.27", "IfNotPresent"),
        "d4": (f"nginx@{digest}", "IfNotPresent"),
        # The trap: a `latest` tag defaults to Always even when a digest pins the content.
        "d5": (f"nginx:latest@{digest}", "Always"),
    }
    for name, (image, predicted) in images.items():
        apply_yaml(page, name, pod_yaml(name, image, annotations=f"lab/predict: {predicted}"))
    expect_every_step_passed(page, "predict-default")
    expect_done_in_catalogue(page, "predict-default")


@pytest.mark.parametrize("area", [1])
def test_a_quiz_shows_each_explanation_and_the_score_after_answering(
    page: Page, live_stack: LiveStack, area: int
):
    log_in(page, *live_stack.create_student())
    page.goto("/")
    page.click(f'[data-quiz="{area}"] a')
    quiz = get_quiz(area)
    # Each radio button sits on the line of its answer's words (it once stood alone above them).
    choice = page.locator("label.choice").first
    radio, words = choice.locator("input").bounding_box(), choice.bounding_box()
    assert radio and words and radio["height"] > words["height"] / 2, (radio, words)
    for question in quiz.questions:
        page.check(f'li[data-question="{question.id}"] input[value="{question.answer}"]')
    page.click("[data-submit-quiz]")
    total = len(quiz.questions)
    expect(page.locator(".score")).to_have_text(f"Score: {total} / {total}")
    first = quiz.questions[0]
    expect(page.locator(f'li[data-question="{first.id}"] .explain')).to_be_visible()
