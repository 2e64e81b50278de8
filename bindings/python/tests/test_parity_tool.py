"""python -m coinjecture.parity: recomputation from block JSON, and the monitor against tiny in-process
fake nodes (http.server on free ports serving canned /v1/status and /v1/blocks/{h}) and, when the
coinjectured binary is built, against a real node."""

import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import coinjecture
from coinjecture import parity
from coinjecture import reference as ref

# ---------------------------------------------------------------------------------------------------
# canned chains in the API's JSON shape
# ---------------------------------------------------------------------------------------------------


def make_tx(seed, i):
    return {"codec_version": 1, "tx_type": 1 + i % 3, "from": bytes([seed, i]) * 16, "to": bytes([i, seed]) * 16,
            "amount": 1000 + i, "nonce": i, "gas_limit": 21000, "gas_price": 2 + seed,
            "signature": bytes([seed ^ i]) * 64, "data": bytes(range(i * 5 % 256)), "timestamp": 1700000000000 + i}


def tx_json(tx):
    j = {k: (v.hex() if isinstance(v, bytes) else v) for k, v in tx.items()}
    j["tx_hash"] = ref.tx_hash(tx).hex()
    j["fee"] = tx["gas_limit"] * tx["gas_price"]
    return j


def block_json(height, parent, seed=0, ntx=None, big=False):
    """A block document as GET /v1/blocks/{h} renders it; hashes from the reference encoder."""
    ntx = height % 4 if ntx is None else ntx
    txs = [make_tx(seed, i) for i in range(ntx)]
    header = {"codec_version": 1, "block_index": height, "timestamp": 1700000000000 + height * 500 + seed,
              "parent_hash": parent, "merkle_root": ref.merkle_root([ref.tx_hash(t) for t in txs]),
              "miner_address": bytes([7]) * 32, "commitment": bytes([height % 256, seed]) * 16,
              "difficulty_target": (1 << 64) - 1 if big else 1, "nonce": (1 << 63) + height if big else height,
              "extra_data": bytes([seed]) * 96}
    h = ref.header_hash(header)
    hj = {k: (v.hex() if isinstance(v, bytes) else v) for k, v in header.items()}
    for k in ("difficulty_target", "nonce"):  # u64 above 2^63 - 1 travel as decimal strings
        if hj[k] > (1 << 63) - 1:
            hj[k] = str(hj[k])
    return {"block_hash": h.hex(), "height": height, "tx_count": ntx, "header": hj,
            "transactions": [tx_json(t) for t in txs],
            "reveal": {"problem": {}, "solution": {}, "miner_salt": "00" * 32, "nonce": 0}, "cid": None,
            "canonical": True}, h


def chain(n, seed=0, fork_at=None, fork_seed=9):
    """Blocks 0..n-1; from fork_at on, built with fork_seed (another branch)."""
    blocks, parent = [], bytes(32)
    for h in range(n):
        s = fork_seed if fork_at is not None and h >= fork_at else seed
        doc, parent = block_json(h, parent, s, big=(h == 2))
        blocks.append(doc)
    return blocks


class FakeNode:
    """A node API serving canned blocks. `fail` counts requests to answer 503; `down` refuses all."""

    def __init__(self, blocks):
        self.blocks = list(blocks)
        self.fail = 0
        self.fail_status_only = False
        self.overrides = {}  # height -> [doc, doc, ...] served once each, in order, before the canned one
        self.requests = []
        node = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                node.requests.append(self.path)
                if node.fail > 0 and (not node.fail_status_only or self.path == "/v1/status"):
                    node.fail -= 1
                    return self.reply(503, {"error": "unavailable", "details": "test"})
                if self.path == "/v1/status":
                    return self.reply(200, {"consensus": {"block_height": len(node.blocks) - 1}})
                if self.path.startswith("/v1/blocks/"):
                    h = int(self.path.rsplit("/", 1)[1])
                    if h in node.overrides and node.overrides[h]:
                        return self.reply(200, node.overrides[h].pop(0))
                    if h < len(node.blocks) and node.blocks[h] is not None:
                        return self.reply(200, node.blocks[h])
                return self.reply(404, {"error": "block not found", "details": ""})

            def reply(self, code, obj):
                body = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fakes():
    made = []

    def make(blocks):
        n = FakeNode(blocks)
        made.append(n)
        return n

    yield make
    for n in made:
        n.close()


def run_tool(*args):
    out, err = io.StringIO(), io.StringIO()
    rc = parity.main(list(args), out=out, err=err)
    return rc, out.getvalue(), err.getvalue()


def closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return "http://127.0.0.1:%d" % s.getsockname()[1]


# ---------------------------------------------------------------------------------------------------
# recomputation
# ---------------------------------------------------------------------------------------------------


def test_recompute_agrees_on_valid_blocks():
    for doc in chain(6):
        assert parity.recompute(doc) == []


def test_recompute_uses_both_paths():
    assert coinjecture.NATIVE_AVAILABLE and parity._core is not None
    doc = chain(4)[3]
    claimed, header, txs, claimed_tx = parity.block_from_json(doc)
    assert parity._core.compute_header_hash_py(header) == ref.header_hash(header) == claimed
    assert [parity._core.compute_transaction_hash_py(t) for t in txs] == claimed_tx
    assert header["nonce"] == 3 and chain(3)[2]["header"]["nonce"] == str((1 << 63) + 2)
    assert parity.recompute(chain(3)[2]) == []  # decimal-string u64 fields


def test_recompute_finds_each_kind_of_mismatch():
    doc = chain(4)[3]
    bad = json.loads(json.dumps(doc))
    bad["block_hash"] = "00" * 32
    problems = parity.recompute(bad)
    assert any("block_hash" in p and "_core computes" in p for p in problems)
    assert any("reference computes" in p for p in problems)

    bad = json.loads(json.dumps(doc))
    bad["transactions"][1]["tx_hash"] = "11" * 32
    assert any("transactions[1].tx_hash" in p for p in parity.recompute(bad))

    bad = json.loads(json.dumps(doc))  # a tampered transaction: its hash and the merkle root no longer fit
    bad["transactions"][0]["amount"] += 1
    problems = parity.recompute(bad)
    assert any("merkle_root" in p for p in problems) and any("transactions[0].tx_hash" in p for p in problems)

    for mutate in (lambda d: d.pop("header"), lambda d: d["header"].update(parent_hash="zz" * 32),
                   lambda d: d["header"].update(nonce="1x"),
                   lambda d: d["header"].update(timestamp="5"), lambda d: d.update(transactions={}),
                   lambda d: d["transactions"][0].pop("signature"), lambda d: d.update(block_hash="ab")):
        bad = json.loads(json.dumps(doc))
        mutate(bad)
        problems = parity.recompute(bad)
        assert problems and problems[0].startswith("bad block JSON"), problems

    bad = json.loads(json.dumps(doc))
    bad["header"]["extra_data"] = "00" * 300  # over the consensus limit: neither path hashes it
    problems = parity.recompute(bad)
    assert any("cannot hash" in p for p in problems)


# ---------------------------------------------------------------------------------------------------
# the monitor against fake nodes
# ---------------------------------------------------------------------------------------------------


def test_agreeing_nodes_exit_0(fakes):
    blocks = chain(6)
    a, b = fakes(blocks), fakes(blocks)
    rc, out, err = run_tool("--once", a.url, b.url)
    assert rc == 0, out + err
    assert "height 0: ok %s (2 nodes, 0 tx)" % blocks[0]["block_hash"] in out
    assert "height 5: ok" in out
    assert "summary: heights 0..5 checked on 2 nodes: 6 agree, 0 diverge, 0 recompute mismatches" in out
    assert "coinjecture._core (backend" in out


def test_shorter_node_limits_the_heights_and_from_height(fakes):
    a, b = fakes(chain(8)), fakes(chain(5))
    rc, out, _ = run_tool("--once", "--from-height", "2", a.url, b.url.replace("http://", ""))
    assert rc == 0
    assert "height 1:" not in out and "height 2: ok" in out and "height 4: ok" in out and "height 5" not in out
    assert "heights 2..4" in out


def test_divergence_exits_1(fakes):
    a, b = fakes(chain(6)), fakes(chain(6, fork_at=3))
    rc, out, _ = run_tool("--once", "--grace", "1", "--interval", "0.01", a.url, b.url)
    assert rc == 1
    assert "height 2: ok" in out
    line = [ln for ln in out.splitlines() if ln.startswith("height 3: HASH DIVERGENCE")]
    assert line and a.url in line[0] and b.url in line[0]
    assert "re-checking" in out  # the grace re-check ran
    assert "3 diverge" in out  # 3, 4 and 5


def test_transient_difference_within_grace_is_not_a_divergence(fakes):
    blocks = chain(4)
    a, b = fakes(blocks), fakes(blocks)
    b.overrides[3] = [chain(4, fork_at=3)[3]]  # the first answer for height 3 is another branch
    rc, out, _ = run_tool("--once", "--grace", "2", "--interval", "0.01", a.url, b.url)
    assert rc == 0, out
    assert "height 3: nodes differ, re-checking" in out and "height 3: ok" in out


def test_recompute_mismatch_exits_1(fakes):
    blocks = chain(4)
    blocks[2] = json.loads(json.dumps(blocks[2]))
    blocks[2]["header"]["timestamp"] += 1  # the claimed block_hash no longer fits the fields
    a, b = fakes(blocks), fakes(blocks)
    rc, out, _ = run_tool("--once", "--quiet", a.url, b.url)
    assert rc == 1
    assert "height 2: RECOMPUTE MISMATCH at %s: block_hash" % a.url in out
    assert "height 1: ok" not in out  # --quiet
    assert "2 recompute mismatches" in out  # once per node


def test_wrong_height_and_vanished_block(fakes):
    blocks = chain(4)
    a = fakes(blocks)
    a.overrides[2] = [blocks[1]]  # asked for 2, served 1
    rc, out, _ = run_tool("--once", a.url)
    assert rc == 1 and "asked for height 2, got a block with block_index 1" in out
    b = fakes(blocks)
    b.overrides[2] = [{"error": "x"}]  # not a block at all
    rc, out, _ = run_tool("--once", b.url)
    assert rc == 1 and "bad block JSON" in out
    # status says 3, but block 3 is gone (a reorg to a shorter chain): --once reports it and exits 2
    c = fakes(blocks[:3] + [None])  # its status says 3, /v1/blocks/3 answers 404
    rc, out, err = run_tool("--once", fakes(blocks).url, c.url)
    assert rc == 2, out + err
    assert "height 2: ok" in out and "height 3: not checked yet" in out and "stopped at height 3" in err


def test_single_node_recompute_only(fakes):
    a = fakes(chain(3))
    rc, out, _ = run_tool("--once", a.url)
    assert rc == 0 and "(1 node, 0 tx)" in out and "on 1 node:" in out


def test_unreachable_node_exits_2(fakes):
    a = fakes(chain(3))
    dead = closed_port_url()
    rc, out, err = run_tool("--once", "--retries", "1", "--timeout", "1", a.url, dead)
    assert rc == 2
    assert "node %s unreachable" % dead in err
    assert "height 2: ok" in out  # the reachable node was still checked
    # a divergence outranks the connection error
    b = fakes(chain(3, fork_at=1))
    rc, _, _ = run_tool("--once", "--retries", "1", "--grace", "0", a.url, b.url, dead)
    assert rc == 1


def test_node_briefly_down_is_retried(fakes):
    blocks = chain(5)
    a, b = fakes(blocks), fakes(blocks)
    b.fail = 2  # two 503s: the third attempt of the first request succeeds
    rc, out, err = run_tool("--once", "--retries", "3", a.url, b.url)
    assert rc == 0, out + err
    assert "5 agree" in out


def test_polling_waits_for_a_node_that_is_down(fakes):
    blocks = chain(4)
    a, b = fakes(blocks), fakes(blocks)
    b.fail, b.fail_status_only = 2, True  # down for the whole first poll (retries 2)
    rc, out, err = run_tool("--rounds", "3", "--interval", "0.05", "--retries", "2", a.url, b.url)
    assert rc == 0, out + err
    assert "unreachable" in err and "reachable again" in err
    assert "waiting for %s" % b.url in out
    assert "4 agree" in out
    # the chain grows between polls: only the new heights are fetched
    a.blocks = b.blocks = chain(6)
    before = len([p for p in a.requests if p.startswith("/v1/blocks/0")])
    mon = parity.Monitor([a.url, b.url], out=io.StringIO(), err=io.StringIO())
    mon.round()
    mon.round()
    assert mon.agree == 6 and mon.next_height == 6
    assert len([p for p in a.requests if p.startswith("/v1/blocks/0")]) == before + 1


def test_usage_errors_exit_2():
    assert run_tool()[0] == 2
    assert run_tool("ftp://example.org")[0] == 2
    assert run_tool("--interval", "-1", "http://127.0.0.1:1")[0] == 2
    assert run_tool("--from-height", "x", "http://127.0.0.1:1")[0] == 2
    assert run_tool("--retries", "0", "http://127.0.0.1:1")[0] == 2
    assert run_tool("--help")[0] == 0


def _package_env():
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(coinjecture.__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_python_dash_m_entry_point(fakes):
    a = fakes(chain(3))
    p = subprocess.run([sys.executable, "-m", "coinjecture.parity", "--once", a.url, a.url], capture_output=True,
                       text=True, env=_package_env(), timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "3 agree" in p.stdout
    p = subprocess.run([sys.executable, "-m", "coinjecture.parity"], capture_output=True, text=True,
                       env=_package_env(), timeout=60)
    assert p.returncode == 2 and "usage" in p.stderr


# ---------------------------------------------------------------------------------------------------
# a real coinjectured
# ---------------------------------------------------------------------------------------------------


def _build_dir():
    env = os.environ.get("COINJECTURE_BUILD_DIR")
    if env:
        return env
    # ctest runs the suite with PYTHONPATH=<build>/python
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(coinjecture.__file__))))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_against_a_real_node(tmp_path):
    build = _build_dir()
    node = os.path.join(build, "src/node/coinjectured")
    cli = os.path.join(build, "src/tools/coinjecture-cli")
    keygen = os.path.join(build, "src/tools/coinjecture-keygen")
    if not all(os.access(p, os.X_OK) for p in (node, cli, keygen)):
        pytest.skip("coinjectured / coinjecture-cli / coinjecture-keygen not built in %s" % build)

    def run(*args):
        p = subprocess.run(list(args), capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, "%s: %s %s" % (args, p.stdout, p.stderr)
        return p.stdout

    v0, alice = tmp_path / "v0.key", tmp_path / "alice.key"
    run(keygen, "--out", str(v0), "--json")
    bob = json.loads(run(keygen, "--out", str(tmp_path / "bob.key"), "--json"))["public_key"]
    run(keygen, "--out", str(alice), "--json")
    genesis, data = tmp_path / "genesis.json", tmp_path / "data"
    run(cli, "genesis", "--out", str(genesis), "--validator", str(v0), "--alloc", "%s=1000000000000" % alice,
        "--block-time", "500ms", "--network", "parity-test", "--chain-id", "77")
    run(node, "init", "--genesis", str(genesis), "--data-dir", str(data))
    port = _free_port()
    url = "http://127.0.0.1:%d" % port
    log = open(tmp_path / "node.log", "w")
    proc = subprocess.Popen([node, "--data-dir", str(data), "--key-file", str(v0), "--api-port", str(port),
                             "--p2p-port", str(_free_port()), "--consensus-shadow-mode-enabled", "true",
                             "--consensus-shadow-mode-compare-with-validator", "0"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        height = -1
        while time.time() < deadline and height < 3:
            assert proc.poll() is None, open(tmp_path / "node.log").read()
            try:
                with urllib.request.urlopen(url + "/v1/status", timeout=2) as r:
                    height = int(json.loads(r.read())["consensus"]["block_height"])
            except OSError:
                pass
            time.sleep(0.1)
        assert height >= 3, open(tmp_path / "node.log").read()
        run(cli, "--node", url, "send", "--key", str(alice), "--to", bob, "--amount", "777", "--wait")
        rc, out, err = run_tool("--once", url, url)
        assert rc == 0, out + err
        assert "0 diverge, 0 recompute mismatches" in out
        assert " 1 tx)" in out  # the block with the transfer was recomputed too
        # the node's own shadow mode agrees: backend parity on every block, peer parity through the parent
        # hashes of the validator's blocks (here the node compares with itself)
        with urllib.request.urlopen(url + "/v1/parity", timeout=5) as r:
            par = json.loads(r.read())
        assert par["enabled"] is True and par["drifts"] == 0 and par["last_divergences"] == []
        assert par["backend"]["matches"] >= 1 and par["backend"]["mode"] in ("cross-backend", "reference-streaming")
        assert par["peer"]["matches"] >= 1 and par["compare_with_validator"]["index"] == 0
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
