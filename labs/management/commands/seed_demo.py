from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

# Demo logins printed by `make run`; for a local machine only.
DEMO_ACCOUNTS = [
    {"username": "student", "password": "student-pass", "is_staff": False},
    {"username": "trainer", "password": "trainer-pass", "is_staff": True},
]


class Command(BaseCommand):
    help = "Create (or reset) the demo student and trainer accounts."

    def handle(self, *args, **options):
        User = get_user_model()
        for account in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(username=account["username"])
            user.is_staff = account["is_staff"]
            user.set_password(account["password"])
            user.save()
            role = "trainer" if account["is_staff"] else "student"
            self.stdout.write(f"{role:8} {account['username']} / {account['password']}")
