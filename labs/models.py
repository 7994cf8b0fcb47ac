"""A learner's lab session and the one numbered stream of everything that happened in it."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


def new_namespace() -> str:
    # A DNS-1123 label that names both the lab world and its namespace; random so that
    # ids of other learners' sessions cannot be guessed from it.
    return f"lab-{secrets.token_hex(5)}"


def default_expiry():
    return timezone.now() + timedelta(minutes=settings.LAB_SESSION_TTL_MINUTES)


class LabSessionQuerySet(models.QuerySet):
    def live(self) -> "LabSessionQuerySet":
        """Sessions whose world exists or is being made."""
        return self.filter(state__in=[LabSession.State.PROVISIONING, LabSession.State.READY])


class LabSession(models.Model):
    class State(models.TextChoices):
        PROVISIONING = "provisioning"
        READY = "ready"
        FAILED = "failed"
        ENDED = "ended"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    lab_id = models.CharField(max_length=100)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PROVISIONING)
    # Why the session failed, in words a learner can read.
    failure = models.TextField(blank=True)
    namespace = models.CharField(max_length=63, default=new_namespace, unique=True)
    # The learner's own credentials for their lab world: a secret, never rendered to others.
    kubeconfig = models.TextField(blank=True)
    # The highest seq handed out so far; bumped atomically for each new SessionEvent.
    last_seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=default_expiry)

    objects = LabSessionQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["state", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.lab_id} #{self.pk} ({self.state})"

    @property
    def group_name(self) -> str:
        """The channel group that carries this session's events to browsers."""
        return f"session.{self.pk}"


class SessionEvent(models.Model):
    class Kind(models.TextChoices):
        POD = "pod"
        EVENT = "event"
        STEP = "step"
        ACTION = "action"
        STATUS = "status"
        # Any other watched object (Deployment, ConfigMap, Secret keys, ...) and node facts.
        OBJECT = "object"
        NODE = "node"

    session = models.ForeignKey(LabSession, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    payload = models.JSONField()
    # Names what this event is (e.g. "pod:<uid>:<resourceVersion>") so a re-list after a
    # watch restart, or a retried task, records it only once.
    dedupe_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="unique_seq_per_session"),
            models.UniqueConstraint(
                fields=["session", "dedupe_key"], name="unique_dedupe_key_per_session"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}"

    def as_message(self) -> dict:
        """The JSON a browser receives, live or on replay."""
        return {"seq": self.seq, "kind": self.kind, "payload": self.payload}


class StepResult(models.Model):
    session = models.ForeignKey(LabSession, on_delete=models.CASCADE, related_name="step_results")
    step_id = models.CharField(max_length=100)
    passed_at = models.DateTimeField(auto_now_add=True)
    # The seq of the cluster event that made the check true.
    evidence_seq = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "step_id"], name="one_result_per_step")
        ]

    def __str__(self) -> str:
        return f"{self.step_id} passed (evidence #{self.evidence_seq})"


class QuizAttempt(models.Model):
    """One go at an area's quiz (or its timed section): the answers given and the score."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    area = models.PositiveSmallIntegerField()
    timed = models.BooleanField(default=False)
    # Question id -> the text of the choice given (answers are stored as text, like the bank).
    answers = models.JSONField(default=dict)
    score = models.PositiveSmallIntegerField(default=0)
    total = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    # A timed attempt must be submitted by this time (plus a little grace for the network).
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "area"])]

    def __str__(self) -> str:
        return f"area {self.area} quiz by {self.owner_id}: {self.score}/{self.total}"
