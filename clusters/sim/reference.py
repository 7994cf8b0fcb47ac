"""Image references, parsed and normalised as the distribution reference library does.

Upstream: github.com/distribution/reference (regexp.go, normalize.go, reference.go). The kubelet
uses `ParseNormalizedNamed`, so `nginx` means `docker.io/library/nginx` and `MyApp:1` is
rejected with "repository name (library/MyApp) must be lowercase".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_DOMAIN = "docker.io"
LEGACY_DEFAULT_DOMAIN = "index.docker.io"
OFFICIAL_REPO_PREFIX = "library/"
DEFAULT_TAG = "latest"
NAME_TOTAL_LENGTH_MAX = 255

_ALPHANUMERIC = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALPHANUMERIC}(?:{_SEPARATOR}{_ALPHANUMERIC})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_DOMAIN_AND_PORT = rf"(?:{_DOMAIN_NAME}|{_IPV6})(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"
_REMOTE_NAME = rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_NAME = rf"(?:{_DOMAIN_AND_PORT}/)?{_REMOTE_NAME}"

REFERENCE_RE = re.compile(rf"^({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?$")
ANCHORED_IDENTIFIER_RE = re.compile(r"^[a-f0-9]{64}$")
TAG_RE = re.compile(rf"^{_TAG}$")


class InvalidReference(ValueError):
    """The reference does not follow the grammar; str() is distribution's own error text."""


@dataclass(frozen=True, slots=True)
class ImageReference:
    domain: str
    path: str  # e.g. "library/nginx"
    tag: str = ""
    digest: str = ""

    @property
    def name(self) -> str:
        """The fully qualified repository name, `docker.io/library/nginx`."""
        return f"{self.domain}/{self.path}"

    def __str__(self) -> str:
        text = self.name
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def _split_docker_domain(name: str) -> tuple[str, str]:
    """Upstream normalize.go splitDockerDomain."""
    slash = name.find("/")
    first = name[:slash] if slash != -1 else ""
    if slash == -1 or (
        not any(ch in first for ch in ".:") and first != "localhost" and first.lower() == first
    ):
        domain, remainder = DEFAULT_DOMAIN, name
    else:
        domain, remainder = first, name[slash + 1 :]
    if domain == LEGACY_DEFAULT_DOMAIN:
        domain = DEFAULT_DOMAIN
    if domain == DEFAULT_DOMAIN and "/" not in remainder:
        remainder = OFFICIAL_REPO_PREFIX + remainder
    return domain, remainder


def _parse(text: str) -> ImageReference:
    """Upstream reference.go Parse, for an already domain-qualified string."""
    match = REFERENCE_RE.match(text)
    if match is None:
        if text == "":
            raise InvalidReference("repository name must have at least one component")
        if REFERENCE_RE.match(text.lower()) is not None:
            raise InvalidReference("repository name must be lowercase")
        raise InvalidReference("invalid reference format")
    name, tag, digest = match.group(1), match.group(2) or "", match.group(3) or ""
    if len(name) > NAME_TOTAL_LENGTH_MAX:
        raise InvalidReference(
            f"repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
        )
    if digest and digest.startswith("sha256:") and len(digest) != len("sha256:") + 64:
        raise InvalidReference("invalid checksum digest length")
    domain, _, path = name.partition("/")
    return ImageReference(domain=domain, path=path, tag=tag, digest=digest)


def parse_normalized_named(text: str) -> ImageReference:
    """Upstream normalize.go ParseNormalizedNamed."""
    if ANCHORED_IDENTIFIER_RE.match(text):
        raise InvalidReference(
            f"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings"
        )
    domain, remainder = _split_docker_domain(text)
    remote_name = remainder.split(":", 1)[0] if ":" in remainder else remainder
    if remote_name.lower() != remote_name:
        raise InvalidReference(
            f"invalid reference format: repository name ({remote_name}) must be lowercase"
        )
    return _parse(f"{domain}/{remainder}")


def parse_image_name(image: str) -> tuple[str, str, str]:
    """Upstream pkg/util/parsers ParseImageName: (repository, tag, digest).

    With neither tag nor digest the tag is "latest". Raises InvalidReference with the
    parsers' wording.
    """
    try:
        ref = parse_normalized_named(image)
    except InvalidReference as err:
        raise InvalidReference(f'couldn\'t parse image name "{image}": {err}') from err
    tag = ref.tag
    if not tag and not ref.digest:
        tag = DEFAULT_TAG
    return ref.name, tag, ref.digest


def familiar_name(ref: ImageReference) -> str:
    """The short form people type: `nginx` for docker.io/library/nginx (normalize.go)."""
    if ref.domain != DEFAULT_DOMAIN:
        return ref.name
    path = ref.path
    if path.startswith(OFFICIAL_REPO_PREFIX) and path.count("/") == 1:
        path = path[len(OFFICIAL_REPO_PREFIX) :]
    return path
