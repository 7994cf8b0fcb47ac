import pytest

from labs.models import LabSession

LAB_1 = "three-policies"


@pytest.fixture(autouse=True)
def _isolated(isolated_channel_layer, fast_password_hasher):
    """The pipeline publishes every event: give each test its own Redis channel prefix."""


@pytest.fixture
def learner(django_user_model):
    return django_user_model.objects.create_user("learner", password="learner-pass")


@pytest.fixture
def other_learner(django_user_model):
    return django_user_model.objects.create_user("other", password="other-pass")


@pytest.fixture
def ready_session(learner) -> LabSession:
    """A lab-1 session whose world exists (the kubeconfig is never used by these tests)."""
    return LabSession.objects.create(
        owner=learner, lab_id=LAB_1, state=LabSession.State.READY, kubeconfig="unused: true\n"
    )
