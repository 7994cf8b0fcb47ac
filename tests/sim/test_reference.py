"""Image reference grammar and normalisation (github.com/distribution/reference)."""

from __future__ import annotations

import pytest

from clusters.sim.reference import (
    InvalidReference,
    familiar_name,
    parse_image_name,
    parse_normalized_named,
)

D = "sha256:" + "d" * 64


@pytest.mark.parametrize(
    ("text", "name", "tag", "digest"),
    [
        pytest.param(
            "nginx",
            "docker.io/library/nginx",
            "",
            "",
            id="normalize.go: official image gets library/",
        ),
        pytest.param(
            "nginx:1.27", "docker.io/library/nginx", "1.27", "", id="normalize.go: tag kept"
        ),
        pytest.param(
            "lab/web:1.0", "docker.io/lab/web", "1.0", "", id="normalize.go: user repo on docker.io"
        ),
        pytest.param(
            "index.docker.io/lab/web", "docker.io/lab/web", "", "", id="normalize.go: legacy domain"
        ),
        pytest.param(
            "localhost/web", "localhost/web", "", "", id="normalize.go: localhost is a domain"
        ),
        pytest.param(
            "localhost:5001/lab/web:1.0", "localhost:5001/lab/web", "1.0", "", id="domain with port"
        ),
        pytest.param(
            "registry.k8s.io/pause:3.5@" + D, "registry.k8s.io/pause", "3.5", D, id="tag and digest"
        ),
        pytest.param("nginx@" + D, "docker.io/library/nginx", "", D, id="digest only"),
        pytest.param(
            "Registry.Example.com/app:1",
            "Registry.Example.com/app",
            "1",
            "",
            id="domain may be upper",
        ),
    ],
)
def test_it_normalises_like_the_distribution_library(
    text: str, name: str, tag: str, digest: str
) -> None:
    ref = parse_normalized_named(text)
    assert (ref.name, ref.tag, ref.digest) == (name, tag, digest)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "MyApp:1",
            "invalid reference format: repository name (library/MyApp) must be lowercase",
            id="normalize.go ParseNormalizedNamed: uppercase repository",
        ),
        pytest.param("lab/web:", "invalid reference format", id="reference.go Parse: empty tag"),
        pytest.param(
            "lab/web:1.0:2", "invalid reference format", id="reference.go Parse: two tags"
        ),
        pytest.param(
            "a" * 64,
            "invalid repository name ("
            + "a" * 64
            + "), cannot specify 64-byte hexadecimal strings",
            id="normalize.go: bare 64-hex identifier",
        ),
        pytest.param(
            "nginx@sha256:abc", "invalid reference format", id="regexp.go: digest too short"
        ),
    ],
)
def test_it_rejects_bad_references_with_upstream_words(text: str, message: str) -> None:
    with pytest.raises(InvalidReference) as caught:
        parse_normalized_named(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "tag", "digest"),
    [
        pytest.param(
            "nginx", "latest", "", id="parsers.go ParseImageName: no tag, no digest -> latest"
        ),
        pytest.param("nginx:latest@" + D, "latest", D, id="parsers.go: tag kept beside a digest"),
        pytest.param("nginx@" + D, "", D, id="parsers.go: digest alone gets no tag"),
    ],
)
def test_parse_image_name_applies_latest_only_without_tag_and_digest(
    text: str, tag: str, digest: str
) -> None:
    assert parse_image_name(text)[1:] == (tag, digest)


def test_familiar_name_drops_docker_io_and_library() -> None:
    assert familiar_name(parse_normalized_named("docker.io/library/nginx")) == "nginx"
    assert familiar_name(parse_normalized_named("lab/web")) == "lab/web"
    assert familiar_name(parse_normalized_named("localhost:5001/web")) == "localhost:5001/web"
