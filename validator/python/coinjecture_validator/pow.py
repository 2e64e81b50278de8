"""Proof of useful work: subset-sum verification (docs/spec/core.md §6) and the Desktop-tier problem
derivation / solver of docs/CHAIN.md §4."""
import hashlib
import struct

from .codec import Problem, Solution, Reveal, I64_MIN, I64_MAX
from .hashing import H, le64, le32, epoch_salt, problem_hash, solution_hash, commitment_hash, miner_salt

# tier -> (min elements, max elements, max_ops, max_duration_ms, max_memory_bytes)
TIER_RULES = {
    "Mobile": (8, 12, 4096, 60000, 268435456),
    "Desktop": (12, 16, 65536, 300000, 1073741824),
    "Workstation": (16, 20, 1048576, 900000, 4294967296),
    "Server": (20, 24, 16777216, 1800000, 17179869184),
    "Cluster": (24, 32, 4294967296, 3600000, 68719476736),
}


def tier_budget(tier):
    t = TIER_RULES[tier]
    return {"max_ops": t[2], "max_duration_ms": t[3], "max_memory_bytes": t[4]}


def subset_sum_status(p: Problem, s: Solution, budget) -> str:
    """core.md §6, first failure wins. Returns 'OK' or the failing rule's name."""
    if p.problem_type != "SubsetSum":
        return "NOT_IMPLEMENTED"
    lo, hi = TIER_RULES[p.tier][0:2]
    n = len(p.elements)
    if n < lo or n > hi:
        return "TIER_SIZE"
    k = len(s.indices)
    if k > n:
        return "PROOF_SIZE"
    ops = 0
    max_ops = budget["max_ops"]
    seen = set()
    for i in s.indices:
        ops += 1
        if ops > max_ops:
            return "BUDGET_OPS"
        if i in seen:
            return "DUPLICATE_INDEX"
        seen.add(i)
    total = 0
    for i in s.indices:
        ops += 1
        if ops > max_ops:
            return "BUDGET_OPS"
        if i >= n:
            return "INDEX_RANGE"
        total += p.elements[i]
        if total < I64_MIN or total > I64_MAX:
            return "OVERFLOW"
    if total != p.target:
        return "WRONG_SUM"
    if 8 * k > budget["max_memory_bytes"]:
        return "BUDGET_MEMORY"
    return "OK"


def derive_problem(es: bytes, nonce: int) -> Problem:
    seed = H(es, le64(nonce))
    stream = H(seed, le32(0)) + H(seed, le32(1)) + H(seed, le32(2))
    w = struct.unpack("<24I", stream)
    n = 12 + w[0] % 5
    e = [1 + (w[1 + i] & 1023) for i in range(n)]
    S = sum(e)
    target = (3 * S) // 8 + (w[17] % (S // 4 + 1))
    return Problem("SubsetSum", "Desktop", e, target, 0)


def solve(p: Problem):
    """Gray-code enumeration of the subsets; the first whose sum is the target (indices ascending)."""
    e = p.elements
    n = len(e)
    total = 0
    mask = 0
    if p.target == 0:
        return []
    for g in range(1, 1 << n):
        bit = (g & -g).bit_length() - 1
        if mask >> bit & 1:
            total -= e[bit]
        else:
            total += e[bit]
        mask ^= 1 << bit
        if total == p.target:
            return [i for i in range(n) if mask >> i & 1]
    return None


def make_reveal(seed32: bytes, parent: bytes, height: int, max_nonces=4096):
    """Producer side of §4: returns (reveal, commitment)."""
    es = epoch_salt(parent, height)
    for nonce in range(max_nonces):
        p = derive_problem(es, nonce)
        idx = solve(p)
        if idx is None:
            continue
        s = Solution(idx, 0)
        salt = miner_salt(seed32, es, parent, height)
        c = commitment_hash(es, problem_hash(p), solution_hash(s), salt)
        return Reveal(p, s, salt, nonce), c
    raise RuntimeError("no subset-sum solution within %d nonces" % max_nonces)


def check_reveal(reveal: Reveal, parent: bytes, height: int, header_nonce: int, commitment: bytes) -> bool:
    """Validity of the reveal (§4)."""
    es = epoch_salt(parent, height)
    if header_nonce != reveal.nonce:
        return False
    if reveal.problem != derive_problem(es, reveal.nonce):
        return False
    if reveal.solution.timestamp != 0:
        return False
    if subset_sum_status(reveal.problem, reveal.solution, tier_budget("Desktop")) != "OK":
        return False
    return commitment == commitment_hash(es, problem_hash(reveal.problem), solution_hash(reveal.solution),
                                         reveal.miner_salt)
