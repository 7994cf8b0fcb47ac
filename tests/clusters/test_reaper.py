"""Beat's reaper ends sessions past their expiry and deletes their worlds."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clusters import tasks
from config.celery import app as celery_app
from labs.models import LabSession
from labs.tasks import reap_expired_sessions

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_celery():
    # Tests only: run .delay() inline instead of sending to a broker shared with other runs.
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_expired_sessions_are_ended_and_live_ones_kept(simulator, learner, eager_celery):
    expired = LabSession.objects.create(owner=learner, lab_id="three-policies")
    live = LabSession.objects.create(owner=learner, lab_id="three-policies")
    for session in (expired, live):
        tasks.provision_session(session.pk)
    LabSession.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(1))

    assert reap_expired_sessions() == 1
    assert LabSession.objects.get(pk=expired.pk).state == LabSession.State.ENDED
    assert LabSession.objects.get(pk=live.pk).state == LabSession.State.READY
    assert sorted(simulator.simulator.tenants) == [live.namespace]
    assert reap_expired_sessions() == 0
