from django.urls import path

from cohorts.consumers import BoardConsumer

websocket_urlpatterns = [
    path("ws/cohorts/<int:cohort_id>/board/", BoardConsumer.as_asgi()),
]
