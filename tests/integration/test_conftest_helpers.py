"""The polling helper every integration test relies on: a transient exception means "not yet", never success
(it once returned the exception object, which is truthy, so a refused connection passed a wait at once)."""
import pytest

from conftest import wait_for


def test_wait_for_retries_transient_errors_until_the_predicate_holds():
    calls = []

    def pred():
        calls.append(1)
        if len(calls) < 4:
            raise ConnectionRefusedError("not listening yet")
        return "ready"
    assert wait_for(pred, 5, "ready", interval=0.001) == "ready"
    assert len(calls) == 4


def test_wait_for_times_out_when_the_predicate_only_raises():
    def pred():
        raise ConnectionRefusedError("never listening")
    with pytest.raises(AssertionError, match="timed out"):
        wait_for(pred, 0.05, "never", interval=0.001)


def test_wait_for_propagates_other_errors():
    def pred():
        raise ZeroDivisionError()
    with pytest.raises(ZeroDivisionError):
        wait_for(pred, 1, "boom", interval=0.001)
