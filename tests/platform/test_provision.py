"""set_up_session: the session's objects through the API, its images into the real registry."""

from clusters.realcluster.images import load_catalog
from clusters.realcluster.localworld import LocalWorld
from clusters.realcluster.provision import set_up_session, tear_down_session

CATALOG = load_catalog()["images"]


def _world() -> dict:
    def tag(ref: str) -> dict:
        return {"digest": CATALOG[ref]["digest"], "size": CATALOG[ref]["size"]}

    return {
        "registries": [
            {
                "host": "docker.io",
                "repositories": [
                    {"name": "lab/web", "tags": {"1.0": tag("lab/web:1.0")}},
                    {
                        "name": "lab/secret",
                        "private": True,
                        "tags": {"1.0": tag("lab/private:1.0")},
                    },
                ],
            }
        ]
    }


def test_a_session_gets_its_objects_images_and_kubeconfig(
    world: LocalWorld, api_server, api, tmp_path
):
    kubeconfig = set_up_session(api, "s-77", _world(), tmp_path, world.public, world.private)
    paths = [path for _, path, _ in api_server.requests]
    assert paths[0] == "/api/v1/namespaces"
    assert paths[-1] == "/api/v1/namespaces/s-77/serviceaccounts/learner/token"
    assert world.public.tag_digest("s-77/lab/web", "1.0") == CATALOG["lab/web:1.0"]["digest"]
    # The private repository went to the htpasswd registry, not the public one.
    assert world.public.tag_digest("s-77/lab/secret", "1.0") is None
    private = world.private.tag_digest("s-77/lab/secret", "1.0", world.private.credentials)
    assert private == CATALOG["lab/private:1.0"]["digest"]
    assert kubeconfig["contexts"][0]["context"]["namespace"] == "s-77"


def test_set_up_twice_is_harmless(world: LocalWorld, api_server, api, tmp_path):
    set_up_session(api, "s-78", _world(), tmp_path / "1", world.public, world.private)
    api_server.existing = {"/api/v1/namespaces/s-78"}
    set_up_session(api, "s-78", _world(), tmp_path / "2", world.public, world.private)
    assert ("PUT", "/api/v1/namespaces/s-78") in [(m, p) for m, p, _ in api_server.requests]


def test_tear_down_deletes_the_namespace(api_server, api):
    tear_down_session(api, "s-79")
    assert api_server.requests == [("DELETE", "/api/v1/namespaces/s-79", {})]
