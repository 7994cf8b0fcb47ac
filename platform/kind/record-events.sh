#!/bin/sh
# Record real Event objects from the kind cluster made by up.sh, one scenario per file, for
# the platform's event normalisation and the simulator's messages. Needs docker, kind,
# kubectl and jq. Writes platform/recorded/events/kind-<server version>/<scenario>.json.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "${here}/../.." && pwd)
context='kind-pull-policy-labs'
namespace='ppl-record-events'
control='http://127.0.0.1:5099/mode'
k() { kubectl --context "${context}" "$@"; }

version=$(k version -o json | jq -r .serverVersion.gitVersion)
out="${repo}/platform/recorded/events/kind-${version}"
mkdir -p "${out}"

# 1. A fresh namespace, so only this run's Events are in it.
k delete namespace "${namespace}" --ignore-not-found --wait=true
k create namespace "${namespace}"

# 2. One pod per scenario: name, image, policy. localhost:5001 is the public registry,
#    :5002 the htpasswd one (no pull secret here), :5003 the fault proxy.
scenarios='always localhost:5001/lab/web:1.0 Always
ifnotpresent localhost:5001/lab/web:1.0 IfNotPresent
never-missing localhost:5001/lab/web:2.0 Never
tag-not-found localhost:5001/lab/web:9.9 IfNotPresent
private-no-credentials localhost:5002/lab/private:1.0 IfNotPresent
crash localhost:5001/lab/crash:1.0 IfNotPresent'
echo "${scenarios}" | while read -r name image policy; do
  k -n "${namespace}" run "${name}" --image="${image}" --image-pull-policy="${policy}" \
    --restart=Always
done

# 3. The rate-limited registry: switch the fault proxy, start the pod, switch back later.
curl -fsS -X PUT "${control}/ratelimit"
k -n "${namespace}" run toomanyrequests --image=localhost:5003/lab/web:2.0 \
  --image-pull-policy=Always

# 4. Let back-offs and a crash (30 s) happen, then save each pod's Events with provenance.
sleep 90
curl -fsS -X PUT "${control}/pass"
for pod in $(k -n "${namespace}" get pods -o name | cut -d/ -f2); do
  k -n "${namespace}" get events -o json \
    --field-selector "involvedObject.kind=Pod,involvedObject.name=${pod}" |
    jq --arg version "${version}" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
      --arg command "kubectl get events -o json --field-selector involvedObject.name=${pod}" \
      '{provenance: {source: "kind cluster from platform/kind/up.sh", server: $version,
        recorded_at: $date, command: $command}, events: .items}' > "${out}/${pod}.json"
done

# 5. Leave nothing behind.
k delete namespace "${namespace}" --wait=false
echo "recorded: ${out}"
