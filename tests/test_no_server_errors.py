"""Every page, for every kind of visitor, with odd input: a clear answer, never a 500.

It walks the URLconf, so a view added later is covered without a line here. Each path is tried
with the ids of real objects (a learner's session in a trainer's cohort) and with ids that do not
exist, by an anonymous visitor, the session's owner, another learner and the trainer; each POST
also gets an empty form, over-long values, NUL bytes and numbers where text is expected, in every
field a page of this project reads.
"""

from __future__ import annotations

import itertools

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cohorts.models import Cohort, Membership
from labs.models import LabSession

LAB = "three-policies"
MISSING = 987654
# The form fields the views read (request.POST and the Django forms); unknown ones are ignored.
FIELDS = ["manifest", "pod_name", "image", "policy", "node", "action", "change", "code", "name"]
FIELDS += ["lab_ids", "next", "answer", "username", "password", "email", "a01-q01"]
POSTS = {
    "empty": {},
    "long": dict.fromkeys(FIELDS, "x" * 20_000),
    "nul": dict.fromkeys(FIELDS, "a\x00b"),
    "numbers": dict.fromkeys(FIELDS, "-1"),
    "yaml-bomb": {"manifest": "a: &a [" + ",".join(["*a"] * 50) + "]"},
    "not-a-pod": {"manifest": "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"},
    "bad-policy": {"pod_name": "Bad_Name", "image": " ", "policy": "always", "node": "nope"},
}


def named_patterns(resolver: URLResolver, prefix: str = "") -> list[str]:
    names = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            space = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            names += named_patterns(entry, space)
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(prefix + entry.name)
    return names


def kwargs_for(name: str, objects: dict[str, object], real: bool) -> dict[str, object] | None:
    """The URL's arguments: the real objects' ids, or ids that exist nowhere."""
    pattern = get_resolver().reverse_dict.getlist(name.split(":")[-1])
    params = pattern[0][0][0][1] if pattern else []
    if not real:
        values = {"lab_id": "no-such-lab", "pod_name": "../../etc/passwd", "area": 99}
        return {p: values.get(p, MISSING) for p in params}
    return {p: objects[p] for p in params}


URL_NAMES = named_patterns(get_resolver())


@pytest.fixture
def world(django_user_model, fast_password_hasher, isolated_channel_layer) -> dict:
    trainer = django_user_model.objects.create_user("trainer", password="x", is_staff=True)
    owner = django_user_model.objects.create_user("owner", password="x")
    other = django_user_model.objects.create_user("other", password="x")
    cohort = Cohort.objects.create(name="Workshop", trainer=trainer, lab_ids=[LAB])
    Membership.objects.create(cohort=cohort, learner=owner)
    session = LabSession.objects.create(
        owner=owner, lab_id=LAB, state=LabSession.State.READY, kubeconfig="unused: true\n"
    )
    objects = {
        "cohort_id": cohort.pk,
        "user_id": owner.pk,
        "session_id": session.pk,
        "lab_id": LAB,
        "pod_name": "p-ifnp",
        "area": 1,
        "attempt_id": 1,
        "uidb64": "MQ",
        "token": "set-password",
    }
    return {"users": {"owner": owner, "other": other, "trainer": trainer}, "objects": objects}


def test_the_walk_finds_the_pages_of_every_app():
    assert {"catalogue", "session", "apply_manifest", "cohort_board", "quiz", "login"} <= set(
        URL_NAMES
    )


@pytest.mark.parametrize("name", URL_NAMES)
def test_no_visitor_and_no_input_gets_a_server_error(client, world, name):
    # The tasks a view queues run on commit, which a test's transaction never reaches.
    failures = []
    visitors = [None, *world["users"]]
    for visitor, real in itertools.product(visitors, (True, False)):
        client.logout()
        if visitor:
            client.force_login(world["users"][visitor])
        path = reverse(name, kwargs=kwargs_for(name, world["objects"], real))
        answers = [("GET", client.get(path))]
        answers += [(f"POST {kind}", client.post(path, data)) for kind, data in POSTS.items()]
        failures += [
            f"{visitor or 'anonymous'} {how} {path}: {response.status_code}"
            for how, response in answers
            if response.status_code >= 500
        ]
    assert not failures, "\n".join(failures)
