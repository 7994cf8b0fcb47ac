"""The trainer's board websocket: the cohort's compact progress messages, live."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from cohorts.models import Cohort


@database_sync_to_async
def _is_trainer(user, cohort_id: int) -> bool:
    if not user.is_authenticated:
        return False
    return Cohort.objects.filter(pk=cohort_id, trainer=user).exists()


class BoardConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        cohort_id = int(self.scope["url_route"]["kwargs"]["cohort_id"])
        if not await _is_trainer(self.scope["user"], cohort_id):
            await self.close()
            return
        # No replay here: once joined, the page fetches the board again (static/js/board.js),
        # so a step that passed between the page's render and this join is not missed.
        self.group_name = f"cohort.{cohort_id}"
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group_name"):
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        # The feed is one-way; resets and exports go through the HTTP views.
        pass

    async def board_progress(self, message: dict) -> None:
        await self.send_json(message["progress"])
