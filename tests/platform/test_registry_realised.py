"""World registry keys realised on the real pieces: Debian's docker-registry, the fault proxy and
containerd 1.6 (LocalWorld). Each test checks on real software what the simulator teaches:

- `rate_limit: {anonymous, authenticated, window}`: only manifest GETs count, per client
  class; containerd re-checking an image it holds sends a HEAD and no GET;
- `tls: self-signed` + `trust_ca`: the CA must be installed for the host with its port.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator

import pytest

from clusters.realcluster.faultproxy import (
    FaultProxy,
    RateLimit,
    control_server,
    self_signed_certificate,
)
from clusters.realcluster.localworld import PRIVATE_CREDENTIALS, LocalWorld
from clusters.realcluster.processes import free_port
from clusters.realcluster.world import apply_to_fault_proxy, fault_proxy_paths


@pytest.fixture
def quota(world: LocalWorld) -> Iterator[FaultProxy]:
    """The shared fault proxy with a quota for one test; unlimited again afterwards."""
    yield world.proxy
    world.proxy.rate_limit = None


def test_anonymous_quota_counts_gets_and_a_cached_recheck_costs_none(
    world: LocalWorld, quota: FaultProxy
) -> None:
    web, crash = (world.catalog_digest(ref) for ref in ("lab/web:1.0", "lab/crash:1.0"))
    world.containerd.forget(web)
    world.containerd.forget(crash)
    quota.rate_limit = RateLimit(anonymous=1, window_seconds=3600)
    before = dict(quota.counts)
    first = world.containerd.cri_pull(f"{quota.host}/lab/web:1.0")
    assert first.ok, first.text
    again = world.containerd.cri_pull(f"{quota.host}/lab/web:1.0")  # held: HEAD only
    assert again.ok, again.text
    limited = world.containerd.cri_pull(f"{quota.host}/lab/crash:1.0")
    assert not limited.ok
    assert limited.text.endswith(
        f"unexpected status code http://{quota.host}/v2/lab/crash/manifests/{crash}: "
        "429 Too Many Requests - Server message: toomanyrequests: You have reached your pull "
        "rate limit. You may increase the limit by authenticating and upgrading: "
        "https://www.docker.com/increase-rate-limit"
    )
    assert quota.rate_limit.gets["anonymous"] and len(quota.rate_limit.gets["anonymous"]) == 1
    assert quota.counts["authenticated"] == before["authenticated"]


def test_authenticated_pulls_have_their_own_quota(world: LocalWorld) -> None:
    """Through token auth like Docker Hub's: an anonymous bearer token (empty `sub`) is
    anonymous, a token issued to a user is authenticated."""
    web = world.catalog_digest("lab/web:1.0")
    with FaultProxy(world.hub.port) as proxy:
        world.containerd.write_hosts(proxy.host, f"http://{proxy.host}")
        proxy.rate_limit = RateLimit(anonymous=0, authenticated=5)
        world.containerd.forget(web)
        anonymous = world.containerd.cri_pull(f"{proxy.host}/lab/web:1.0")
        assert "429 Too Many Requests" in anonymous.text
        login = PRIVATE_CREDENTIALS
        signed_in = world.containerd.cri_pull(
            f"{proxy.host}/lab/web:1.0", login.username, login.password
        )
        assert signed_in.ok, signed_in.text
        assert len(proxy.rate_limit.gets["authenticated"]) == 1
        assert proxy.pulls == [f"/v2/lab/web/manifests/{web}"]
    world.containerd.forget(web)


def test_the_control_port_sets_a_quota_and_reports_the_log(world: LocalWorld) -> None:
    with FaultProxy(world.public.port) as proxy:
        control = control_server(proxy, ("127.0.0.1", free_port()))
        thread = threading.Thread(target=control.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{control.server_port}"
        try:
            put = urllib.request.Request(f"{base}/ratelimit?anonymous=2&window=60", method="PUT")
            with urllib.request.urlopen(put, timeout=5):
                pass
            assert (proxy.rate_limit.anonymous, proxy.rate_limit.authenticated) == (2, None)
            assert proxy.rate_limit.window_seconds == 60
            manifest = urllib.request.Request(
                f"http://{proxy.host}/v2/lab/web/manifests/1.0",
                headers={
                    "Accept": "application/vnd.oci.image.index.v1+json, "
                    "application/vnd.oci.image.manifest.v1+json"
                },
            )
            with urllib.request.urlopen(manifest, timeout=5):
                pass
            with urllib.request.urlopen(f"{base}/log", timeout=5) as answer:
                log = json.loads(answer.read())
            assert log == {
                "requests": {"anonymous": 1, "authenticated": 0},
                "pulls": ["/v2/lab/web/manifests/1.0"],
            }
        finally:
            control.shutdown()
            control.server_close()


def test_a_ca_for_the_host_without_its_port_is_not_trusted(world: LocalWorld, tmp_path) -> None:
    """containerd looks up certs.d/<host:port>; `reg.lab` and `reg.lab:5443` differ."""
    certificate = self_signed_certificate(tmp_path / "tls", "trust test")
    with FaultProxy(world.public.port, tls=certificate) as proxy:
        ref = f"{proxy.host}/lab/web:1.0"
        world.containerd.forget(world.catalog_digest("lab/web:1.0"))
        world.containerd.write_hosts(proxy.host, f"https://{proxy.host}")
        untrusted = world.containerd.cri_pull(ref)
        assert untrusted.text.endswith("x509: certificate signed by unknown authority")
        world.containerd.trust_ca("127.0.0.1", certificate.certificate)  # no port
        assert (
            "x509: certificate signed by unknown authority" in world.containerd.cri_pull(ref).text
        )
        world.containerd.trust_ca(proxy.host, certificate.certificate)
        trusted = world.containerd.cri_pull(ref)
        assert trusted.ok, trusted.text
    world.containerd.forget(world.catalog_digest("lab/web:1.0"))


@pytest.mark.parametrize(
    ("spec", "paths"),
    [
        pytest.param({}, ["/mode/pass", "/ratelimit"], id="plain"),
        pytest.param({"down": True}, ["/mode/down", "/ratelimit"], id="down"),
        pytest.param(
            {"rate_limit": {"anonymous": 3, "authenticated": 200, "window": "6h"}},
            ["/mode/pass", "/ratelimit?anonymous=3&authenticated=200&window=21600"],
            id="quota",
        ),
        pytest.param(
            {"rate_limit": {"pulls": 0, "window": 60}},
            ["/mode/pass", "/ratelimit?anonymous=0&authenticated=0&window=60"],
            id="older-pulls-form",
        ),
    ],
)
def test_fault_proxy_paths_say_what_the_world_registry_says(spec: dict, paths: list) -> None:
    assert fault_proxy_paths(spec) == paths


def test_a_world_registry_realised_on_the_proxy_refuses_past_its_quota(world: LocalWorld) -> None:
    crash = world.catalog_digest("lab/crash:1.0")
    with FaultProxy(world.public.port) as proxy:
        control = control_server(proxy, ("127.0.0.1", free_port()))
        thread = threading.Thread(target=control.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            world.containerd.write_hosts(proxy.host, f"http://{proxy.host}")
            url = f"http://127.0.0.1:{control.server_port}"
            apply_to_fault_proxy(url, {"rate_limit": {"anonymous": 0, "window": "6h"}})
            world.containerd.forget(crash)
            limited = world.containerd.cri_pull(f"{proxy.host}/lab/crash:1.0")
            assert "429 Too Many Requests" in limited.text
            apply_to_fault_proxy(url, {"down": True})
            down = world.containerd.cri_pull(f"{proxy.host}/lab/crash:1.0")
            assert down.text.endswith("connect: connection refused")
            apply_to_fault_proxy(url, {})
            assert world.containerd.cri_pull(f"{proxy.host}/lab/crash:1.0").ok
        finally:
            control.shutdown()
            control.server_close()
    world.containerd.forget(crash)
