"""Kubernetes name rules that validation and the scheduler share.

Upstream: apimachinery/pkg/util/validation/validation.go (IsDNS1123Label, IsDNS1123Subdomain,
IsQualifiedName and their messages); pkg/apis/core/helper/helpers.go (IsNativeResource,
IsHugePageResourceName, IsExtendedResourceName); pkg/scheduler/util IsScalarResourceName.
"""

from __future__ import annotations

import re

# \Z, not $: `$` also matches before a final newline, and "web\n" is no valid name.
DNS1123_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
DNS1123_LABEL_MESSAGE = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
# apimachinery/pkg/util/validation IsQualifiedName
QUALIFIED_NAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
QUALIFIED_NAME_MESSAGE = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
DNS1123_SUBDOMAIN_RE = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z"
)
DNS1123_SUBDOMAIN_MESSAGE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
HUGEPAGES = "hugepages-"
NATIVE_PREFIX = "kubernetes.io/"  # core.ResourceDefaultNamespacePrefix
REQUESTS_PREFIX = "requests."  # core.DefaultResourceRequestsPrefix


def is_qualified_name(value: str) -> list[str]:
    """validation.IsQualifiedName: the problems of `[prefix/]name`."""
    parts = value.split("/")
    problems = []
    if len(parts) > 2:
        return [
            "a qualified name " + QUALIFIED_NAME_MESSAGE + " with an optional DNS subdomain "
            "prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            problems.append("prefix part must be non-empty")
        else:
            if len(prefix) > 253:
                problems.append("prefix part must be no more than 253 characters")
            if not DNS1123_SUBDOMAIN_RE.match(prefix):
                problems.append("prefix part " + DNS1123_SUBDOMAIN_MESSAGE)
    name = parts[-1]
    if not name:
        problems.append("name part must be non-empty")
    elif len(name) > 63:
        problems.append("name part must be no more than 63 characters")
    if not QUALIFIED_NAME_RE.match(name):
        problems.append("name part " + QUALIFIED_NAME_MESSAGE)
    return problems


def is_hugepages(name: str) -> bool:
    return name.startswith(HUGEPAGES)


def is_native(name: str) -> bool:
    """helper.IsNativeResource: no domain, or the kubernetes.io one."""
    return "/" not in name or NATIVE_PREFIX in name


def is_extended(name: str) -> bool:
    """helper.IsExtendedResourceName: another domain, and `requests.<name>` qualified."""
    if is_native(name) or name.startswith(REQUESTS_PREFIX):
        return False
    return not is_qualified_name(REQUESTS_PREFIX + name)


def is_scalar_resource(name: str) -> bool:
    """schedutil.IsScalarResourceName: extended, hugepages, prefixed native (kubernetes.io/...)
    or attachable-volumes-* resources."""
    return (
        is_extended(name)
        or is_hugepages(name)
        or (NATIVE_PREFIX in name)
        or name.startswith("attachable-volumes-")
    )
