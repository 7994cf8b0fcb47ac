"""A trainer's cohort (a class or a workshop), its join code and its learners."""

import secrets

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

# No 0/O, 1/I/L, or U/V: a code read aloud or copied off a projector reaches the right cohort.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"
CODE_LENGTH = 8


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a learner typed, as stored: case, spaces and dashes do not matter."""
    return "".join(text.split()).replace("-", "").upper()


class Cohort(models.Model):
    name = models.CharField(max_length=120)
    trainer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cohorts_run"
    )
    join_code = models.CharField(max_length=CODE_LENGTH, unique=True, default=new_join_code)
    # The labs this cohort works through, in order; empty means any lab a learner starts.
    lab_ids = models.JSONField(default=list, blank=True)
    # Joining is open from starts_at until ends_at (either may be empty: no limit).
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def group_name(self) -> str:
        """The channel group that carries this cohort's progress to the trainer's board."""
        return f"cohort.{self.pk}"

    def join_problem(self, now=None) -> str:
        """Why the code cannot be used right now, in words for the learner; "" if it can."""
        now = now or timezone.now()
        if self.starts_at and now < self.starts_at:
            return f"{self.name} opens on {self.starts_at:%Y-%m-%d %H:%M} UTC."
        if self.ends_at and now >= self.ends_at:
            return f"{self.name} has ended; its join code no longer works."
        return ""

    def regenerate_code(self, attempts: int = 5) -> str:
        """A fresh code (the old one stops working); retries the rare clash with another."""
        for _ in range(attempts):
            code = new_join_code()
            try:
                with transaction.atomic():
                    Cohort.objects.filter(pk=self.pk).update(join_code=code)
            except IntegrityError:
                continue
            self.join_code = code
            return code
        raise RuntimeError("could not find a free join code")


class Membership(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "learner"], name="one_membership_per_cohort")
        ]

    def __str__(self) -> str:
        return f"{self.learner} in {self.cohort}"
