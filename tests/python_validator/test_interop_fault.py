"""Milestone 5: the alarm proven end to end (Python -> C direction). The test-only fault switch
COINJECTURE_PYV_TEST_FAULT=state_root:<h> makes the Python validator compute a wrong state root from height h.
Within a bounded number of blocks the C nodes reject its blocks, log HASH DIVERGENCE, count drifts, run the
alert command, show it in /v1/parity, and the healthy C majority keeps the chain going."""
import os

import pytest

import harness as hz
from harness import ci

FAULT_HEIGHT = 8  # the Python validator (index 2 of 3) is in turn at 8: its faulty block extends the C tip


@pytest.fixture
def procs():
    nodes = []
    yield nodes
    ci.kill_nodes(nodes)


def test_fault_switch_is_inert_by_default():
    from coinjecture_validator import faults
    assert faults.from_env({}) is None
    f = faults.from_env({faults.ENV: "state_root:10"})
    root = bytes(32)
    assert f.state_root(9, root) == root and f.state_root(10, root) != root
    with pytest.raises(SystemExit):
        faults.from_env({faults.ENV: "bogus"})


def test_c_nodes_catch_python_divergence(tmp_path, procs):
    hz.need_c_build()
    g, keys, pubs, alice = hz.make_net(tmp_path, 3)
    alert_file = tmp_path / "alerts.txt"
    alert = "echo \"$COINJECTURE_DIVERGENCE_HEIGHT $COINJECTURE_DIVERGENCE_KIND\" >> %s" % alert_file
    shadow = ["--consensus-shadow-mode-enabled", "true", "--consensus-shadow-mode-compare-with-validator", pubs[2],
              "--consensus-shadow-mode-alert-command", alert]
    c0 = ci.Node(tmp_path, g, keys[0], name="c0", extra=shadow)
    procs.append(c0)
    c0.start()
    env = dict(os.environ, COINJECTURE_PYV_TEST_FAULT="state_root:%d" % FAULT_HEIGHT)
    py = hz.PyNode(tmp_path, g, keys[2], name="pyfault", env=env)
    # the faulty node refuses the healthy blocks; without bans on its side it keeps talking to the C nodes
    py.extra = ["--peers", hz.peers_arg([c0]), "--p2p-node-key", str(keys[2]), "--p2p-ban-time", "0s"]
    procs.append(py)
    py.start()
    c1 = ci.Node(tmp_path, g, keys[1], name="c1", extra=shadow + ["--peers", hz.peers_arg([c0, py])])
    procs.append(c1)
    c1.start()
    assert "TEST-ONLY FAULT SWITCH ACTIVE" in py.read_log()
    # healthy up to the fault height: everyone agrees
    hz.wait_all_height([c0, c1, py], FAULT_HEIGHT - 1, timeout=60)
    hz.agree([c0, c1, py], FAULT_HEIGHT - 2)
    # within a bounded number of blocks the C nodes detect it
    bound = FAULT_HEIGHT + 12
    ci.wait_for(lambda: all(n.get("/v1/parity")["peer"]["drifts"] > 0 for n in (c0, c1)), 60,
                "drifts on both C nodes")
    for n in (c0, c1):
        p = n.get("/v1/parity")
        assert p["last_divergences"] and p["last_divergences"][0]["kind"] == "peer"
        assert min(d["height"] for d in p["last_divergences"]) >= FAULT_HEIGHT
        assert "HASH DIVERGENCE" in n.read_log()
        assert ci.metric(n, 'coinjecture_parity_drifts_total{kind="peer"}') > 0
    assert max(n.height() for n in (c0, c1)) <= bound + 10
    # the Python validator's faulty blocks were refused by the C nodes
    ci.wait_for(lambda: c0.get("/v1/status")["stats"]["blocks_rejected"] +
                c1.get("/v1/status")["stats"]["blocks_rejected"] > 0, 60, "C nodes reject the faulty blocks")
    assert "state" in (c0.read_log() + c1.read_log()).lower()
    # the alert command ran
    ci.wait_for(lambda: alert_file.exists() and alert_file.read_text().strip(), 30, "alert command output")
    assert "peer" in alert_file.read_text()
    # the healthy C majority keeps going, and no faulty block is in its chain
    h0 = c0.height()
    hz.wait_all_height([c0, c1], h0 + 3, timeout=60)
    top = min(c0.height(), c1.height())
    common = hz.agree([c0, c1], top)
    pyaddr = c0.get("/v1/accounts/%s" % pubs[2])["address"]
    for h in range(FAULT_HEIGHT, top + 1):
        assert ci.block(c0, h)["header"]["miner_address"] != pyaddr
    assert len(common) == top + 1
