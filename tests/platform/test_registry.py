"""The real registry: pushed digests, a moved tag, htpasswd auth, containerd pulls."""

import urllib.error
import urllib.request

import pytest

from clusters.realcluster.images import load_catalog
from clusters.realcluster.localworld import PRIVATE_CREDENTIALS, LocalWorld
from clusters.realcluster.registry import Credentials
from clusters.realcluster.world import UnknownDigest, move_tag, realise_registry

CATALOG = load_catalog()["images"]


def test_pushed_images_keep_the_catalog_digests(world: LocalWorld):
    for ref in ("lab/web:1.0", "lab/web:2.0", "lab/crash:1.0", "lab/big:1.0"):
        repository, tag = ref.split(":")
        assert world.public.tag_digest(repository, tag) == CATALOG[ref]["digest"]


def test_a_moved_tag_shows_the_new_digest(world: LocalWorld):
    spec = {
        "repositories": [
            {"name": "lab/app", "tags": {"1.0": {"digest": CATALOG["lab/crash:1.0"]["digest"]}}}
        ]
    }
    realise_registry(spec, world.layout, world.public, world.sources, "s-move")
    before = world.public.tag_digest("s-move/lab/app", "1.0")
    move_tag(
        world.public,
        world.layout,
        "lab/app",
        "1.0",
        CATALOG["lab/crash:2.0"]["digest"],
        world.sources,
        "s-move",
    )
    after = world.public.tag_digest("s-move/lab/app", "1.0")
    assert (before, after) == (
        CATALOG["lab/crash:1.0"]["digest"],
        CATALOG["lab/crash:2.0"]["digest"],
    )


def test_each_session_gets_its_own_repository_path(world: LocalWorld):
    spec = {
        "repositories": [
            {"name": "lab/web", "tags": {"1.0": {"digest": CATALOG["lab/web:1.0"]["digest"]}}}
        ]
    }
    pushed = realise_registry(spec, world.layout, world.public, world.sources, "s-42")
    assert pushed == {f"{world.public.host}/s-42/lab/web:1.0": CATALOG["lab/web:1.0"]["digest"]}
    assert world.public.tag_digest("s-43/lab/web", "1.0") is None


def test_a_digest_outside_the_catalog_is_refused_clearly(world: LocalWorld):
    spec = {
        "repositories": [{"name": "lab/web", "tags": {"1.0": {"digest": "sha256:" + "0" * 64}}}]
    }
    with pytest.raises(UnknownDigest, match="no lab image has digest sha256:0000"):
        realise_registry(spec, world.layout, world.public, world.sources)


def test_the_private_registry_denies_anonymous_reads(world: LocalWorld):
    with pytest.raises(urllib.error.HTTPError) as denied:
        world.private.tag_digest("lab/private", "1.0")
    assert denied.value.code == 401
    assert denied.value.headers["WWW-Authenticate"].startswith("Basic realm=")


def test_the_private_registry_permits_the_right_password_only(world: LocalWorld):
    digest = world.private.tag_digest("lab/private", "1.0", PRIVATE_CREDENTIALS)
    assert digest == CATALOG["lab/private:1.0"]["digest"]
    with pytest.raises(urllib.error.HTTPError, match="401"):
        world.private.tag_digest("lab/private", "1.0", Credentials("learner", "nope"))


def test_containerd_pulls_through_cri_and_lists_the_digest(world: LocalWorld):
    ref = f"{world.public.host}/lab/web:2.0"
    assert world.containerd.cri_pull(ref).ok
    assert world.containerd.image_digests()[ref] == CATALOG["lab/web:2.0"]["digest"]


def test_containerd_pulls_a_private_image_with_credentials(world: LocalWorld):
    ref = f"{world.private.host}/lab/private:1.0"
    pulled = world.containerd.cri_pull(
        ref, PRIVATE_CREDENTIALS.username, PRIVATE_CREDENTIALS.password
    )
    assert pulled.ok, pulled.text


def test_ctr_pulls_into_its_own_namespace(world: LocalWorld):
    ref = f"{world.public.host}/lab/crash:1.0"
    pulled = world.containerd.ctr_pull(ref, "--hosts-dir", str(world.containerd.certs_dir))
    assert pulled.ok, pulled.text
    assert world.containerd.image_digests("default")[ref] == CATALOG["lab/crash:1.0"]["digest"]


def test_the_token_registry_lets_anyone_pull_a_public_repository(world: LocalWorld):
    assert world.containerd.cri_pull(f"{world.hub.host}/lab/web:1.0").ok


def test_the_token_registry_pulls_a_private_repository_with_credentials(world: LocalWorld):
    ref = f"{world.hub.host}/lab/private:1.0"
    credentials = (PRIVATE_CREDENTIALS.username, PRIVATE_CREDENTIALS.password)
    pulled = world.containerd.cri_pull(ref, *credentials)
    assert pulled.ok, pulled.text
    assert world.containerd.image_digests()[ref] == CATALOG["lab/private:1.0"]["digest"]


def test_the_token_server_grants_only_what_docker_hub_would(world: LocalWorld):
    tokens = world.tokens
    assert tokens.grant("repository:lab/web:pull", "") == [
        {"type": "repository", "name": "lab/web", "actions": ["pull"]}
    ]
    assert tokens.grant("repository:lab/private:pull", "") == []
    assert tokens.grant("repository:lab/nope:pull", PRIVATE_CREDENTIALS.username) == []
    assert tokens.grant("repository:lab/web:push", PRIVATE_CREDENTIALS.username) == []


def test_ctr_pulls_the_htpasswd_registry_with_user_and_password(world: LocalWorld):
    ref = f"{world.private.host}/lab/private:1.0"
    hosts = ("--hosts-dir", str(world.containerd.certs_dir))
    assert not world.containerd.ctr_pull(ref, *hosts).ok
    pulled = world.containerd.ctr_pull(ref, *hosts, "--user", PRIVATE_CREDENTIALS.colon_joined)
    assert pulled.ok, pulled.text


def test_the_registry_serves_both_platforms_of_a_multiarch_image(world: LocalWorld):
    multiarch = CATALOG["lab/web:1.0"]["multiarch"]
    assert world.public.tag_digest("lab/web", multiarch["tag"]) == multiarch["digest"]
    for platform in ("linux/amd64", "linux/arm64"):
        digest = multiarch["platforms"][platform]["manifest"]
        # A manifest fetched by digest answers with that same digest.
        assert world.public.tag_digest("lab/web", digest) == digest


def test_containerd_pulls_the_arm64_image_for_an_arm64_node(world: LocalWorld):
    ref = f"{world.public.host}/lab/crash:2.0-multiarch"
    hosts = ("--hosts-dir", str(world.containerd.certs_dir))
    pulled = world.containerd.ctr_pull(ref, *hosts, "--platform", "linux/arm64")
    assert pulled.ok, pulled.text
    arm64 = CATALOG["lab/crash:2.0"]["multiarch"]["platforms"]["linux/arm64"]["image_id"]
    config = world.containerd.ctr("content", "get", arm64)
    assert config.returncode == 0 and '"architecture":"arm64"' in config.stdout


def test_a_world_citing_the_index_digest_gets_the_multiarch_image(world: LocalWorld):
    index = CATALOG["lab/web:2.0"]["multiarch"]["digest"]
    spec = {"repositories": [{"name": "lab/web", "tags": {"2.0": {"digest": index}}}]}
    realise_registry(spec, world.layout, world.public, world.sources, "s-arm")
    assert world.public.tag_digest("s-arm/lab/web", "2.0") == index
    pulled = world.containerd.cri_pull(f"{world.public.host}/s-arm/lab/web:2.0")
    assert pulled.ok, pulled.text
