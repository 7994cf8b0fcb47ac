"""What a node knows about registries: containerd's certs.d and the kubelet's credential providers.

A node's containerd reads `/etc/containerd/certs.d/<host[:port]>/` (containerd docs/hosts.md):
`ca.crt` makes it trust a registry's certificate authority, and `hosts.toml` names the
server(s) to talk to, e.g. `server = "http://reg:5000"` for a plain-HTTP registry, or mirror
hosts tried before the registry itself. The directory is the image's host exactly as written,
port included, so a CA installed for `reg.lab` does nothing for `reg.lab:5443/app`.

The kubelet runs credential provider plugins whose `matchImages` match the image
(keyring.provider_matches) and hands their credentials to the runtime with the pod's own.

Per node, `Tenant.node_registry[node]` holds `trust` (hosts with a CA), `hosts`
(`[{host, server}]`) and `credential_providers` (`[{name, matchImages}]`); mirrors stay in
`Tenant.node_mirrors` (`{registry: [endpoint, ...]}`), which the `mirrors` and `mirror` actions
both write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from clusters.sim.keyring import keyring_lookup, provider_config_errors, provider_matches
from clusters.sim.reference import ImageReference
from clusters.sim.registry import Route

if TYPE_CHECKING:
    from clusters.sim.tenant import Tenant


def _refuse(message: str) -> None:
    """The node would not take the change; the old configuration keeps running."""
    from clusters.sim.world import WorldChangeRefused  # world.py imports this module

    raise WorldChangeRefused(message)


def node_config(t: Tenant, node: str) -> dict[str, Any]:
    return t.node_registry.setdefault(node, {"trust": [], "hosts": [], "credential_providers": []})


def target_nodes(t: Tenant, nodes: Any) -> list[str]:
    """`all`, one node name or a list of them; an unknown node is refused."""
    names = (
        list(t.caches) if nodes in (None, "all") else [nodes] if isinstance(nodes, str) else nodes
    )
    unknown = [n for n in names if n not in t.caches]
    if unknown:
        _refuse(f"no such node: {', '.join(unknown)}")
    return names


def split_endpoint(endpoint: str) -> tuple[str, str]:
    """`http://mirror.corp:5000` -> ("http", "mirror.corp:5000"); no scheme means https."""
    scheme, sep, host = endpoint.partition("://")
    return (scheme, host.rstrip("/")) if sep else ("https", endpoint.rstrip("/"))


# --- world actions -------------------------------------------------------------------------
def trust_ca(t: Tenant, spec: dict[str, Any]) -> str:
    """`trust_ca: {nodes, host}`: install the registry's CA as certs.d/<host>/ca.crt."""
    host = spec["host"]
    for node in target_nodes(t, spec.get("nodes")):
        trusted = node_config(t, node)["trust"]
        if host not in trusted:
            trusted.append(host)
    return f"CA installed for {host}"


def registry_host(t: Tenant, spec: dict[str, Any]) -> str:
    """`registry_host: {nodes, host, server}`: write certs.d/<host>/hosts.toml `server = ...`."""
    host, server = spec["host"], spec["server"]
    for node in target_nodes(t, spec.get("nodes")):
        hosts = [h for h in node_config(t, node)["hosts"] if h["host"] != host]
        node_config(t, node)["hosts"] = [*hosts, {"host": host, "server": server}]
    return f"hosts.toml written for {host}"


def mirror(t: Tenant, spec: dict[str, Any]) -> str:
    """`mirror: {nodes, for, endpoint}`: certs.d/<for>/hosts.toml with the mirror as a host.

    The same table as the `mirrors` action and a world node's `mirrors`; the endpoint keeps
    its scheme, which says whether containerd talks HTTP or HTTPS to the mirror."""
    registry, endpoint = spec["for"], spec["endpoint"]
    for node in target_nodes(t, spec.get("nodes")):
        endpoints = t.node_mirrors.setdefault(node, {}).setdefault(registry, [])
        if endpoint not in endpoints:
            endpoints.append(endpoint)
    return f"{endpoint} mirrors {registry}"


def mirrors(t: Tenant, spec: dict[str, Any]) -> str:
    """`mirrors: {node, mirrors: {registry: [endpoint, ...]}}`: one node's whole mirror table."""
    target_nodes(t, spec["node"])
    t.node_mirrors[spec["node"]] = {k: list(v) for k, v in (spec.get("mirrors") or {}).items()}
    return f"node {spec['node']}: registry mirrors set"


def credential_provider(t: Tenant, spec: dict[str, Any]) -> str:
    """`credential_provider: {nodes, name, matchImages}`: the kubelet's CredentialProviderConfig.

    A provider with the same name is replaced; an invalid one is refused and the old
    configuration keeps running."""
    name, match_images = spec.get("name", ""), spec.get("matchImages")
    problems = provider_config_errors(name, match_images)
    if problems:
        _refuse("; ".join(problems))
    for node in target_nodes(t, spec.get("nodes")):
        config = node_config(t, node)
        kept = [p for p in config["credential_providers"] if p["name"] != name]
        config["credential_providers"] = [*kept, {"name": name, "matchImages": list(match_images)}]
    return f"credential provider {name} configured"


def registry(t: Tenant, spec: dict[str, Any]) -> str:
    """`registry: {host, down|tls|plain_http|rate_limit|...}`: change how a registry behaves
    (an outage, a certificate, a quota). Its repositories and traffic log stay."""
    fields = {k: v for k, v in spec.items() if k not in ("repositories", "log")}
    entry = t.registries.setdefault(spec["host"], {"host": spec["host"], "repositories": []})
    entry.update(fields)
    return f"registry {spec['host']} changed"


REGISTRY_CHANGES: dict[str, Callable[[Tenant, Any], str]] = {
    "registry": registry,
    "trust_ca": trust_ca,
    "registry_host": registry_host,
    "mirror": mirror,
    "mirrors": mirrors,
    "credential_provider": credential_provider,
}


# --- what a pull uses ----------------------------------------------------------------------
def route(t: Tenant, node: str, host: str) -> Route:
    """How this node reaches the registry `host`: the scheme its hosts.toml `server` gives
    (https without one) and whether a CA is installed for it."""
    config = t.node_registry.get(node) or {}
    servers = [h["server"] for h in config.get("hosts", []) if h["host"] == host]
    scheme = split_endpoint(servers[-1])[0] if servers else "https"
    return Route(host, scheme, host in config.get("trust", []))


def mirror_routes(t: Tenant, node: str, registry: str) -> list[Route]:
    """The node's mirrors for a registry, in hosts.toml order; the endpoint's scheme is used."""
    routes = []
    for endpoint in (t.node_mirrors.get(node) or {}).get(registry) or []:
        scheme, host = split_endpoint(endpoint)
        routes.append(Route(host, scheme, route(t, node, host).trusted))
    return routes


def pull_credentials(
    t: Tenant, pod: dict[str, Any], ref: ImageReference, node: str
) -> list[dict[str, Any]]:
    """What the kubelet passes the runtime for this image: the pod's pull-secret entries whose
    registry key matches (keyring.keyring_lookup), then each matching credential provider's
    credentials ({"provider": name})."""
    image = ref.name
    secret_entries = t.pull_credentials(pod)
    matched = keyring_lookup([e for e in secret_entries if "registry" in e], image)
    unkeyed = [e for e in secret_entries if "registry" not in e]
    providers = [
        {"provider": p["name"]}
        for p in (t.node_registry.get(node) or {}).get("credential_providers", [])
        if provider_matches(p["matchImages"], image)
    ]
    return [*matched, *unkeyed, *providers]


def node_status(t: Tenant, node: str) -> dict[str, Any]:
    """The node's keys of the LabWorld status (interfaces.md item 2)."""
    config = t.node_registry.get(node) or {}
    return {
        "trust": list(config.get("trust", [])),
        "hosts": [dict(h) for h in config.get("hosts", [])],
        "credential_providers": [
            {"name": p["name"], "matchImages": list(p["matchImages"])}
            for p in config.get("credential_providers", [])
        ],
    }


def realise_node(t: Tenant, spec: dict[str, Any]) -> None:
    """A world node's own `trust`, `hosts`, `credential_providers` and `mirrors`
    (`{docker.io: [mirror.corp:5000]}`): the lab's starting state."""
    if spec.get("mirrors"):
        t.node_mirrors[spec["name"]] = {k: list(v) for k, v in spec["mirrors"].items()}
    config = node_config(t, spec["name"])
    config["trust"] = list(spec.get("trust") or [])
    config["hosts"] = [dict(h) for h in spec.get("hosts") or []]
    config["credential_providers"] = [
        {"name": p["name"], "matchImages": list(p["matchImages"])}
        for p in spec.get("credential_providers") or []
    ]
