"""pytest setup: the suite tests the `coinjecture` package found on sys.path (the build tree when run by
ctest, which sets PYTHONPATH=<build>/python)."""

import pytest

import coinjecture


def pytest_report_header(config):
    core = getattr(coinjecture, "_core", None)
    where = getattr(core, "__file__", "not loaded")
    return f"coinjecture package: {coinjecture.__file__}; native core: {where}"


@pytest.fixture(scope="session", autouse=True)
def _native_core_loaded():
    assert coinjecture.NATIVE_AVAILABLE, "coinjecture._core did not import: build it first (see README)"


@pytest.fixture(autouse=True)
def _restore_backend():
    """Tests may switch the crypto backend; each starts and ends on the one selected at start-up."""
    before = coinjecture.backend_info()["requested"]
    yield
    if before in coinjecture.backends():
        coinjecture.set_backend(before)
