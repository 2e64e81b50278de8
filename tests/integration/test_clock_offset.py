"""Clock offset from handshakes and block timestamps (issue 13 item 6, docs/P2P.md "Clock offset"), real
processes with libfaketime: nodes 2 minutes behind and 2 minutes ahead know their offset within a few seconds
from their peers' signed handshake times, even with no block flowing (observers only) and as validators that
never accept a block (the one behind stays at height 0); each logs the warn line and exports the gauge while
the honest nodes report about 0; a peer lying about its time cannot move an honest node's estimate."""
import re
import time

from cjnet import watched
from conftest import CLI, Node, keygen, metric, run, status, wait_for
from p2p_peer import Peer
from test_timing import NO_RATE_LIMIT, make_net, needs_faketime, skewed_env

OFF_S = 120
SLACK_MS = 3000  # "within a few seconds": loopback round trips are ~1 ms; a loaded machine needs more


def offset(nd):
    return status(nd)["node"]["clock_offset_ms"]


def near(nd, want_ms):
    off = offset(nd)
    return off is not None and abs(off - want_ms) <= SLACK_MS


def mesh(nodes):
    for nd in nodes:
        nd.extra += ["--peers", ",".join(f"127.0.0.1:{o.p2p_port}" for o in nodes if o is not nd)]


def start_meshed(nodes, first=()):
    """Starts the nodes `first` and waits until they are connected to each other, then the others, and waits
    until each node is connected to all the others. (Honest nodes start first: a node whose only source so far
    is a skewed peer rightly warns that one of the two clocks is off, which is not what these tests look at.)"""
    for group in ([nd for nd in nodes if nd in first], [nd for nd in nodes if nd not in first]):
        for nd in group:
            nd.start(wait=False)
        for nd in group:
            nd.wait_healthy()
        started = [nd for nd in nodes if nd.proc is not None]
        wait_for(lambda: all(status(x)["peers"] >= len(started) - 1 for x in started), 20, "a full mesh")


def check_offsets(honest, behind, ahead):
    """Each node's estimate, gauge and warn line against the truth."""
    wait_for(lambda: near(behind, -OFF_S * 1000) and near(ahead, OFF_S * 1000), 30,
             "the skewed nodes' estimates")
    wait_for(lambda: all(status(h)["node"]["clock_offset_sources"] >= 3 for h in honest), 30,
             "every honest node measured its peers")
    for nd, want in [(behind, -OFF_S * 1000), (ahead, OFF_S * 1000)] + [(h, 0) for h in honest]:
        st = status(nd)["node"]
        print(f"{nd.name}: clock_offset_ms {st['clock_offset_ms']} from {st['clock_offset_sources']} sources "
              f"(truth {want})")
        assert abs(st["clock_offset_ms"] - want) <= (SLACK_MS if want else 250), (nd.name, st)
        assert abs(metric(nd, "coinjecture_clock_offset_ms") - want) <= (SLACK_MS if want else 250)
        assert metric(nd, "coinjecture_clock_offset_sources") >= 1
    assert "this node's clock is about" in behind.read_log() and "behind the network's" in behind.read_log()
    assert "this node's clock is about" in ahead.read_log() and "ahead of the network's" in ahead.read_log()
    for h in honest:
        log = h.read_log()
        assert "this node's clock is about" not in log, h.name
        # the honest nodes name the two peers whose clocks are off
        assert log.count("reported a time about") >= 2, h.name


@needs_faketime
def test_observers_without_blocks_know_their_offset_from_handshakes(tmp_path):
    # the genesis validator never runs: no block is ever sealed, only handshakes can tell the clocks apart
    key = tmp_path / "v.key"
    keygen(key)
    genesis = tmp_path / "genesis.json"
    run([CLI, "genesis", "--out", str(genesis), "--block-time", "500ms", "--network", "clock", "--chain-id", "5120",
         "--validator", str(key)])
    offs = {"h0": 0, "h1": 0, "behind": -OFF_S, "ahead": OFF_S}
    nodes = [Node(tmp_path, genesis, None, list(NO_RATE_LIMIT), env=skewed_env(o), name=n) for n, o in offs.items()]
    mesh(nodes)
    h0, h1, behind, ahead = nodes
    with watched(nodes):
        start_meshed(nodes, first=[h0, h1])
        check_offsets([h0, h1], behind, ahead)
        assert all(nd.height() == 0 for nd in nodes)
        assert status(behind)["node"]["clock_offset_sources"] == 3  # handshakes only
        # a liar: its signed auth says it is an hour ahead; h0's estimate does not move, it is named
        before = offset(h0)
        liar = Peer(h0)
        liar.handshake(time_ms=int(time.time() * 1000) + 3600 * 1000)
        assert abs(liar.peer_time_ms - time.time() * 1000) < 2000  # h0 signs its own (true) time
        wait_for(lambda: status(h0)["node"]["clock_offset_sources"] == 4, 10, "the liar's vote counted")
        assert abs(offset(h0) - before) <= 250 and abs(offset(h0)) <= 250, (before, offset(h0))
        wait_for(lambda: re.search(r"reported a time about 3[56]\d{5} ms ahead of", h0.read_log()), 10,
                 "the liar named")
        # reconnecting many times is still one vote (one per node key)
        for _ in range(5):
            again = Peer(h0, sk=liar.sk)
            again.handshake(time_ms=int(time.time() * 1000) + 3600 * 1000)
            again.close()
        time.sleep(0.5)
        assert status(h0)["node"]["clock_offset_sources"] == 4
        assert abs(offset(h0)) <= 250
        liar.close()


@needs_faketime
def test_validators_two_minutes_off_know_their_offset(tmp_path):
    # validators v0, v1 honest; v2 two minutes behind (every block is 2 minutes in its future: it accepts none
    # and, its clock short of genesis + one block time, seals none: it stays at height 0); v3 two minutes ahead
    nodes, _ = make_net(tmp_path, 4, 500, offsets=[0, 0, -OFF_S, OFF_S], chain_id=5121)
    honest, behind, ahead = nodes[:2], nodes[2], nodes[3]
    with watched(nodes):
        start_meshed(nodes, first=honest)
        wait_for(lambda: min(h.height() for h in honest) >= 6, 40, "the honest validators keep sealing")
        check_offsets(honest, behind, ahead)
        assert behind.height() == 0
        for h in honest:  # blocks and handshakes both count on the honest validators
            assert status(h)["node"]["clock_offset_sources"] >= 4
