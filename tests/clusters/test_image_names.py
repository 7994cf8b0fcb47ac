"""A session's own image names on a real cluster, read back as the lab's."""

from __future__ import annotations

import pytest

from clusters.realcluster.imagenames import ImageNames

WORLD = {
    "registries": [
        {
            "host": "docker.io",
            "repositories": [
                {"name": "lab/web"},
                {"name": "library/nginx"},
                {"name": "lab/web-extra"},
            ],
        },
        {"host": "registry.corp.example", "repositories": [{"name": "team/app"}]},
    ]
}
NAMES = ImageNames.for_session(WORLD, "localhost:5001", "s-1234")
SESSION = "localhost:5001/s-1234"


@pytest.mark.parametrize(
    ("seen", "key", "lab"),
    [
        (f"{SESSION}/lab/web:1.0", "image", "lab/web:1.0"),
        (f"{SESSION}/library/nginx:1.27", "image", "nginx:1.27"),
        (f"{SESSION}/lab/web-extra:2", "image", "lab/web-extra:2"),
        (f"{SESSION}/team/app:1.0", "image", "registry.corp.example/team/app:1.0"),
        (f"{SESSION}/lab/web@sha256:aa", "imageID", "docker.io/lab/web@sha256:aa"),
        (
            f'Pulling image "{SESSION}/lab/web:1.0"',
            "message",
            'Pulling image "lab/web:1.0"',
        ),
        (
            f'Container image "{SESSION}/lab/web" is not present with pull policy of Never',
            "message",
            'Container image "lab/web" is not present with pull policy of Never',
        ),
        ("localhost:5001/s-9999/lab/web:1.0", "image", "localhost:5001/s-9999/lab/web:1.0"),
        ("busybox:1.36", "image", "busybox:1.36"),
    ],
    ids=[
        "hub-repo",
        "library-image",
        "longer-name-first",
        "other-registry",
        "image-id-full-name",
        "event-message",
        "never-message",
        "another-session-untouched",
        "not-a-lab-image",
    ],
)
def test_session_names_read_back_as_the_labs(seen: str, key: str, lab: str) -> None:
    assert NAMES.to_world({key: seen}) == {key: lab}


def test_a_whole_pod_is_rewritten_and_the_page_lists_the_names() -> None:
    pod = {
        "spec": {"containers": [{"name": "web", "image": f"{SESSION}/lab/web:1.0"}]},
        "status": {
            "containerStatuses": [
                {"image": f"{SESSION}/lab/web:1.0", "imageID": f"{SESSION}/lab/web@sha256:aa"}
            ]
        },
    }
    seen = NAMES.to_world(pod)
    assert seen["spec"]["containers"][0]["image"] == "lab/web:1.0"
    assert seen["status"]["containerStatuses"][0]["imageID"] == "docker.io/lab/web@sha256:aa"
    assert ("lab/web", f"{SESSION}/lab/web") in NAMES.pairs()
