"""The kubectl console in the browser: the real kubectl, the session's own cluster, live steps."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.harness import LiveStack
from tests.browser.test_curriculum import expect_done_in_catalogue, expect_every_step_passed, start


def run(page: Page, line: str) -> None:
    page.locator("[data-testid=console] .xterm").click()
    page.keyboard.type(line)
    page.keyboard.press("Enter")


def test_area_17_the_imperative_drill_typed_in_the_console(page: Page, live_stack: LiveStack):
    start(page, live_stack, "imperative-drill")
    screen = page.locator("[data-testid=console] .xterm-rows")
    expect(page.locator("[data-console]")).to_have_attribute("data-connected", "true")
    run(page, "kubectl run a --image=nginx:1.27 --image-pull-policy=Never")
    expect(screen).to_contain_text("pod/a created")
    # kubectl's own check, before any request: the value is case-sensitive.
    run(page, "kubectl run c --image=busybox:1.36 --image-pull-policy=always -- sleep 3600")
    expect(screen).to_contain_text("error: invalid image pull policy: always")
    run(page, "kubectl run b --image=nginx")
    expect(screen).to_contain_text("pod/b created")
    run(page, "kubectl run c --image=busybox:1.36 --image-pull-policy=Always -- sleep 3600")
    expect(screen).to_contain_text("pod/c created")
    # A line that would read the platform's files is refused, and says what to do instead.
    run(page, "kubectl create -f /etc/passwd")
    expect(screen).to_contain_text("files are not read here")
    expect_every_step_passed(page, "imperative-drill")
    run(page, "kubectl get pod b -o jsonpath={.spec.containers[0].imagePullPolicy}")
    expect(screen).to_contain_text("Always")
    expect_done_in_catalogue(page, "imperative-drill")
