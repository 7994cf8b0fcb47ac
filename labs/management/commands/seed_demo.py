from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from cohorts.models import Cohort, Membership
from labs.loader import load_labs

# Demo logins printed by `make run`; for a local machine only.
DEMO_ACCOUNTS = [
    {"username": "student", "password": "student-pass", "is_staff": False},
    {"username": "trainer", "password": "trainer-pass", "is_staff": True},
]
DEMO_COHORT = "Demo workshop"
DEMO_COHORT_LABS = 3


class Command(BaseCommand):
    help = "Create (or reset) the demo student and trainer accounts and their demo cohort."

    def handle(self, *args, **options):
        User = get_user_model()
        for account in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(username=account["username"])
            user.is_staff = account["is_staff"]
            user.set_password(account["password"])
            user.save()
            role = "trainer" if account["is_staff"] else "student"
            self.stdout.write(f"{role:8} {account['username']} / {account['password']}")
        cohort = seed_demo_cohort(
            trainer=User.objects.get(username="trainer"),
            learner=User.objects.get(username="student"),
        )
        self.stdout.write(f"cohort   {cohort.name}: join code {cohort.join_code}")


def seed_demo_cohort(trainer, learner) -> Cohort:
    """The trainer's "Demo workshop" over the first labs, with the student in it."""
    cohort, created = Cohort.objects.get_or_create(name=DEMO_COHORT, trainer=trainer)
    if created:
        cohort.lab_ids = list(load_labs())[:DEMO_COHORT_LABS]
        cohort.save(update_fields=["lab_ids"])
    Membership.objects.get_or_create(cohort=cohort, learner=learner)
    return cohort
