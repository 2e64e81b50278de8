"""Genesis file parsing and block 0 (docs/CHAIN.md §2, docs/NODE.md "Genesis file"). Kept in one module so a
change of the file format (e.g. a rules_version) touches only this file."""
import json
import re
import struct
from dataclasses import dataclass, field
from typing import List, Tuple

from . import state
from .codec import Block, Header, Reveal, Problem, Solution, U64_MAX
from .hashing import H, header_hash

MAX_VALIDATORS = 1024
REQUIRED = ("chain_id", "network", "genesis_time", "block_time_ms", "epoch_length", "validators", "allocations")
OPTIONAL = ("rules_version",)
RULES_VERSION = 2  # docs/CHAIN.md §2: a file without the key is of rules 1, which this node does not run


class GenesisError(ValueError):
    pass


@dataclass
class Genesis:
    chain_id: int
    network: str
    genesis_time: int  # Unix seconds
    block_time_ms: int
    epoch_length: int
    validators: List[bytes]
    allocations: List[Tuple[bytes, int]] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # keys of later formats (rules_version, ...), parsed by callers

    def params_hash(self) -> bytes:
        parts = [b"coinjecture-genesis-v2", struct.pack("<I", RULES_VERSION), struct.pack("<Q", self.chain_id),
                 bytes((len(self.network.encode()),)), self.network.encode(),
                 struct.pack("<QQQ", self.genesis_time, self.block_time_ms, self.epoch_length),
                 struct.pack("<I", len(self.validators))]
        parts += self.validators
        parts.append(struct.pack("<I", len(self.allocations)))
        for pk, bal in self.allocations:
            parts += [pk, struct.pack("<Q", bal)]
        return H(*parts)

    def accounts(self):
        acc = {}
        for pk, bal in self.allocations:
            if bal:
                b, _ = acc.get(pk, (0, 0))
                acc[pk] = (b + bal, 0)
        return acc

    def block(self) -> Block:
        hd = Header(1, 0, self.genesis_time * 1000, bytes(32), bytes(32), bytes(32), self.params_hash(), 0, 0,
                    state.state_root(self.accounts()))
        return Block(hd, [], Reveal(Problem("SubsetSum", "Desktop", [], 0, 0), Solution([], 0), bytes(32), 0), None)

    def hash(self) -> bytes:
        return header_hash(self.block().header)


def _uint(name, v, lo=0, hi=U64_MAX):
    if isinstance(v, bool) or isinstance(v, float):
        raise GenesisError("%s: expected an unsigned integer" % name)
    if isinstance(v, str):
        if not v.isdigit():
            raise GenesisError("%s: expected an unsigned integer" % name)
        v = int(v)
    if not isinstance(v, int) or v < lo or v > hi:
        raise GenesisError("%s: out of range %d..%d" % (name, lo, hi))
    return v


def _key(name, v):
    if not isinstance(v, str) or len(v) != 64:
        raise GenesisError("%s: expected 64 hex digits" % name)
    try:
        return bytes.fromhex(v)
    except ValueError:
        raise GenesisError("%s: expected 64 hex digits" % name)


def parse(text: str) -> Genesis:
    try:
        j = json.loads(text)
    except ValueError as e:
        raise GenesisError("not JSON: %s" % e)
    if not isinstance(j, dict):
        raise GenesisError("expected an object")
    for k in j:
        if k not in REQUIRED and k not in OPTIONAL:
            raise GenesisError("unknown key '%s'" % k)
    for k in REQUIRED:
        if k not in j:
            raise GenesisError("missing key '%s'" % k)
    rules = j.get("rules_version", 1)
    if rules != RULES_VERSION or isinstance(rules, bool):
        raise GenesisError("the genesis is of chain rules %s; this node implements rules %d only (docs/CHAIN.md §2)"
                           % (rules, RULES_VERSION))
    net = j["network"]
    if not isinstance(net, str) or not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", net):
        raise GenesisError("network: expected 1..64 characters of A-Z a-z 0-9 . _ -")
    vals = j["validators"]
    if not isinstance(vals, list) or not vals or len(vals) > MAX_VALIDATORS:
        raise GenesisError("validators: expected 1..%d keys" % MAX_VALIDATORS)
    vkeys = [_key("validators[%d]" % i, v) for i, v in enumerate(vals)]
    if len(set(vkeys)) != len(vkeys):
        raise GenesisError("validators: repeated key")
    allocs = j["allocations"]
    if not isinstance(allocs, list):
        raise GenesisError("allocations: expected a list")
    al = []
    for i, a in enumerate(allocs):
        if not isinstance(a, dict) or set(a) != {"pubkey", "balance"}:
            raise GenesisError("allocations[%d]: expected {pubkey, balance}" % i)
        al.append((_key("allocations[%d].pubkey" % i, a["pubkey"]), _uint("allocations[%d].balance" % i, a["balance"])))
    if len({pk for pk, _ in al}) != len(al):
        raise GenesisError("allocations: repeated key")
    return Genesis(_uint("chain_id", j["chain_id"]), net, _uint("genesis_time", j["genesis_time"]),
                   _uint("block_time_ms", j["block_time_ms"], 100, 3600000),
                   _uint("epoch_length", j["epoch_length"], 1, 1000000),
                   vkeys, al, {k: j[k] for k in OPTIONAL if k in j})


def load(path) -> Genesis:
    with open(path) as f:
        return parse(f.read())
