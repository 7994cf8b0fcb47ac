"""`kubectl get`'s server-side Table form, with the columns of the real printers.

Upstream: pkg/printers/internalversion/printers.go (AddHandlers: podColumnDefinitions, printPod,
nodeColumnDefinitions, printNode, eventColumnDefinitions, printEvent, printNamespace) and
apimachinery/pkg/util/duration (HumanDuration, used for AGE).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clusters.sim.ids import parse_rfc3339
from clusters.sim.podstatus import pod_reason

TABLE_MEDIA = "as=Table"
Column = tuple[str, str, int]  # name, format ("name" or ""), priority


def human_duration(seconds: float) -> str:
    """apimachinery/pkg/util/duration HumanDuration."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rest = s % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{hours // 24 // 365}y"


def _since(stamp: str | None, now: float) -> str:
    if not stamp:
        return "<unknown>"
    return human_duration(now - parse_rfc3339(stamp))


def _pod_cells(pod: dict[str, Any], now: float) -> list[Any]:
    reason, ready, total, restarts, last_restart = pod_reason(pod)
    restarts_text = str(restarts)
    if last_restart:
        restarts_text = f"{restarts} ({_since(last_restart, now)} ago)"
    status = pod.get("status") or {}
    gates = (pod.get("spec") or {}).get("readinessGates") or []
    return [
        pod["metadata"]["name"],
        f"{ready}/{total}",
        reason,
        restarts_text,
        _since(pod["metadata"].get("creationTimestamp"), now),
        status.get("podIP") or "<none>",
        (pod.get("spec") or {}).get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        f"{sum(1 for _ in gates)}/{len(gates)}" if gates else "<none>",
    ]


def _node_cells(node: dict[str, Any], now: float) -> list[Any]:
    status = node.get("status") or {}
    conditions = {c["type"]: c["status"] for c in status.get("conditions") or []}
    state = "Ready" if conditions.get("Ready") == "True" else "NotReady"
    if (node.get("spec") or {}).get("unschedulable"):
        state += ",SchedulingDisabled"
    roles = sorted(
        k.split("/", 1)[1]
        for k in (node["metadata"].get("labels") or {})
        if k.startswith("node-role.kubernetes.io/")
    )
    addresses = {a["type"]: a["address"] for a in status.get("addresses") or []}
    info = status.get("nodeInfo") or {}
    return [
        node["metadata"]["name"],
        state,
        ",".join(roles) or "<none>",
        _since(node["metadata"].get("creationTimestamp"), now),
        info.get("kubeletVersion", ""),
        addresses.get("InternalIP", "<none>"),
        addresses.get("ExternalIP", "<none>"),
        info.get("osImage", "<unknown>"),
        info.get("kernelVersion", "<unknown>"),
        info.get("containerRuntimeVersion", "<unknown>"),
    ]


def _event_source(event: dict[str, Any]) -> str:
    source = event.get("source") or {}
    component = source.get("component") or event.get("reportingComponent") or ""
    host = source.get("host") or ""
    return f"{component}, {host}" if host else component


def _event_cells(event: dict[str, Any], now: float) -> list[Any]:
    first_stamp = event.get("firstTimestamp") or (event.get("eventTime") or "")[:19] + "Z"
    last_stamp = event.get("lastTimestamp") or first_stamp
    involved = event.get("involvedObject") or {}
    kind = (involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    return [
        _since(last_stamp, now),
        event.get("type", ""),
        event.get("reason", ""),
        target,
        involved.get("fieldPath", ""),
        _event_source(event),
        (event.get("message") or "").strip(),
        _since(first_stamp, now),
        int(event.get("count") or 1),
        event["metadata"]["name"],
    ]


def _namespace_cells(ns: dict[str, Any], now: float) -> list[Any]:
    return [
        ns["metadata"]["name"],
        (ns.get("status") or {}).get("phase", ""),
        _since(ns["metadata"].get("creationTimestamp"), now),
    ]


def _secret_cells(secret: dict[str, Any], now: float) -> list[Any]:
    return [
        secret["metadata"]["name"],
        secret.get("type", "Opaque"),
        len(secret.get("data") or {}),
        _since(secret["metadata"].get("creationTimestamp"), now),
    ]


def _label_selector_text(selector: dict[str, Any] | None) -> str:
    """metav1.FormatLabelSelector: requirements sorted by key, "<none>" when empty."""
    selector = selector or {}
    parts = [(k, f"{k}={v}") for k, v in (selector.get("matchLabels") or {}).items()]
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key", ""), expression.get("operator", "")
        values = ",".join(sorted(expression.get("values") or []))
        text = {
            "In": f"{key} in ({values})",
            "NotIn": f"{key} notin ({values})",
            "Exists": key,
            "DoesNotExist": f"!{key}",
        }.get(operator, key)
        parts.append((key, text))
    return ",".join(text for _, text in sorted(parts)) or "<none>"


def _selector_text(obj: dict[str, Any]) -> str:
    return _label_selector_text((obj.get("spec") or {}).get("selector"))


def _resource_quota_cells(obj: dict[str, Any], now: float) -> list[Any]:
    """printResourceQuota: `resource: used/hard` for each hard resource, by name; the
    `limits.*` ones in their own column."""
    status = obj.get("status") or {}
    hard, used = status.get("hard") or {}, status.get("used") or {}
    request, limit = [], []
    for resource in sorted(hard):
        column = limit if resource.split(".")[0] == "limits" and "." in resource else request
        column.append(f"{resource}: {used.get(resource, '0')}/{hard[resource]}")
    return [
        obj["metadata"]["name"],
        _since(obj["metadata"].get("creationTimestamp"), now),
        ", ".join(request),
        ", ".join(limit),
    ]


def _service_account_cells(obj: dict[str, Any], now: float) -> list[Any]:
    """printServiceAccount."""
    return [
        obj["metadata"]["name"],
        len(obj.get("secrets") or []),
        _since(obj["metadata"].get("creationTimestamp"), now),
    ]


def _role_binding_cells(obj: dict[str, Any], now: float) -> list[Any]:
    """printRoleBinding / printClusterRoleBinding."""
    ref = obj.get("roleRef") or {}
    return [
        obj["metadata"]["name"],
        f"{ref.get('kind', '')}/{ref.get('name', '')}",
        _since(obj["metadata"].get("creationTimestamp"), now),
    ]


def _network_policy_cells(obj: dict[str, Any], now: float) -> list[Any]:
    """printNetworkPolicy."""
    return [
        obj["metadata"]["name"],
        _label_selector_text((obj.get("spec") or {}).get("podSelector")),
        _since(obj["metadata"].get("creationTimestamp"), now),
    ]


def _template_columns(obj: dict[str, Any]) -> list[str]:
    containers = (((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get(
        "containers"
    ) or []
    return [
        ",".join(c["name"] for c in containers),
        ",".join(c["image"] for c in containers),
        _selector_text(obj),
    ]


def _deployment_cells(obj: dict[str, Any], now: float) -> list[Any]:
    """printDeployment."""
    status = obj.get("status") or {}
    desired = (obj.get("spec") or {}).get("replicas", 0)
    return [
        obj["metadata"]["name"],
        f"{status.get('readyReplicas', 0)}/{desired}",
        int(status.get("updatedReplicas", 0)),
        int(status.get("availableReplicas", 0)),
        _since(obj["metadata"].get("creationTimestamp"), now),
        *_template_columns(obj),
    ]


def _replicaset_cells(obj: dict[str, Any], now: float) -> list[Any]:
    """printReplicaSet."""
    status = obj.get("status") or {}
    return [
        obj["metadata"]["name"],
        int((obj.get("spec") or {}).get("replicas", 0)),
        int(status.get("replicas", 0)),
        int(status.get("readyReplicas", 0)),
        _since(obj["metadata"].get("creationTimestamp"), now),
        *_template_columns(obj),
    ]


def _daemonset_cells(obj: dict[str, Any], now: float) -> list[Any]:
    """printDaemonSet."""
    status = obj.get("status") or {}
    template_spec = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    selector = template_spec.get("nodeSelector") or {}
    return [
        obj["metadata"]["name"],
        int(status.get("desiredNumberScheduled", 0)),
        int(status.get("currentNumberScheduled", 0)),
        int(status.get("numberReady", 0)),
        int(status.get("updatedNumberScheduled", 0)),
        int(status.get("numberAvailable", 0)),
        ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "<none>",
        _since(obj["metadata"].get("creationTimestamp"), now),
        *_template_columns(obj),
    ]


def _job_cells(obj: dict[str, Any], now: float) -> list[Any]:
    """printJob (v1.35 columns: NAME STATUS COMPLETIONS DURATION AGE)."""
    status = obj.get("status") or {}
    conditions = {c["type"] for c in status.get("conditions") or [] if c.get("status") == "True"}
    state = next(
        (s for s in ("Complete", "Failed", "FailureTarget", "Suspended") if s in conditions), ""
    )
    if not state:
        state = "Suspended" if (obj.get("spec") or {}).get("suspend") else "Running"
    completions = (obj.get("spec") or {}).get("completions")
    done = (
        f"{status.get('succeeded', 0)}/{completions}"
        if completions
        else f"{status.get('succeeded', 0)}/1 of {(obj.get('spec') or {}).get('parallelism', 1)}"
    )
    start = status.get("startTime")
    end = parse_rfc3339(status["completionTime"]) if status.get("completionTime") else now
    duration = human_duration(end - parse_rfc3339(start)) if start else ""
    return [
        obj["metadata"]["name"],
        state,
        done,
        duration,
        _since(obj["metadata"].get("creationTimestamp"), now),
        *_template_columns(obj),
    ]


def _service_cells(obj: dict[str, Any], now: float) -> list[Any]:
    """printService."""
    spec = obj.get("spec") or {}
    ports = ",".join(
        f"{p['port']}:{p['nodePort']}/{p.get('protocol', 'TCP')}"
        if p.get("nodePort")
        else f"{p['port']}/{p.get('protocol', 'TCP')}"
        for p in spec.get("ports") or []
    )
    selector = ",".join(f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items()))
    external = ",".join(spec.get("externalIPs") or []) or (
        "<pending>" if spec.get("type") == "LoadBalancer" else "<none>"
    )
    return [
        obj["metadata"]["name"],
        spec.get("type", "ClusterIP"),
        spec.get("clusterIP") or "<none>",
        external,
        ports or "<none>",
        _since(obj["metadata"].get("creationTimestamp"), now),
        selector or "<none>",
    ]


def _cronjob_cells(obj: dict[str, Any], now: float) -> list[Any]:
    """printCronJob."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    template = (spec.get("jobTemplate") or {}).get("spec") or {}
    last = status.get("lastScheduleTime")
    containers = ((template.get("template") or {}).get("spec") or {}).get("containers") or []
    return [
        obj["metadata"]["name"],
        spec.get("schedule", ""),
        spec.get("timeZone") or "<none>",
        "True" if spec.get("suspend") else "False",
        len(status.get("active") or []),
        _since(last, now) if last else "<none>",
        _since(obj["metadata"].get("creationTimestamp"), now),
        ",".join(c["name"] for c in containers),
        ",".join(c["image"] for c in containers),
        _selector_text({"spec": template}),
    ]


def _default_cells(obj: dict[str, Any], now: float) -> list[Any]:
    return [obj["metadata"]["name"], obj["metadata"].get("creationTimestamp", "")]


def _constraint_cells(obj: dict[str, Any], now: float) -> list[Any]:
    """The constraint framework's CRD columns (frameworks constraint/pkg/client/crds.go)."""
    return [
        obj["metadata"]["name"],
        (obj.get("spec") or {}).get("enforcementAction"),
        (obj.get("status") or {}).get("totalViolations"),
    ]


def _cluster_policy_cells(obj: dict[str, Any], now: float) -> list[Any]:
    """Kyverno's ClusterPolicy CRD columns (api/kyverno/v1 printcolumn markers)."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ready = next(
        (c.get("status") for c in status.get("conditions") or [] if c.get("type") == "Ready"),
        None,
    )
    counts = status.get("rulecount") or {}
    return [
        obj["metadata"]["name"],
        spec.get("admission"),
        spec.get("background"),
        ready,
        _since(obj["metadata"].get("creationTimestamp"), now),
        spec.get("failurePolicy"),
        counts.get("validate"),
        counts.get("mutate"),
        counts.get("generate"),
        counts.get("verifyimages"),
        next(
            (c.get("message") for c in status.get("conditions") or [] if c["type"] == "Ready"),
            None,
        ),
    ]


NAME_DESCRIPTION = (
    "Name must be unique within a namespace. Is required when creating resources, although some "
    "resources may allow a client to request the generation of an appropriate name automatically. "
    "Name is primarily intended for creation idempotence and configuration definition. Cannot be "
    "updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
AGE_DESCRIPTION = (
    "CreationTimestamp is a timestamp representing the server time when this object was created."
)

PRINTERS: dict[str, tuple[list[Column], Callable[[dict[str, Any], float], list[Any]]]] = {
    "pods": (
        [
            ("Name", "name", 0),
            ("Ready", "", 0),
            ("Status", "", 0),
            ("Restarts", "", 0),
            ("Age", "", 0),
            ("IP", "", 1),
            ("Node", "", 1),
            ("Nominated Node", "", 1),
            ("Readiness Gates", "", 1),
        ],
        _pod_cells,
    ),
    "nodes": (
        [
            ("Name", "name", 0),
            ("Status", "", 0),
            ("Roles", "", 0),
            ("Age", "", 0),
            ("Version", "", 0),
            ("Internal-IP", "", 1),
            ("External-IP", "", 1),
            ("OS-Image", "", 1),
            ("Kernel-Version", "", 1),
            ("Container-Runtime", "", 1),
        ],
        _node_cells,
    ),
    "events": (
        [
            ("Last Seen", "", 0),
            ("Type", "", 0),
            ("Reason", "", 0),
            ("Object", "", 0),
            ("Subobject", "", 1),
            ("Source", "", 1),
            ("Message", "", 0),
            ("First Seen", "", 1),
            ("Count", "", 1),
            ("Name", "name", 1),
        ],
        _event_cells,
    ),
    "namespaces": ([("Name", "name", 0), ("Status", "", 0), ("Age", "", 0)], _namespace_cells),
    "deployments": (
        [
            ("Name", "name", 0),
            ("Ready", "", 0),
            ("Up-to-date", "", 0),
            ("Available", "", 0),
            ("Age", "", 0),
            ("Containers", "", 1),
            ("Images", "", 1),
            ("Selector", "", 1),
        ],
        _deployment_cells,
    ),
    "daemonsets": (
        [
            ("Name", "name", 0),
            ("Desired", "", 0),
            ("Current", "", 0),
            ("Ready", "", 0),
            ("Up-to-date", "", 0),
            ("Available", "", 0),
            ("Node Selector", "", 0),
            ("Age", "", 0),
            ("Containers", "", 1),
            ("Images", "", 1),
            ("Selector", "", 1),
        ],
        _daemonset_cells,
    ),
    "services": (
        [
            ("Name", "name", 0),
            ("Type", "", 0),
            ("Cluster-IP", "", 0),
            ("External-IP", "", 0),
            ("Port(s)", "", 0),
            ("Age", "", 0),
            ("Selector", "", 1),
        ],
        _service_cells,
    ),
    "cronjobs": (
        [
            ("Name", "name", 0),
            ("Schedule", "", 0),
            ("Timezone", "", 0),
            ("Suspend", "", 0),
            ("Active", "", 0),
            ("Last Schedule", "", 0),
            ("Age", "", 0),
            ("Containers", "", 1),
            ("Images", "", 1),
            ("Selector", "", 1),
        ],
        _cronjob_cells,
    ),
    "jobs": (
        [
            ("Name", "name", 0),
            ("Status", "", 0),
            ("Completions", "", 0),
            ("Duration", "", 0),
            ("Age", "", 0),
            ("Containers", "", 1),
            ("Images", "", 1),
            ("Selector", "", 1),
        ],
        _job_cells,
    ),
    "replicasets": (
        [
            ("Name", "name", 0),
            ("Desired", "", 0),
            ("Current", "", 0),
            ("Ready", "", 0),
            ("Age", "", 0),
            ("Containers", "", 1),
            ("Images", "", 1),
            ("Selector", "", 1),
        ],
        _replicaset_cells,
    ),
    "secrets": (
        [("Name", "name", 0), ("Type", "", 0), ("Data", "", 0), ("Age", "", 0)],
        _secret_cells,
    ),
    "resourcequotas": (
        [("Name", "name", 0), ("Age", "", 0), ("Request", "", 0), ("Limit", "", 0)],
        _resource_quota_cells,
    ),
    "serviceaccounts": (
        [("Name", "name", 0), ("Secrets", "", 0), ("Age", "", 0)],
        _service_account_cells,
    ),
    "rolebindings": ([("Name", "name", 0), ("Role", "", 0), ("Age", "", 0)], _role_binding_cells),
    "clusterrolebindings": (
        [("Name", "name", 0), ("Role", "", 0), ("Age", "", 0)],
        _role_binding_cells,
    ),
    "networkpolicies": (
        [("Name", "name", 0), ("Pod-Selector", "", 0), ("Age", "", 0)],
        _network_policy_cells,
    ),
}
for _constraint in ("k8sallowedrepos", "k8sdisallowedtags", "k8simagedigests"):
    PRINTERS[_constraint] = (
        [("Name", "name", 0), ("enforcement-action", "", 0), ("total-violations", "", 0)],
        _constraint_cells,
    )
PRINTERS["clusterpolicies"] = (
    [
        ("Name", "name", 0),
        ("ADMISSION", "", 0),
        ("BACKGROUND", "", 0),
        ("READY", "", 0),
        ("AGE", "date", 0),
        ("FAILURE POLICY", "", 1),
        ("VALIDATE", "", 1),
        ("MUTATE", "", 1),
        ("GENERATE", "", 1),
        ("VERIFY IMAGES", "", 1),
        ("MESSAGE", "", 1),
    ],
    _cluster_policy_cells,
)
COLUMN_TYPES = {
    "total-violations": "integer",
    "ADMISSION": "boolean",
    "BACKGROUND": "boolean",
    **{name: "integer" for name in ("VALIDATE", "MUTATE", "GENERATE", "VERIFY IMAGES")},
}
DEFAULT_PRINTER: tuple[list[Column], Callable[[dict[str, Any], float], list[Any]]] = (
    [("Name", "name", 0), ("Created At", "date", 0)],
    _default_cells,
)
INTEGER_COLUMNS = {
    "Active",
    "Count",
    "Data",
    "Secrets",
    "Up-to-date",
    "Available",
    "Desired",
    "Current",
}


def column_definitions(resource: str) -> list[dict[str, Any]]:
    columns, _ = PRINTERS.get(resource, DEFAULT_PRINTER)
    return [
        {
            "name": name,
            "type": COLUMN_TYPES.get(name, "integer" if name in INTEGER_COLUMNS else "string"),
            "format": fmt,
            "description": NAME_DESCRIPTION
            if name == "Name"
            else AGE_DESCRIPTION
            if name == "Age"
            else name,
            "priority": priority,
        }
        for name, fmt, priority in columns
    ]


def row_object(obj: dict[str, Any], include: str) -> dict[str, Any] | None:
    if include == "None":
        return None
    if include == "Object":
        return obj
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj["metadata"],
    }


def table(
    resource: str,
    items: list[dict[str, Any]],
    rv: int | str,
    now: float,
    include: str = "Metadata",
    headers: bool = True,
) -> dict[str, Any]:
    _, cells = PRINTERS.get(resource, DEFAULT_PRINTER)
    rows = []
    for obj in items:
        row: dict[str, Any] = {"cells": cells(obj, now)}
        embedded = row_object(obj, include)
        if embedded is not None:
            row["object"] = embedded
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": str(rv)},
        "columnDefinitions": column_definitions(resource) if headers else [],
        "rows": rows,
    }


def wants_table(accept: str) -> bool:
    first = accept.split(",")[0] if accept else ""
    return TABLE_MEDIA in first and "g=meta.k8s.io" in first
