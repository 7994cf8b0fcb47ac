"""The kubelet image manager's decisions, as small pure functions.

Upstream: pkg/kubelet/images/image_manager.go (EnsureImageExists, imagePullPrecheck,
shouldPullImage, applyDefaultImageTag, evalCRIPullErr), pkg/kubelet/images/types.go (the
sentinel errors that become waiting reasons), pkg/kubelet/events/event.go (event reasons) and
client-go/util/flowcontrol/backoff.go (the per pod+image back-off).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from clusters.sim.reference import InvalidReference, parse_image_name

# Event reasons (pkg/kubelet/events/event.go).
PULLING_IMAGE = "Pulling"
PULLED_IMAGE = "Pulled"
FAILED_TO_PULL_IMAGE = "Failed"
FAILED_TO_INSPECT_IMAGE = "InspectFailed"
ERR_IMAGE_NEVER_PULL_POLICY = "ErrImageNeverPull"
BACK_OFF_PULL_IMAGE = "BackOff"
FAILED_TO_CREATE_CONTAINER = "Failed"
CREATED_CONTAINER = "Created"
STARTED_CONTAINER = "Started"
KILLING_CONTAINER = "Killing"

# Waiting reasons (pkg/kubelet/images/types.go).
ERR_IMAGE_PULL = "ErrImagePull"
ERR_IMAGE_PULL_BACK_OFF = "ImagePullBackOff"
ERR_IMAGE_NEVER_PULL = "ErrImageNeverPull"
ERR_INVALID_IMAGE_NAME = "InvalidImageName"
ERR_IMAGE_INSPECT = "ImageInspectError"
ERR_REGISTRY_UNAVAILABLE = "RegistryUnavailable"

IMAGE_BACK_OFF_PERIOD = 10.0  # pkg/kubelet/kubelet.go imageBackOffPeriod
MAX_IMAGE_BACK_OFF = 300.0  # MaxImageBackOff
CONTAINER_BACK_OFF = 10.0  # pkg/kubelet/kubelet.go backOffPeriod for crashing containers
MAX_CONTAINER_BACK_OFF = 300.0  # MaxContainerBackOff
POD_WORKER_BACK_OFF = 10.0  # pod_workers.go backOffPeriod: a failed sync is retried this often


def should_pull_image(policy: str, present: bool) -> bool:
    """shouldPullImage: Never never pulls; Always always does; IfNotPresent only when absent."""
    if policy == "Never":
        return False
    return policy == "Always" or (policy == "IfNotPresent" and not present)


def apply_default_image_tag(image: str) -> str:
    """applyDefaultImageTag: `busybox` becomes `busybox:latest`; raises on a bad reference."""
    _, tag, digest = parse_image_name(image)
    if not digest and tag and not image.endswith(":" + tag):
        image = f"{image}:{tag}"
    return image


def must_attempt_pull(
    entry: dict[str, Any],
    pod_credentials: str,
    enabled: bool,
    policy: str = "NeverVerifyPreloadedImages",
    allowlisted: bool = False,
) -> bool:
    """KEP-2535 imagePullManager.MustAttemptImagePull for an image already on the node.

    The pod may use a cached image pulled anonymously or with the same credentials. The policy
    (pullmanager image_pull_policies.go) exempts images from that check: NeverVerify all of
    them, NeverVerifyPreloadedImages those the kubelet never pulled (preloaded),
    NeverVerifyAllowlistedImages those matching preloadedImagesVerificationAllowlist. Otherwise
    the kubelet must pull again so that the registry checks the pod's own credentials.
    """
    pulled_with = entry.get("pulled_with") or []
    if not enabled or policy == "NeverVerify":
        return False
    if policy == "NeverVerifyPreloadedImages" and not pulled_with:
        return False
    if policy == "NeverVerifyAllowlistedImages" and allowlisted:
        return False
    return "" not in pulled_with and pod_credentials not in pulled_with


def credentials_key(credentials: list[dict[str, str]]) -> str:
    """What identifies a pod's pull credentials (upstream hashes the auth config); a credential
    provider's token counts as that provider's."""
    text = "|".join(
        sorted(
            f"provider:{c['provider']}"
            if "provider" in c
            else f"{c.get('username')}:{c.get('password')}"
            for c in credentials
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16] if text else "anonymous"


def invalid_image_message(image: str, error: InvalidReference) -> str:
    return f'Failed to apply default image tag "{image}": {error}'


def already_present_message(image: str, ensure_secret_pulled: bool = True) -> str:
    """The wording depends on KubeletEnsureSecretPulledImages (on by default in v1.35)."""
    if not ensure_secret_pulled:
        return f'Container image "{image}" already present on machine'
    return f'Container image "{image}" already present on machine and can be accessed by the pod'


def never_pull_message(image: str) -> str:
    return f'Container image "{image}" is not present with pull policy of Never'


def pulling_message(image: str) -> str:
    return f'Pulling image "{image}"'


def back_off_message(image: str) -> str:
    return f'Back-off pulling image "{image}"'


def failed_to_pull_message(image: str, error: str) -> str:
    return f'Failed to pull image "{image}": {error}'


def pulled_message(image: str, pull_seconds: float, total_seconds: float, size: int) -> str:
    return (
        f'Successfully pulled image "{image}" in {go_duration(pull_seconds)} '
        f"({go_duration(total_seconds)} including waiting). Image size: {size} bytes."
    )


def eval_cri_pull_error(image: str, error: str) -> tuple[str, str]:
    """evalCRIPullErr: (waiting message, waiting reason) for a runtime pull error."""
    for prefix, reason, wording in (
        ("RegistryUnavailable", ERR_REGISTRY_UNAVAILABLE, "the registry is unavailable"),
        (
            "SignatureValidationFailed",
            "SignatureValidationFailed",
            "the signature validation failed",
        ),
    ):
        if error.startswith(prefix):
            return f"image pull failed for {image} because {wording}{error[len(prefix) :]}", reason
    return error, ERR_IMAGE_PULL


def go_duration(seconds: float) -> str:
    """Go's time.Duration String() after Truncate(time.Millisecond): 313ms, 1.594s, 2m3.5s."""
    millis = int(seconds * 1000 + 1e-3)  # absorb float error before truncating, as Go has none
    if millis == 0:
        return "0s"
    if millis < 1000:
        return f"{millis}ms"
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs = f"{rest / 1000:.3f}".rstrip("0").rstrip(".")
    text = f"{secs}s"
    if hours:
        return f"{hours}h{minutes}m{text}"
    if minutes:
        return f"{minutes}m{text}"
    return text


@dataclass
class BackOffEntry:
    backoff: float
    last_update: float


class BackOff:
    """client-go flowcontrol.Backoff without jitter, as the kubelet builds it for images."""

    def __init__(
        self, initial: float = IMAGE_BACK_OFF_PERIOD, maximum: float = MAX_IMAGE_BACK_OFF
    ) -> None:
        self.initial = initial
        self.maximum = maximum
        self.entries: dict[str, BackOffEntry] = {}

    def _expired(self, now: float, entry: BackOffEntry) -> bool:
        # "consider stable if it's ok for twice the maxDuration"
        return now - entry.last_update > self.maximum * 2

    def is_in_back_off_since_update(self, key: str, now: float) -> bool:
        entry = self.entries.get(key)
        if entry is None or self._expired(now, entry):
            return False
        return now - entry.last_update < entry.backoff

    def is_in_back_off_since(self, key: str, event_time: float, now: float) -> bool:
        """IsInBackOffSince: still within the window counted from `event_time` (a finish)."""
        entry = self.entries.get(key)
        if entry is None or now - entry.last_update > self.maximum * 2:
            return False
        return now - event_time < entry.backoff

    def get(self, key: str) -> float:
        entry = self.entries.get(key)
        return entry.backoff if entry else 0.0

    def next(self, key: str, now: float) -> None:
        entry = self.entries.get(key)
        if entry is None or self._expired(now, entry):
            self.entries[key] = BackOffEntry(self.initial, now)
        else:
            entry.backoff = min(entry.backoff * 2, self.maximum)
            entry.last_update = now

    def gc(self, now: float) -> None:
        for key in [k for k, e in self.entries.items() if self._expired(now, e)]:
            del self.entries[key]

    def to_state(self) -> dict[str, Any]:
        return {k: [e.backoff, e.last_update] for k, e in self.entries.items()}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> BackOff:
        backoff = cls()
        backoff.entries = {k: BackOffEntry(v[0], v[1]) for k, v in state.items()}
        return backoff


def crash_back_off_waiting(
    backoff: float, container: str, pod: str, namespace: str, uid: str
) -> str:
    """kuberuntime_manager.go doBackOff: the CrashLoopBackOff waiting message."""
    return (
        f"back-off {go_duration(backoff)} restarting failed "
        f"container={container} pod={pod}_{namespace}({uid})"
    )


def crash_back_off_event(container: str, pod: str, namespace: str, uid: str) -> str:
    return f"Back-off restarting failed container {container} in pod {pod}_{namespace}({uid})"


def back_off_key(pod_uid: str, image: str) -> str:
    return f"{pod_uid}_{image}"
