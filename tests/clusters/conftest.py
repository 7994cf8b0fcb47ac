import gc

import pytest

from clusters.apiserver.testing import running_simulator
from labs.models import LabSession

LAB_1 = "three-policies"


@pytest.fixture(autouse=True)
def _isolated(isolated_channel_layer, fast_password_hasher):
    """The pipeline publishes every event: one Redis channel prefix per test."""


@pytest.fixture
def simulator(settings):
    """The simulated cluster in-process (virtual clock), and the platform pointed at it."""
    with running_simulator(admin_token="platform-admin") as sim:
        settings.CLUSTER_KUBECONFIG = ""
        settings.SIM_URL = sim.url
        settings.SIM_ADMIN_TOKEN = sim.admin_token
        settings.SIM_CA_FILE = str(sim.ca_file)
        yield sim
        # The official client's error path leaves its response in a reference cycle that holds
        # a keep-alive connection open, and the server's shutdown waits 10 s for it.
        gc.collect()


@pytest.fixture
def learner(django_user_model):
    return django_user_model.objects.create_user("learner", password="x")


@pytest.fixture
def new_session(learner) -> LabSession:
    return LabSession.objects.create(owner=learner, lab_id=LAB_1)
