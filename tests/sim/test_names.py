"""clusters/sim/names.py: the name rules validation and the scheduler share.

Upstream: apimachinery/pkg/util/validation/validation.go (IsDNS1123Label, IsDNS1123Subdomain,
IsQualifiedName: Go's regexp matches the whole string), pkg/apis/core/helper/helpers.go and
pkg/scheduler/util IsScalarResourceName.
"""

import pytest

from clusters.sim.names import (
    DNS1123_LABEL_RE,
    DNS1123_SUBDOMAIN_RE,
    is_qualified_name,
    is_scalar_resource,
)


@pytest.mark.parametrize(
    ("name", "label", "subdomain"),
    [
        pytest.param("web", True, True, id="plain"),
        pytest.param("web-1.lab", False, True, id="dots: a subdomain, not a label"),
        pytest.param("Web", False, False, id="upper case"),
        pytest.param("web\n", False, False, id="a final newline is no name (not `$`)"),
        pytest.param("-web", False, False, id="starts with a dash"),
    ],
)
def test_dns1123_names_match_the_whole_string(name: str, label: bool, subdomain: bool):
    assert bool(DNS1123_LABEL_RE.match(name)) is label
    assert bool(DNS1123_SUBDOMAIN_RE.match(name)) is subdomain


def test_a_qualified_name_with_a_final_newline_has_a_problem():
    assert is_qualified_name("example.com/gpu") == []
    assert is_qualified_name("example.com/gpu\n") != []


@pytest.mark.parametrize(
    ("name", "scalar"),
    [
        pytest.param("cpu", False, id="native, counted apart"),
        pytest.param("memory", False, id="native, counted apart"),
        pytest.param("hugepages-2Mi", True, id="IsHugePageResourceName"),
        pytest.param("example.com/dongle", True, id="IsExtendedResourceName"),
        pytest.param("kubernetes.io/batteries", True, id="IsPrefixedNativeResource"),
        pytest.param("attachable-volumes-aws-ebs", True, id="IsAttachableVolumeResourceName"),
        pytest.param("requests.example.com/dongle", False, id="a quota name, not a resource"),
    ],
)
def test_scalar_resources_are_what_the_scheduler_counts_beside_cpu_and_memory(name, scalar):
    assert is_scalar_resource(name) is scalar
