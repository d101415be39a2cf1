import pytest
from servers import Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """The real assistant: Rasa server + action server, shared by e2e tests."""
    running = Stack(tmp_path_factory.mktemp("stack")).start()
    yield running
    running.stop()
