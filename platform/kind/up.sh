#!/bin/sh
# Create (or finish creating) the kind cluster for Pull Policy Labs with its registries.
# Safe to run again: every step checks what exists first. Needs docker, kind, kubectl,
# skopeo and htpasswd, and the repository's .venv (make install).
#
# Follows kind's documented local-registry pattern
# (kubernetes-sigs/kind site/static/examples/kind-with-registry.sh), with two additions:
# a private registry behind htpasswd auth and the fault proxy in front of the public one.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "${here}/../.." && pwd)
cluster='pull-policy-labs'
state="${repo}/var/kind"
python="${repo}/.venv/bin/python"

public_name='ppl-registry'        # localhost:5001, anonymous pulls
public_port='5001'
private_name='ppl-registry-private'  # localhost:5002, htpasswd
private_port='5002'
proxy_name='ppl-faultproxy'       # localhost:5003, faults in front of the public registry
proxy_port='5003'
proxy_control_port='5099'         # PUT /mode/<pass|down|hang|slow|ratelimit>
# The kubelet's texts the labs and tests/contract expect are v1.35's.
node_image="${KIND_NODE_IMAGE:-kindest/node:v1.35.0}"
# The policy engines of the admission labs (areas 4, 7, 12, 19), pinned; their manifests come
# from the projects' own release URLs. The library templates are the commit whose Rego the
# simulator follows (clusters/sim/gatekeeper.py).
gatekeeper_version='v3.21.1'
gatekeeper_library_commit='c26151706646965a87a43a18192e558bddb5e09f'
kyverno_version='v1.15.2'
kubectl_kind="kubectl --context kind-${cluster}"
registry_image='registry:2.8'     # distribution 2.8, the version the tests here run against
private_user="${PPL_PRIVATE_USER:-learner}"
private_password="${PPL_PRIVATE_PASSWORD:-pull-policy-labs}"

running() {  # running NAME: true when the container NAME is up
  [ "$(docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null || true)" = 'true' ]
}

for tool in docker kind kubectl skopeo htpasswd; do
  command -v "${tool}" >/dev/null || { echo "up.sh needs ${tool} on PATH" >&2; exit 1; }
done
mkdir -p "${state}"

# 1. The public registry container, published on the host's loopback only, so the lab images
#    can be pushed from here without exposing a registry to the network.
if ! running "${public_name}"; then
  docker rm -f "${public_name}" >/dev/null 2>&1 || true
  docker run -d --restart=always --name "${public_name}" \
    -p "127.0.0.1:${public_port}:5000" "${registry_image}"
fi

# 2. The private registry: the same image with htpasswd auth, for imagePullSecrets labs.
#    Distribution reads only bcrypt entries, hence -B.
if ! running "${private_name}"; then
  docker rm -f "${private_name}" >/dev/null 2>&1 || true
  htpasswd -Bbn "${private_user}" "${private_password}" > "${state}/htpasswd"
  docker run -d --restart=always --name "${private_name}" \
    -p "127.0.0.1:${private_port}:5000" \
    -v "${state}/htpasswd:/auth/htpasswd:ro" \
    -e REGISTRY_AUTH=htpasswd \
    -e REGISTRY_AUTH_HTPASSWD_REALM=pull-policy-labs \
    -e REGISTRY_AUTH_HTPASSWD_PATH=/auth/htpasswd \
    "${registry_image}"
fi

# 3. The cluster itself, with containerd's certs.d config_path turned on (kind-config.yaml).
if ! kind get clusters 2>/dev/null | grep -qx "${cluster}"; then
  kind create cluster --config "${here}/kind-config.yaml" --image "${node_image}"
fi

# 4. Put every registry container on kind's network, so the nodes reach them by name.
#    (kind creates the network in step 3; the registries started before it existed.)
for name in "${public_name}" "${private_name}"; do
  if [ "$(docker inspect -f '{{json .NetworkSettings.Networks.kind}}' "${name}")" = 'null' ]; then
    docker network connect kind "${name}"
  fi
done

# 5. The fault proxy, on kind's network beside the registries. It is this repository's own
#    Python (clusters/realcluster/faultproxy.py), mounted read-only into a plain Python image.
if ! running "${proxy_name}"; then
  docker rm -f "${proxy_name}" >/dev/null 2>&1 || true
  docker run -d --restart=always --name "${proxy_name}" --network kind \
    -p "127.0.0.1:${proxy_port}:5000" -p "127.0.0.1:${proxy_control_port}:5099" \
    -v "${repo}:/src:ro" -w /src -e PYTHONDONTWRITEBYTECODE=1 \
    python:3.11-slim \
    python -m clusters.realcluster.faultproxy --upstream "${public_name}:5000"
fi

# 6. Tell each node's containerd that localhost:PORT means the matching container.
#    localhost inside a node is the node itself, so without this a pod and the host would
#    mean different registries by the same name.
for node in $(kind get nodes --name "${cluster}"); do
  for pair in "${public_port}:${public_name}" "${private_port}:${private_name}" \
              "${proxy_port}:${proxy_name}"; do
    port=${pair%%:*}
    name=${pair#*:}
    dir="/etc/containerd/certs.d/localhost:${port}"
    docker exec "${node}" mkdir -p "${dir}"
    printf '[host."http://%s:5000"]\n' "${name}" |
      docker exec -i "${node}" cp /dev/stdin "${dir}/hosts.toml"
  done
done

# 7. Build the FROM-scratch lab images (fixed digests, platform/images/catalog.yaml) and push
#    them: name:tag is the amd64 manifest the lab worlds cite, name:tag-multiarch the index
#    for arm64 laptops (--all copies every platform). --preserve-digests makes skopeo fail
#    rather than change a digest.
"${python}" -m clusters.realcluster.images --layout "${state}/layout"
for ref in lab/web:1.0 lab/web:2.0 lab/crash:1.0 lab/crash:2.0 lab/big:1.0; do
  skopeo --insecure-policy copy --quiet --preserve-digests --dest-tls-verify=false \
    "oci:${state}/layout:${ref}" "docker://localhost:${public_port}/${ref}"
  skopeo --insecure-policy copy --quiet --all --preserve-digests --dest-tls-verify=false \
    "oci:${state}/layout:${ref}-multiarch" "docker://localhost:${public_port}/${ref}-multiarch"
done
skopeo --insecure-policy copy --quiet --preserve-digests --dest-tls-verify=false \
  --dest-creds "${private_user}:${private_password}" \
  "oci:${state}/layout:lab/private:1.0" "docker://localhost:${private_port}/lab/private:1.0"

# 8. Advertise the local registry (KEP-1755), so tools in the cluster can find it.
kubectl --context "kind-${cluster}" apply -f - <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: local-registry-hosting
  namespace: kube-public
data:
  localRegistryHosting.v1: |
    host: "localhost:${public_port}"
    help: "https://kind.sigs.k8s.io/docs/user/local-registry/"
YAML

# 9. A kubeconfig for the platform (CLUSTER_KUBECONFIG); the learners get their own, made
#    per session from a ServiceAccount token (clusters/realcluster/session.py).
kind get kubeconfig --name "${cluster}" > "${state}/kubeconfig"

# 10. Gatekeeper with the three gatekeeper-library image templates, and Kyverno. Both are
#     cluster-wide: a constraint or ClusterPolicy a lab creates applies to every namespace, so
#     the admission labs want a cluster per learner (docs/real-cluster.md).
${kubectl_kind} apply -f \
  "https://raw.githubusercontent.com/open-policy-agent/gatekeeper/${gatekeeper_version}/deploy/gatekeeper.yaml"
${kubectl_kind} -n gatekeeper-system rollout status deployment/gatekeeper-controller-manager \
  --timeout=300s
for template in allowedrepos disallowedtags imagedigests; do
  ${kubectl_kind} apply -f \
    "https://raw.githubusercontent.com/open-policy-agent/gatekeeper-library/${gatekeeper_library_commit}/library/general/${template}/template.yaml"
done
# Kyverno's documented install is `kubectl create` (its CRDs are too large for the
# last-applied annotation of a client-side apply); create only once.
if ! ${kubectl_kind} get crd clusterpolicies.kyverno.io >/dev/null 2>&1; then
  ${kubectl_kind} create -f \
    "https://github.com/kyverno/kyverno/releases/download/${kyverno_version}/install.yaml"
fi
${kubectl_kind} -n kyverno rollout status deployment/kyverno-admission-controller --timeout=300s

echo "kind cluster ${cluster} is up; CLUSTER_KUBECONFIG=${state}/kubeconfig"
echo "registries: localhost:${public_port} (public), localhost:${private_port} (htpasswd),"
echo "  localhost:${proxy_port} (fault proxy; PUT 127.0.0.1:${proxy_control_port}/mode/<mode>)"
