from celery import shared_task
from django.utils import timezone

from clusters.tasks import end_session
from labs.models import LabSession


@shared_task(name="labs.reap_expired_sessions")
def reap_expired_sessions() -> int:
    """End sessions past their expiry (beat runs this every minute)."""
    expired = LabSession.objects.filter(expires_at__lt=timezone.now()).exclude(
        state=LabSession.State.ENDED
    )
    ids = list(expired.values_list("pk", flat=True))
    for session_id in ids:
        end_session.delay(session_id)
    return len(ids)
