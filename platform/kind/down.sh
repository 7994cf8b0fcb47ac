#!/bin/sh
# Remove what up.sh made: the kind cluster, the registries and the fault proxy.
# Safe to run again; the pushed images go with the registry containers.
set -eu

cluster='pull-policy-labs'

if kind get clusters 2>/dev/null | grep -qx "${cluster}"; then
  kind delete cluster --name "${cluster}"
fi
for name in ppl-faultproxy ppl-registry-private ppl-registry; do
  docker rm -f "${name}" >/dev/null 2>&1 || true
done
