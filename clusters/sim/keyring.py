"""Which registry credentials the kubelet hands the runtime for an image.

Upstream: pkg/credentialprovider/keyring.go (BasicDockerKeyring.Add and Lookup,
isDefaultRegistryMatch, URLsMatch, ParseSchemelessURL, SplitURL) and
pkg/credentialprovider/plugin (plugin.go isImageAllowed, config.go
validateCredentialProviderConfig). The image given to a lookup is the repository the kubelet
pulls, normalised without tag or digest (`docker.io/library/nginx`), as kuberuntime_image.go
PullImage passes `parsers.ParseImageName(image)`'s repository.

Matching (URLsMatch): the glob and the image are parsed as scheme-less URLs; the ports must be
equal, the hosts must have as many dot-separated labels, each label must match its glob label
(`filepath.Match`, so `*` is exactly one label), and the glob's path must be a prefix of the
image's path.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import urlsplit

DEFAULT_REGISTRY_HOST = "index.docker.io"  # keyring.go defaultRegistryHost


def split_schemeless(text: str) -> tuple[list[str], str, str]:
    """ParseSchemelessURL + SplitURL: (host labels, port, path)."""
    parsed = urlsplit("https://" + text)
    netloc, path = parsed.netloc, parsed.path
    host, port = netloc, ""
    if ":" in netloc and not netloc.endswith("]"):
        host, _, port = netloc.rpartition(":")
    return host.split("."), port, path


def urls_match(glob: str, target: str) -> bool:
    """URLsMatch(glob, target)."""
    glob_labels, glob_port, glob_path = split_schemeless(glob)
    labels, port, path = split_schemeless(target)
    if glob_port != port or len(glob_labels) != len(labels):
        return False
    if not path.startswith(glob_path):
        return False
    pairs = zip(glob_labels, labels, strict=True)
    return all(fnmatchcase(label, pattern) for pattern, label in pairs)


def keyring_key(location: str) -> str:
    """BasicDockerKeyring.Add: a docker config key as the index stores it.

    `https://index.docker.io/v1/` becomes `index.docker.io`; a `/v1/` or `/v2/` path prefix is
    dropped; any other path stays (`quay.io/team`)."""
    value = location
    if not value.startswith(("https://", "http://")):
        value = "https://" + value
    parsed = urlsplit(value)
    path = parsed.path
    if path.startswith(("/v2/", "/v1/")):
        path = path[3:]
    return parsed.netloc + path if path and path != "/" else parsed.netloc


def is_default_registry_match(image: str) -> bool:
    """isDefaultRegistryMatch: the image is pulled from Docker Hub."""
    first, slash, _ = image.partition("/")
    if not first:
        return False
    if not slash or first in ("docker.io", "index.docker.io"):
        return True
    return not any(ch in first for ch in ".:")


def keyring_lookup(entries: list[dict[str, Any]], image: str) -> list[dict[str, Any]]:
    """BasicDockerKeyring.Lookup: the entries whose `registry` key matches `image`.

    Keys are tried most specific first (the index is reverse-sorted); when none matches, a
    Docker Hub key (`https://index.docker.io/v1/`, `index.docker.io`) serves Docker Hub images.
    """
    by_key: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_key.setdefault(keyring_key(entry.get("registry", "")), []).append(entry)
    found = [
        e for key in sorted(by_key, reverse=True) if urls_match(key, image) for e in by_key[key]
    ]
    if found:
        return found
    if is_default_registry_match(image):
        return by_key.get(DEFAULT_REGISTRY_HOST, [])
    return []


def provider_matches(match_images: list[str], image: str) -> bool:
    """plugin.go isImageAllowed: any matchImages pattern matches the image."""
    return any(urls_match(pattern, image) for pattern in match_images)


def provider_config_errors(name: str, match_images: Any) -> list[str]:
    """validateCredentialProviderConfig's rules for one provider's name and matchImages."""
    problems = []
    for bad, why in (
        ("/", "provider name cannot contain '/'"),
        (" ", "provider name cannot contain spaces"),
    ):
        if bad in name:
            problems.append(f'providers.name: Invalid value: "{name}": {why}')
    if name in (".", ".."):
        problems.append(
            f'providers.name: Invalid value: "{name}": provider name cannot be {name!r}'
        )
    if not isinstance(match_images, list) or not match_images:
        problems.append(
            "providers.matchImages: Required value: at least 1 item in matchImages is required"
        )
    return problems
