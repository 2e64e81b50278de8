"""Double-sign protection, twins and evidence propagation (issue 13 items 3-5; docs/OPERATIONS.md "Double-sign
protection" and procedure F, docs/P2P.md "Twins" and "Double-sign evidence"), with real processes.

* the sign-state file: written after every sealed block, a corrupt one refuses sealing with a clear reason,
  `coinjectured reset-sign-state` is refused while the node runs and works when it is stopped;
* a validator restored from an old backup (chain.db rolled back, sign_state.json kept) does not re-seal the
  heights it sealed, isolated or not; with the old sign_state.json restored too, the watch and the sync keep it
  from re-sealing while it reaches its peers;
* procedure F the unsafe way (the old node still running, a twin started from a copy of its data dir with the
  same keys): every node reports the twin, the twin follows the chain and refuses to seal, no chain split, no
  two blocks at one height sealed by one key; once the old node stops, the twin takes over;
* evidence reaches every node: a double sign shown to one node of a line of three is recorded by all three,
  and the named validator stops sealing for one window."""
import json
import os
import shutil
import signal
import sqlite3
import time

import pytest

from conftest import CLI, COINJECTURED, Node, free_port, keygen, kill_nodes, metric, run, wait_for
from test_hostile_p2p import Peer, block_from_wire, block_msg, fetch_blocks, key_from_file, resealed
from coinjecture import reference as ref

BLOCK_MS = 500


def make_net(tmp, n, chain_id, block_time=f"{BLOCK_MS}ms"):
    """n validator keys and a genesis; returns (keys, pubs, genesis path)."""
    keys = [tmp / f"v{i}.key" for i in range(n)]
    pubs = [keygen(k) for k in keys]
    genesis = tmp / "genesis.json"
    args = [CLI, "genesis", "--out", str(genesis), "--block-time", block_time, "--network", "signstate",
            "--chain-id", str(chain_id)]
    for k in keys:
        args += ["--validator", str(k)]
    run(args)
    return keys, pubs, genesis


def peers_flag(*others):
    return ["--peers", ",".join(f"127.0.0.1:{o.p2p_port}" for o in others)]


def set_peers(n, *others):
    """Replaces n's --peers flag (no flag: no static peers)."""
    a = n.extra
    if "--peers" in a:
        i = a.index("--peers")
        del a[i:i + 2]
    if others:
        a += peers_flag(*others)


def sign_state(n):
    with open(os.path.join(n.data_dir, "sign_state.json")) as f:
        return json.load(f)


def status(n):
    return n.get("/v1/status")


def evidence(n):
    return n.get("/v1/evidence")


def blocks_by(n, pub, lo, hi):
    """{height: hash} of n's canonical blocks in lo..hi sealed by pub."""
    out = {}
    for h in range(max(1, lo), hi + 1):
        b = n.get(f"/v1/blocks/{h}?transactions=false")
        if b.get("proposer") == pub:
            out[h] = b["block_hash"]
    return out


def agree(nodes, below):
    """Every node has the same hash at every height 1..below."""
    for h in range(1, below + 1):
        hashes = {n.get(f"/v1/blocks/{h}?transactions=false")["block_hash"] for n in nodes}
        assert len(hashes) == 1, f"chain split at height {h}: {hashes}"


def started(n):
    n.start()
    st = status(n)
    n.chain_id = int(st["node"]["chain_id"])
    n.genesis_hash = bytes.fromhex(st["node"]["genesis_hash"])
    return n


@pytest.fixture
def nodes():
    made = []
    yield made
    kill_nodes(made)


# ---------------------------------------------------------------------------------------------------------


def test_sign_state_file_corrupt_file_and_reset(tmp_path, nodes):
    keys, pubs, genesis = make_net(tmp_path, 1, 5101)
    n = Node(tmp_path, genesis, keys[0], name="solo")
    nodes.append(n)
    started(n)
    # the start-up watch (one round of turns, at least 1 s) first, then sealing; the file follows every block
    st = status(n)["node"]
    assert st["sealing"] is False and "start-up watch" in st["sealing_blocked"], st
    n.wait_height(4, timeout=20)
    wait_for(lambda: status(n)["node"]["sealing"] is True, 5, "sealing after the watch")
    assert status(n)["node"]["sealing_blocked"] is None
    assert n.stop() == 0
    s = sign_state(n)
    assert s["format"] == 1 and s["height"] >= 4
    with open(os.path.join(n.data_dir, "sign_state.json"), "w") as f:
        f.write('{"format":1,"height":')
    started(n)
    time.sleep(2.5)
    st = status(n)
    assert st["node"]["sealing"] is False
    assert "sign-state unusable" in st["node"]["sealing_blocked"] and "corrupt" in st["node"]["sealing_blocked"]
    h = int(st["consensus"]["block_height"])
    time.sleep(1.5)
    assert n.height() == h, "a node with a corrupt sign-state sealed"
    assert "sign-state unusable" in n.read_log() and "sealing refused" in n.read_log()
    assert metric(n, "coinjecture_sealing_blocked") == 1
    # the reset is refused while the node runs (the data-dir lock) ...
    p = run([COINJECTURED, "reset-sign-state", "--data-dir", n.data_dir, "--height", str(h)], check=False)
    assert p.returncode == 1 and "locked" in p.stderr, p.stderr
    assert n.stop() == 0
    # ... bad heights are refused ...
    for bad in ("", "-1", "x", "07", "1e3"):
        p = run([COINJECTURED, "reset-sign-state", "--data-dir", n.data_dir, "--height", bad], check=False)
        assert p.returncode == 2, (bad, p.stderr)
    # ... and works on the stopped node
    p = run([COINJECTURED, "reset-sign-state", "--data-dir", n.data_dir, "--height", str(h)])
    assert f"set to height {h}" in p.stdout
    assert sign_state(n) == {"format": 1, "height": h, "hash": None}
    started(n)
    n.wait_height(h + 3, timeout=20)
    s = sign_state(n)
    tip = n.get(f"/v1/blocks/{s['height']}?transactions=false")
    assert s["height"] > h and s["hash"] == tip["block_hash"], (s, tip)
    assert evidence(n)["count"] == 0


def test_restored_backup_does_not_reseal(tmp_path, nodes):
    keys, pubs, genesis = make_net(tmp_path, 3, 5102)
    v = [Node(tmp_path, genesis, keys[i], name=f"v{i}") for i in range(3)]
    nodes.extend(v)
    for i, n in enumerate(v):
        n.extra += peers_flag(*(o for o in v if o is not n))
    for n in v:
        started(n)
    v[0].wait_height(8, timeout=30)
    # the backup: v2 stopped, its data dir copied
    assert v[2].stop() == 0
    backup = tmp_path / "v2-backup"
    shutil.copytree(v[2].data_dir, backup)
    hb = json.load(open(backup / "sign_state.json"))["height"]
    started(v[2])
    wait_for(lambda: sign_state(v[2])["height"] >= hb + 9, 40, "v2 sealing on after the backup")
    assert v[2].stop() == 0
    signed = sign_state(v[2])["height"]
    sealed = blocks_by(v[0], pubs[2], 1, signed)
    assert max(sealed) == signed

    # restore chain.db only (docs/OPERATIONS.md: the sign-state is not rolled back); start v2 isolated
    for f in ("chain.db", "chain.db-wal", "chain.db-shm"):
        if os.path.exists(os.path.join(v[2].data_dir, f)):
            os.unlink(os.path.join(v[2].data_dir, f))
        if os.path.exists(backup / f):
            shutil.copy2(backup / f, os.path.join(v[2].data_dir, f))
    set_peers(v[2])
    port = v[2].p2p_port
    v[2].p2p_port = free_port()  # the others dial its usual port: isolated means unreachable too
    started(v[2])
    restored = v[2].height()
    assert restored < signed
    time.sleep(6 * BLOCK_MS / 1000 + 2)  # alone, it would seal every height out of turn
    st = status(v[2])
    assert v[2].height() == restored, "the restored node re-sealed heights it had sealed"
    assert st["node"]["sealing"] is False and "at or below the last signed height" in st["node"]["sealing_blocked"], st
    assert "sealing refused: height" in v[2].read_log()
    assert v[2].stop() == 0

    # back with its peers: it syncs past what it sealed and seals again, above it
    v[2].p2p_port = port
    set_peers(v[2], v[0], v[1])
    started(v[2])
    wait_for(lambda: sign_state(v[2])["height"] > signed, 30, "v2 sealing above its old sign-state")
    wait_for(lambda: status(v[2])["node"]["sealing"] is True, 10, "v2 sealing")

    # the unsafe restore: the old sign_state.json too; reaching its peers, it still does not re-seal
    assert v[2].stop() == 0
    top = sign_state(v[2])["height"]
    shutil.rmtree(v[2].data_dir)
    shutil.copytree(backup, v[2].data_dir)
    started(v[2])
    wait_for(lambda: sign_state(v[2])["height"] > top, 30, "v2 sealing after a full restore")
    h = min(n.height() for n in v) - 1
    agree(v, h)
    for n in v:
        assert evidence(n)["count"] == 0, (n.name, evidence(n))
        assert metric(n, "coinjecture_double_sign_evidence_total") == 0
    # every height v2's key sealed is sealed once: the canonical block is the one the network had
    again = blocks_by(v[0], pubs[2], 1, signed)
    assert again == sealed


def copy_live_data_dir(src, dst):
    """The unsafe copy of procedure F: the data dir of a running node (SQLite's online backup for chain.db, the
    rest as files, with the P2P node key and the sign-state)."""
    os.makedirs(dst, mode=0o700)
    with sqlite3.connect(os.path.join(src, "chain.db")) as a, sqlite3.connect(os.path.join(dst, "chain.db")) as b:
        a.backup(b)
    for f in ("genesis.json", "p2p_node.key", "sign_state.json"):
        shutil.copy2(os.path.join(src, f), os.path.join(dst, f))


def test_procedure_f_unsafe_twin(tmp_path, nodes):
    keys, pubs, genesis = make_net(tmp_path, 3, 5103)
    v = [Node(tmp_path, genesis, keys[i], name=f"v{i}") for i in range(3)]
    nodes.extend(v)
    for n in v:
        n.extra += peers_flag(*(o for o in v if o is not n))
    for n in v:
        started(n)
    v[0].wait_height(8, timeout=30)
    wait_for(lambda: all(status(n)["node"]["sealing"] for n in v), 10, "all sealing")
    # v1b: a copy of the running v1's data dir, the same validator key, bootstrap peers = the running validators
    twin = Node(tmp_path, genesis, keys[1], name="v1b")
    nodes.append(twin)
    shutil.rmtree(twin.data_dir)
    copy_live_data_dir(v[1].data_dir, twin.data_dir)
    twin.extra += peers_flag(v[0], v[2])
    h0 = v[0].height()
    t0 = time.time()
    started(twin)
    assert status(twin)["node"]["p2p_node_key"] == status(v[1])["node"]["p2p_node_key"]
    # every peer of both reports the twin, and keeps both connected
    for n in (v[0], v[2]):
        wait_for(lambda: status(n)["p2p_twins"] == 1, 10, f"{n.name} reporting the twin")
        assert "p2p: TWIN: node key" in n.read_log()
        assert metric(n, "coinjecture_p2p_twins_detected_total") >= 1
        twins = [p for p in n.get("/v1/peers")["peers"] if p["twin"]]
        assert len(twins) == 2 and twins[0]["node_key"] == twins[1]["node_key"]
    # the twin sees the old node's blocks and refuses to seal
    wait_for(lambda: "another instance is sealing" in (status(twin)["node"]["sealing_blocked"] or ""), 15,
             "the twin refusing to seal")
    detect_s = time.time() - t0
    assert "is sealed by THIS node's validator key but was not made by this process" in twin.read_log()
    assert metric(twin, "coinjecture_foreign_blocks_total") >= 1
    # its own turn comes: the refusal is an error line
    wait_for(lambda: "sealing refused: another instance is sealing with this validator key" in twin.read_log(), 10,
             "the twin's refusal in its log")
    # ten more seconds of both running
    time.sleep(10)
    assert status(twin)["node"]["sealing"] is False
    assert int(status(twin)["stats"]["blocks_produced"]) == 0
    all4 = v + [twin]
    wait_for(lambda: len({n.get(f"/v1/blocks/{min(x.height() for x in all4) - 1}")["block_hash"] for n in all4}) == 1,
             10, "one chain on all four nodes")
    top = min(n.height() for n in all4) - 1
    assert top > h0 + 10
    agree(all4, top)
    for n in all4:
        assert evidence(n)["count"] == 0, (n.name, evidence(n))
    # the old node stops (the operator fixes it): the twin takes the key's turns over, still without a double sign
    assert v[1].stop() == 0
    t1 = time.time()
    wait_for(lambda: int(status(twin)["stats"]["blocks_produced"]) > 0, 20, "the twin sealing once v1 is gone")
    takeover_s = time.time() - t1
    live = [v[0], v[2], twin]
    time.sleep(2)
    agree(live, min(n.height() for n in live) - 1)
    for n in live:
        assert evidence(n)["count"] == 0
    print(f"twin refused to seal {detect_s:.1f} s after its start; took over {takeover_s:.1f} s after v1 stopped")


def test_evidence_reaches_every_node(tmp_path, nodes):
    """A - B - C (a line: A and C are not connected). A double sign by C's key is shown to A only, in blocks whose
    bodies are invalid (never stored, never relayed): only the evidence message can carry it to B and C."""
    keys, pubs, genesis = make_net(tmp_path, 3, 5104)
    a, b, c = (Node(tmp_path, genesis, keys[i], name=nm) for i, nm in enumerate("abc"))
    nodes.extend([a, b, c])
    b.extra += peers_flag(a, c)
    for n in (b, a, c):
        started(n)
    a.wait_height(6, timeout=30)
    wait_for(lambda: len(a.get("/v1/peers")["peers"]) == 1 and len(c.get("/v1/peers")["peers"]) == 1, 10, "a line")
    wait_for(lambda: status(c)["node"]["sealing"] is True, 10, "c sealing")
    # two headers of a height h that c sealed, re-sealed by c's key with a merkle root that does not match the body
    wait_for(lambda: blocks_by(a, pubs[2], a.height() - 6, a.height() - 1), 15, "a block sealed by c")
    top = a.height() - 1
    h = max(blocks_by(a, pubs[2], top - 8, top))
    base = block_from_wire(fetch_blocks(a, h, 1)[0])
    ck = key_from_file(keys[2])
    forged = []
    for dt in (1, 2):
        x = dict(base, header=dict(base["header"], merkle_root=os.urandom(32)))
        forged.append(resealed(x, ck, dt))
    hashes = [ref.header_hash(f["header"]).hex() for f in forged]
    t0 = time.time()
    for f in forged:  # each costs the sender 50 points: one connection each
        p = Peer(a).handshake()
        p.send(block_msg(f))
        p.recv_type("status")
        p.close()

    def has(n):
        return any(e["source"] == "p2p" and e["validator"] == pubs[2] and e["height"] == h and
                   {e["hash_a"], e["hash_b"]} & set(hashes) for e in evidence(n)["evidence"])

    for n in (a, b, c):
        wait_for(lambda: has(n), 10, f"evidence on {n.name}")
    spread_s = time.time() - t0
    assert spread_s < 10
    for n in (b, c):
        assert metric(n, "coinjecture_double_sign_evidence_total") >= 1
        assert f"p2p: double-sign evidence from" in n.read_log()
    # c's own key is named: c holds sealing for one window, logged at critical
    assert "double-sign evidence names THIS node's validator key" in c.read_log()
    # no loop: the counts settle (each record is sent once per peer)
    time.sleep(2)
    snap = [(evidence(n)["count"], metric(n, "coinjecture_p2p_evidence_sent_total")) for n in (a, b, c)]
    time.sleep(2)
    assert snap == [(evidence(n)["count"], metric(n, "coinjecture_p2p_evidence_sent_total")) for n in (a, b, c)]
    for n in (a, b, c):
        assert evidence(n)["count"] <= 2
    print(f"evidence on all three nodes {spread_s:.2f} s after it was shown to one")
