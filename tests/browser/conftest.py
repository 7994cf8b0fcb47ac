"""The real stack, started as processes, and Debian's Chromium driven by Playwright.

Run these in their own pytest process (`make test-browser`): Playwright's sync API and
pytest-asyncio clash on the event loop. The stack is the one `make run` starts (scripts/stack.py),
on free ports, with a temporary SQLite database and var dir, and its own bundled Redis.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from scripts.run import prepare
from scripts.stack import ROOT, StackConfig, plan_stack
from scripts.supervisor import Supervisor, free_port
from tests.browser.harness import CHROMIUM, CHROMIUM_FLAGS, LiveStack

# pytest sets a failed session fixture up again for every test: remember the first failure.
_stack_failure: list[str] = []


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    if _stack_failure:
        pytest.fail(f"the stack did not start (see the first test): {_stack_failure[0]}")
    var_dir = tmp_path_factory.mktemp("var")
    config = StackConfig(
        var_dir=var_dir,
        web_port=free_port(),
        with_beat=False,
        extra_env={"CHANNEL_PREFIX": f"ppl-browser-{secrets.token_hex(3)}"},
    )
    stack = plan_stack(config)
    log = var_dir / "stack.log"
    with log.open("w") as output:
        supervisor = Supervisor(ROOT, output=output)
        try:
            try:
                prepare(stack)
                for stage in stack.stages:
                    supervisor.start_all(stage)
            except Exception as error:
                _stack_failure.append(str(error).splitlines()[0])
                raise
            yield LiveStack(stack, log)
        finally:
            supervisor.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test-deps` installs Debian's chromium")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser, live_stack: LiveStack, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(base_url=live_stack.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(f"--- last lines of the stack's output ({live_stack.log}) ---")
        print(live_stack.log_tail())


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    """Keep the call-phase report on the test item, so `page` can show the log on failure."""
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report
