"""The browser's live feed of one lab session: replay from a seq, then follow the group."""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db.models import Q

from labs.models import LabSession, SessionEvent

REPLAY_BATCH = 500


@database_sync_to_async
def _can_watch(user, session_id: int) -> bool:
    # The learner, or the trainer of a cohort the learner is in (to follow along or help).
    if not user.is_authenticated:
        return False
    return LabSession.objects.filter(
        Q(owner=user) | Q(owner__memberships__cohort__trainer=user), pk=session_id
    ).exists()


@database_sync_to_async
def _events_after(session_id: int, after: int) -> list[dict]:
    events = SessionEvent.objects.filter(session_id=session_id, seq__gt=after).order_by("seq")
    return [event.as_message() for event in events[:REPLAY_BATCH]]


def _after(query_string: bytes) -> int:
    values = parse_qs(query_string.decode("latin-1")).get("after", ["0"])
    try:
        return max(0, int(values[0]))
    except ValueError:
        return 0


class SessionConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        if not await _can_watch(self.scope["user"], self.session_id):
            await self.close()
            return
        self.group_name = f"session.{self.session_id}"
        # Join first, then replay: an event published in between arrives twice at worst,
        # and the page drops seqs it already has. Never a gap.
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()
        after = _after(self.scope["query_string"])
        while batch := await _events_after(self.session_id, after):
            for message in batch:
                await self.send_json(message)
            after = batch[-1]["seq"]

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group_name"):
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        # The feed is one-way; actions go through the HTTP views.
        pass

    async def session_event(self, message: dict) -> None:
        await self.send_json(message["event"])
