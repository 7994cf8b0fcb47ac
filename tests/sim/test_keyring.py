"""Which credentials the kubelet uses for an image: the docker keyring and credential providers.

Cases follow kubernetes/kubernetes pkg/credentialprovider/keyring_test.go (TestURLsMatch,
TestDockerKeyringLookup*, isDefaultRegistryMatch) and pkg/credentialprovider/plugin
(plugin.go isImageAllowed, config.go validateCredentialProviderConfig).
"""

from __future__ import annotations

import pytest

from clusters.sim.keyring import (
    is_default_registry_match,
    keyring_key,
    keyring_lookup,
    provider_config_errors,
    provider_matches,
    urls_match,
)


@pytest.mark.parametrize(
    ("glob", "target", "matches"),
    [
        # keyring.go URLsMatch's own examples
        pytest.param("*.docker.io", "blah.docker.io", True, id="star-one-label"),
        pytest.param("*.docker.io", "not.right.io", False, id="other-domain"),
        # each * is one DNS label: the 18-ecr-provider wrong path
        pytest.param(
            "*.dkr.ecr.*.amazonaws.com",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api",
            True,
            id="ecr-pattern",
        ),
        pytest.param(
            "*.amazonaws.com",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api",
            False,
            id="one-star-for-four-labels",
        ),
        # the port must be equal (SplitURL + globPort != targetPort)
        pytest.param("reg.lab", "reg.lab:5443/team/web", False, id="port-missing-in-glob"),
        pytest.param("reg.lab:5443", "reg.lab:5443/team/web", True, id="same-port"),
        pytest.param("reg.lab:5000", "reg.lab:5443/team/web", False, id="other-port"),
        # the glob's path is a prefix of the image's path
        pytest.param("quay.io/team", "quay.io/team/app", True, id="path-prefix"),
        pytest.param("quay.io/team", "quay.io/other/app", False, id="path-not-prefix"),
        pytest.param("quay.io", "quay.io/any/app", True, id="host-only"),
    ],
)
def test_urls_match(glob: str, target: str, matches: bool) -> None:
    assert urls_match(glob, target) is matches


@pytest.mark.parametrize(
    ("location", "key"),
    [
        pytest.param("https://index.docker.io/v1/", "index.docker.io", id="docker-hub-v1"),
        pytest.param("index.docker.io", "index.docker.io", id="no-scheme"),
        pytest.param("http://reg:5000/v2/", "reg:5000", id="v2-prefix-dropped"),
        pytest.param("quay.io/team", "quay.io/team", id="path-kept"),
    ],
)
def test_keyring_key_is_what_add_indexes(location: str, key: str) -> None:
    """BasicDockerKeyring.Add: scheme and a /v1/ or /v2/ prefix go, another path stays."""
    assert keyring_key(location) == key


@pytest.mark.parametrize(
    ("image", "default"),
    [
        pytest.param("docker.io/library/nginx", True, id="docker.io"),
        pytest.param("index.docker.io/lab/big", True, id="index.docker.io"),
        pytest.param("library/ubuntu", True, id="no-host"),
        pytest.param("reg:5000/app", False, id="port-means-host"),
        pytest.param("quay.io/app", False, id="dot-means-host"),
    ],
)
def test_is_default_registry_match(image: str, default: bool) -> None:
    assert is_default_registry_match(image) is default


HUB = {"registry": "https://index.docker.io/v1/", "username": "ci-bot", "password": "t"}
QUAY_TEAM = {"registry": "quay.io/team", "username": "team", "password": "q"}
QUAY = {"registry": "quay.io", "username": "all", "password": "q"}


@pytest.mark.parametrize(
    ("entries", "image", "expected"),
    [
        pytest.param([HUB], "docker.io/lab/big", [HUB], id="hub-key-serves-docker.io"),
        pytest.param([HUB], "docker.io/library/nginx", [HUB], id="hub-key-official-image"),
        pytest.param([HUB], "quay.io/team/app", [], id="hub-key-not-for-quay"),
        pytest.param(
            [QUAY, QUAY_TEAM], "quay.io/team/app", [QUAY_TEAM, QUAY], id="most-specific-first"
        ),
        pytest.param([QUAY_TEAM], "quay.io/other/app", [], id="path-must-be-prefix"),
        pytest.param(
            [{"registry": "reg.lab", "username": "u", "password": "p"}],
            "reg.lab:5443/team/web",
            [],
            id="port-must-match",
        ),
    ],
)
def test_keyring_lookup(entries: list, image: str, expected: list) -> None:
    """BasicDockerKeyring.Lookup, then the Docker Hub fallback (defaultRegistryHost)."""
    assert keyring_lookup(entries, image) == expected


def test_a_provider_serves_only_images_its_patterns_match() -> None:
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api"
    assert provider_matches(["*.dkr.ecr.*.amazonaws.com"], image)
    assert not provider_matches(["*.amazonaws.com"], image)
    assert not provider_matches([], image)


@pytest.mark.parametrize(
    ("name", "match_images", "problem"),
    [
        pytest.param(
            "ecr",
            [],
            "providers.matchImages: Required value: at least 1 item in matchImages is required",
            id="no-matchImages",
        ),
        pytest.param(
            "bin/ecr",
            ["*.io"],
            "providers.name: Invalid value: \"bin/ecr\": provider name cannot contain '/'",
            id="slash-in-name",
        ),
        pytest.param(
            "..",
            ["*.io"],
            "providers.name: Invalid value: \"..\": provider name cannot be '..'",
            id="dotdot",
        ),
    ],
)
def test_invalid_provider_configs_are_refused(name: str, match_images: list, problem: str) -> None:
    """config.go validateCredentialProviderConfig's messages (field.Required, field.Invalid)."""
    assert problem in provider_config_errors(name, match_images)


def test_a_valid_provider_config_has_no_problems() -> None:
    assert provider_config_errors("ecr-credential-provider", ["*.dkr.ecr.*.amazonaws.com"]) == []
