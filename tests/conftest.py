import pytest
from servers import Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """The real assistant: Rasa server + action server, shared by e2e tests."""
    running = Stack(tmp_path_factory.mktemp("stack")).start()
    yield running
    running.stop()


def pytest_sessionstart(session):
    """Figures of an earlier run must not pass for this run's."""
    from servers import ROOT

    for stale in (ROOT / "results").glob("*_report.txt"):
        stale.unlink()


def pytest_terminal_summary(terminalreporter):
    """Print the figures that end-to-end tests measured (e.g. the safety report)."""
    from servers import ROOT

    for report in sorted((ROOT / "results").glob("*_report.txt")):
        terminalreporter.write_sep("-", report.name)
        terminalreporter.write(report.read_text())
