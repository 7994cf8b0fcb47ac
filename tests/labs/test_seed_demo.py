import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_demo_logins_idempotently(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    assert get_user_model().objects.count() == 2
    assert authenticate(username="student", password="student-pass").is_staff is False
    assert authenticate(username="trainer", password="trainer-pass").is_staff is True
    assert "student / student-pass" in capsys.readouterr().out
