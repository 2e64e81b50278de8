"""verify_subset_sum_py: tier numbering 1-5, False for rule failures, exceptions only for bad input."""

import pytest

from coinjecture import _core
from coinjecture import reference as ref
import cjtest

I64_MAX = 2**63 - 1
PERMISSIVE = {"max_ops": 2**64 - 1, "max_duration_ms": 2**64 - 1, "max_memory_bytes": 2**64 - 1}


def problem(elements, target, tier=1, problem_type=1):
    return {"problem_type": problem_type, "tier": tier, "elements": list(elements), "target": target,
            "timestamp": 1000}


def solution(indices):
    return {"indices": list(indices), "timestamp": 1001}


def verify(p, s, b=PERMISSIVE):
    return _core.verify_subset_sum_py(p, s, b)


MOBILE = list(range(1, 9))  # 8 elements: the Mobile tier minimum


def test_valid_solution():
    assert verify(problem(MOBILE, 1 + 3 + 5), solution([0, 2, 4])) is True


@pytest.mark.parametrize("p,s,why", [
    (problem(MOBILE, 10), solution([0, 1]), "wrong sum"),
    (problem(MOBILE, 2), solution([0, 0]), "duplicate index"),
    (problem(MOBILE, 3), solution([0, 10]), "index out of range"),
    (problem(MOBILE, 3), solution([0, 2**32 - 1]), "index out of range (u32 max)"),
    (problem(range(7), 0), solution([]), "Mobile needs 8..12 elements"),
    (problem(range(13), 0, tier=1), solution([]), "too many for Mobile"),
    (problem(range(33), 0, tier=5), solution([]), "more elements than any tier"),
    (problem(MOBILE, 0), solution(range(9)), "more indices than elements"),
    (problem(MOBILE, 0), solution(range(40)), "more indices than the struct holds"),
    (problem(MOBILE, 1, problem_type=2), solution([0]), "Knapsack is not verifiable"),
    (problem([I64_MAX, 1, -1] + [0] * 5, I64_MAX), solution([0, 1, 2]), "partial sum overflows"),
])
def test_rule_failures_return_false(p, s, why):
    assert verify(p, s) is False, why


def test_overflow_depends_on_index_order():
    p = problem([I64_MAX, 1, -1] + [0] * 5, I64_MAX)
    assert verify(p, solution([0, 2, 1])) is True
    assert verify(p, solution([0, 1, 2])) is False


def test_budget_rules():
    p, s = problem(MOBILE, 6), solution([0, 4])  # k = 2: needs 4 ops and 16 bytes
    assert verify(p, s, {"max_ops": 4, "max_duration_ms": 0, "max_memory_bytes": 16}) is True
    assert verify(p, s, {"max_ops": 3, "max_duration_ms": 0, "max_memory_bytes": 16}) is False
    assert verify(p, s, {"max_ops": 4, "max_duration_ms": 0, "max_memory_bytes": 15}) is False


def test_tier_numbering_is_1_to_5():
    ranges = {1: (8, 12), 2: (12, 16), 3: (16, 20), 4: (20, 24), 5: (24, 32)}
    for tier, (lo, hi) in ranges.items():
        for n in (lo - 1, lo, hi, hi + 1):
            want = lo <= n <= hi
            assert verify(problem([1] * n, 1, tier=tier), solution([0])) is want, (tier, n)


def test_empty_solution_with_zero_target_is_valid():
    assert verify(problem(MOBILE, 0), solution([])) is True


@pytest.mark.parametrize("field,value,exc", [
    ("tier", 0, ValueError),
    ("tier", 6, ValueError),
    ("tier", 256, OverflowError),
    ("tier", -1, OverflowError),
    ("problem_type", 0, ValueError),
    ("problem_type", 8, ValueError),
    ("tier", "1", TypeError),
    ("elements", "12345678", TypeError),
    ("elements", [1, 2, 1.5, 4, 5, 6, 7, 8], TypeError),
    ("elements", [2**63] + [0] * 7, OverflowError),
    ("elements", [-(2**63) - 1] + [0] * 7, OverflowError),
    ("target", 2**63, OverflowError),
    ("timestamp", None, TypeError),
])
def test_malformed_problem_raises(field, value, exc):
    p = problem(MOBILE, 1)
    p[field] = value
    with pytest.raises(exc, match=field if exc is not ValueError else "Invalid"):
        verify(p, solution([0]))


def test_malformed_solution_and_budget_raise():
    p = problem(MOBILE, 1)
    with pytest.raises(OverflowError, match="indices"):
        verify(p, solution([2**32]))
    with pytest.raises(OverflowError, match="indices"):
        verify(p, solution([-1]))
    with pytest.raises(KeyError, match="max_ops"):
        verify(p, solution([0]), {"max_duration_ms": 1, "max_memory_bytes": 1})
    with pytest.raises(OverflowError, match="max_memory_bytes"):
        verify(p, solution([0]), dict(PERMISSIVE, max_memory_bytes=2**64))
    with pytest.raises(KeyError, match="'indices'"):
        verify(p, {"timestamp": 0})
    with pytest.raises(TypeError, match="problem_dict must be a dict"):
        _core.verify_subset_sum_py([], solution([0]), PERMISSIVE)
    with pytest.raises(TypeError):
        _core.verify_subset_sum_py(p, solution([0]))


def test_agrees_with_reference_on_random_cases():
    rng = cjtest.rng(6)
    for _ in range(3000):
        n = rng.randint(6, 34)
        p = problem([rng.choice([rng.randint(-50, 50), I64_MAX, -I64_MAX]) for _ in range(n)], 0,
                    tier=rng.randint(1, 5), problem_type=rng.choice([1, 1, 1, 1, 3]))
        k = rng.randint(0, min(n + 1, 34))
        s = solution([rng.randrange(n + 2) for _ in range(k)])
        subset = [p["elements"][i] for i in s["indices"] if i < n]
        p["target"] = max(min(sum(subset), I64_MAX), -I64_MAX) if rng.random() < 0.7 else rng.randint(-9, 9)
        b = {"max_ops": rng.choice([2**64 - 1, 2 * k, 2 * k - 1 if k else 0]), "max_duration_ms": 0,
             "max_memory_bytes": rng.choice([2**64 - 1, 8 * k, max(8 * k - 1, 0)])}
        want = ref.subset_sum_verify(p, s, b) == "OK"
        assert verify(p, s, b) is want, (p, s, b, ref.subset_sum_verify(p, s, b))
