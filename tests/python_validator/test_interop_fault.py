"""Milestone 5: the alarm proven end to end (Python -> C direction). The test-only fault switch
COINJECTURE_PYV_TEST_FAULT=state_root:<h> makes the Python validator compute a wrong state root from height h.
The C nodes, watching it in shadow mode, reject its block h and report the divergence at h from that block alone
(docs/SHADOW.md "Invalid blocks of the watched validator": its P2P identity is not its validator key, so its
status messages never reach the comparison), log HASH DIVERGENCE (what=invalid_block), count drifts, run the
alert command, show it in /v1/parity, and the healthy C majority keeps the chain going."""
import os

import pytest

import harness as hz
from harness import ci, procs  # noqa: F401 (procs: the shared teardown fixture)

FAULT_HEIGHT = 8  # the Python validator (index 2 of 3) is in turn at 8: its faulty block extends the C tip


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
    alert = "echo \"$COINJECTURE_DIVERGENCE_HEIGHT $COINJECTURE_DIVERGENCE_KIND $COINJECTURE_DIVERGENCE_WHAT\" >> %s" % \
        alert_file
    shadow = ["--consensus-shadow-mode-enabled", "true", "--consensus-shadow-mode-compare-with-validator", pubs[2],
              "--consensus-shadow-mode-alert-command", alert]
    c0 = ci.Node(tmp_path, g, keys[0], name="c0", extra=shadow)
    procs.append(c0)
    c0.start()
    env = dict(os.environ, COINJECTURE_PYV_TEST_FAULT="state_root:%d" % FAULT_HEIGHT)
    py = hz.PyNode(tmp_path, g, keys[2], name="pyfault", env=env)
    # the faulty node refuses the healthy blocks; without bans on its side it keeps talking to the C nodes. It keeps
    # its own random P2P identity: its status messages are not under the watched key, only its blocks count
    py.extra = ["--peers", hz.peers_arg([c0]), "--p2p-ban-time", "0s"]
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
    assert max(n.height() for n in (c0, c1)) <= bound + 10
    # each C node: one divergence at the fault height, from the faulty block itself
    for n in (c0, c1):
        _, log = hz.watched_divergence(n, py, FAULT_HEIGHT)
        assert "sealed by the watched validator is invalid here: bad-state-root" in log
        assert n.get("/v1/status")["stats"]["blocks_rejected"] > 0
    # the alert command ran for the fault height (once per node: both write to the same file)
    ci.wait_for(lambda: hz.alert_lines(alert_file), 30, "alert command output")
    ci.wait_for(lambda: len([x for x in hz.alert_lines(alert_file) if x[0] == str(FAULT_HEIGHT)]) == 2, 30,
                "an alert from each C node")
    assert [x for x in hz.alert_lines(alert_file) if x[0] == str(FAULT_HEIGHT)] == \
        [[str(FAULT_HEIGHT), "peer", "invalid_block"]] * 2
    # the healthy C majority keeps going, and no faulty block is in its chain
    h0 = c0.height()
    hz.wait_all_height([c0, c1], h0 + 3, timeout=60)
    top = min(c0.height(), c1.height())
    common = hz.agree([c0, c1], top)
    pyaddr = c0.get("/v1/accounts/%s" % pubs[2])["address"]
    for h in range(FAULT_HEIGHT, top + 1):
        assert ci.block(c0, h)["header"]["miner_address"] != pyaddr
    assert len(common) == top + 1
