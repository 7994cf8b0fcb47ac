"""Every real piece a lab world needs on one machine, started together and torn down together.

- `public`: a registry with the lab images (`lab/web`, `lab/crash`, `lab/big`);
- `private`: a registry behind htpasswd auth with `lab/private`;
- `hub`: a registry with Docker Hub's kind of auth (bearer tokens from `tokens`), holding
  `lab/web` (public) and `lab/private` (needs PRIVATE_CREDENTIALS);
- `proxy`: the fault proxy in front of `public`;
- `tls_proxy`: the same proxy serving HTTPS with a self-signed certificate;
- `containerd`: a runtime whose certs.d sends each of those hosts to the right place.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from clusters.realcluster.containerd import Containerd
from clusters.realcluster.faultproxy import FaultProxy, self_signed_certificate
from clusters.realcluster.images import (
    MULTIARCH_SUFFIX,
    BuiltImage,
    LayoutSource,
    build_all,
    layout_sources,
    write_layout,
)
from clusters.realcluster.registry import Credentials, RegistryServer, push
from clusters.realcluster.tokenauth import TokenServer

PRIVATE_CREDENTIALS = Credentials("learner", "pull-policy-labs")
PRIVATE_REPOSITORIES = ("lab/private",)
PUBLISHER_CREDENTIALS = Credentials("publisher", "lab-images")


class LocalWorld(contextlib.ExitStack):
    def __init__(self, workdir: Path) -> None:
        super().__init__()
        self.workdir = workdir
        self.images: list[BuiltImage] = build_all()
        self.layout = workdir / "layout"

    @property
    def sources(self) -> dict[str, LayoutSource]:
        return layout_sources(self.images)

    def catalog_digest(self, ref: str) -> str | None:
        """The manifest digest of a lab image `name:tag`, or None if there is no such image."""
        return next((b.digest for b in self.images if b.image.ref == ref), None)

    def __enter__(self) -> LocalWorld:
        super().__enter__()
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def _start(self) -> None:
        write_layout(self.images, self.layout)
        self.public = self.enter_context(RegistryServer(self.workdir / "public"))
        self.private = self.enter_context(
            RegistryServer(self.workdir / "private", PRIVATE_CREDENTIALS)
        )
        for built in self.images:
            private = built.image.name in PRIVATE_REPOSITORIES
            push(self.layout, built.image.ref, self.private if private else self.public)
            if not private:
                multiarch = built.image.ref + MULTIARCH_SUFFIX
                push(self.layout, multiarch, self.public, all_platforms=True)
        self.tokens = self.enter_context(
            TokenServer(
                self.workdir / "tokens",
                public={"lab/web"},
                private=set(PRIVATE_REPOSITORIES),
                credentials=PRIVATE_CREDENTIALS,
                publisher=PUBLISHER_CREDENTIALS,
            )
        )
        self.hub = self.enter_context(
            RegistryServer(self.workdir / "hub", PUBLISHER_CREDENTIALS, self.tokens.registry_auth())
        )
        for ref in ("lab/web:1.0", "lab/private:1.0"):
            push(self.layout, ref, self.hub)
        self.proxy = self.enter_context(FaultProxy(self.public.port, delay_seconds=1.0))
        certificate = self_signed_certificate(self.workdir / "tls")
        self.tls_proxy = self.enter_context(FaultProxy(self.public.port, tls=certificate))
        self.containerd = self.enter_context(Containerd(self.workdir / "containerd"))
        for host in (self.public.host, self.private.host, self.hub.host, self.proxy.host):
            self.containerd.write_hosts(host, f"http://{host}")
        # No CA for the TLS proxy: the runtime must refuse its certificate (the x509 fault).
        self.containerd.write_hosts(self.tls_proxy.host, f"https://{self.tls_proxy.host}")
