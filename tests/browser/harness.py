"""Helpers for the browser tests: the running stack, the browser flags, logging in."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page

from scripts.stack import ROOT, Stack

CHROMIUM = Path("/usr/bin/chromium")
# Root, headless, closed network: these are the flags that work here (docs: verified-here).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
STUDENT = ("student", "student-pass")


@dataclass
class LiveStack:
    stack: Stack
    log: Path

    @property
    def url(self) -> str:
        return self.stack.url

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def create_student(self) -> tuple[str, str]:
        """A fresh learner, so each test starts its own lab session from nothing."""
        username, password = f"learner-{secrets.token_hex(4)}", secrets.token_urlsafe(12)
        code = (
            "from django.contrib.auth.models import User; "
            f"User.objects.create_user({username!r}, password={password!r})"
        )
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env={**os.environ, **self.stack.env},
            check=True,
            capture_output=True,
        )
        return username, password


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("form [type=submit]")
    assert "/accounts/login/" not in page.url, f"login as {username} failed"
