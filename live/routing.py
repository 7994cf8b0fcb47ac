from django.urls import path

from cohorts.routing import websocket_urlpatterns as cohort_urlpatterns
from live.console import ConsoleConsumer
from live.consumers import SessionConsumer

websocket_urlpatterns = [
    path("ws/sessions/<int:session_id>/", SessionConsumer.as_asgi()),
    path("ws/sessions/<int:session_id>/console/", ConsoleConsumer.as_asgi()),
    *cohort_urlpatterns,
]
