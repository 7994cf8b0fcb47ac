"""The kubectl console's websocket: lines in, kubectl's output out (clusters/console.py)."""

from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from clusters.console import ConsoleRefusal, parse_line, run_kubectl
from labs.models import LabSession


@database_sync_to_async
def _kubeconfig(user, session_id: int) -> str | None:
    """The session's kubeconfig, for its owner only, once the session is ready."""
    if not user.is_authenticated:
        return None
    session = LabSession.objects.filter(pk=session_id, owner=user).first()
    if session is None:
        return None
    return session.kubeconfig or ""


class ConsoleConsumer(AsyncJsonWebsocketConsumer):
    running: asyncio.Task | None = None

    async def connect(self) -> None:
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        if await _kubeconfig(self.scope["user"], self.session_id) is None:
            await self.close()
            return
        self.stop = asyncio.Event()
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.running is not None:
            self.stop.set()

    async def receive_json(self, content, **kwargs) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "interrupt" and self.running is not None:
            self.stop.set()
        elif kind == "run":
            await self.run(str(content.get("line", ""))[:4000])

    async def run(self, line: str) -> None:
        if self.running is not None:
            await self.send_json({"type": "refused", "message": "still running: Ctrl-C stops it"})
            return
        try:
            args = parse_line(line)
        except ConsoleRefusal as refusal:
            await self.send_json({"type": "refused", "message": str(refusal)})
            return
        # Read again now: the kubeconfig appears when the session is ready, and a reset replaces it.
        kubeconfig = await _kubeconfig(self.scope["user"], self.session_id)
        if not kubeconfig:
            await self.send_json({"type": "refused", "message": "the lab cluster is not ready yet"})
            return
        self.stop = asyncio.Event()
        self.running = asyncio.create_task(self._run(args, kubeconfig))

    async def _run(self, args: list[str], kubeconfig: str) -> None:
        async def send(text: str) -> None:
            await self.send_json({"type": "output", "data": text})

        try:
            code = await run_kubectl(args, kubeconfig, send, self.stop)
            await self.send_json({"type": "exit", "code": code})
        finally:
            self.running = None
