import pytest


@pytest.fixture(autouse=True)
def _isolated(isolated_channel_layer, fast_password_hasher):
    """Consumers and the pipeline meet in Redis: one channel prefix per test."""
