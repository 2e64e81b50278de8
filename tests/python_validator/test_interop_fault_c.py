"""Milestone 5: the alarm proven end to end (C -> Python direction). A coinjectured built with the TEST-ONLY
option -DCOINJECTURE_TEST_FAULTS=ON (ctest fixture pyvalidator.faultbuild builds it into faultbuild/) and run
with COINJECTURE_TEST_FAULT=state_root:<h> computes a wrong state root from height h. The Python validator and
a healthy C node, both watching it in shadow mode, reject its block h and report the divergence at h from that
block alone (docs/SHADOW.md "Invalid blocks of the watched validator"): the faulty node's P2P identity is not
its validator key, so its status messages never reach the comparison and detection cannot depend on when they
arrive. Both log HASH DIVERGENCE (what=invalid_block), count drifts, run the alert command and show it in
/v1/parity; `python -m coinjecture.parity` over all nodes exits non-zero; the healthy majority (a C and the
Python validator) keeps the chain going. A normal build holds no trace of the switch and ignores the
variable."""
import os
import subprocess
import sys

import pytest

import harness as hz
from harness import ci, procs  # noqa: F401 (procs: the shared teardown fixture)

FAULT_ENV = "COINJECTURE_TEST_FAULT"
FAULT_BUILD = os.path.abspath(os.environ.get("COINJECTURE_FAULT_BUILD_DIR", os.path.join(ci.BUILD, "faultbuild")))
FAULTY = os.path.join(FAULT_BUILD, "src", "node", "coinjectured")
CHECK = os.path.join(ci.REPO, "scripts", "check-test-faults.sh")
FAULT_HEIGHT = 10  # the faulty C validator (index 1 of 3) is in turn at 10: its faulty block extends the tip
BOUND = 8  # blocks past the fault height within which the Python validator reports the drift


def need_fault_build():
    hz.need_c_build()
    if not os.access(FAULTY, os.X_OK):
        pytest.skip("no test-fault build at %s (ctest builds it: ctest -R pyvalidator.faultbuild; or "
                    "scripts/build-fault-node.sh . build/faultbuild -G Ninja)" % FAULTY)


class FaultyNode(ci.Node):
    """coinjectured from the test-fault build, with the switch set to a wrong state root from `height`."""

    def __init__(self, workdir, genesis, key, height, extra=None, name="cfault"):
        super().__init__(workdir, genesis, key, extra=extra, name=name,
                         env=dict(os.environ, **{FAULT_ENV: "state_root:%d" % height}))

    def args(self):
        return [FAULTY] + super().args()[1:]


def parity_monitor(urls):
    """Runs `python -m coinjecture.parity --once` over urls (with _core from this build when it loads)."""
    env = dict(os.environ, PYTHONPATH=os.path.join(ci.BUILD, "python"))
    probe = subprocess.run([sys.executable, "-c", "import coinjecture._core"], capture_output=True, env=env)
    if probe.returncode != 0:  # no bindings in this build (or a sanitizer build): the pure-Python reference
        env["PYTHONPATH"] = os.path.join(ci.REPO, "bindings", "python")
    return subprocess.run([sys.executable, "-m", "coinjecture.parity", "--once"] + urls, capture_output=True,
                          text=True, env=env, timeout=300, cwd=ci.REPO)


def test_normal_build_has_no_fault_switch(tmp_path, procs):
    """The normal coinjectured holds no trace of the switch, and setting the variable changes nothing: its blocks
    (sealed with the variable set to a height it passes) are valid for the independent Python validator."""
    hz.need_c_build()
    p = subprocess.run([CHECK, ci.COINJECTURED, "absent"], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    g, keys, pubs, _ = hz.make_net(tmp_path, 1)
    env = dict(os.environ, **{FAULT_ENV: "state_root:2"})
    c0 = ci.Node(tmp_path, g, keys[0], name="c0", env=env)
    procs.append(c0)
    c0.start()
    py = hz.PyNode(tmp_path, g, name="pyobs")
    py.extra = ["--peers", hz.peers_arg([c0])]
    procs.append(py)
    py.start()
    hz.wait_all_height([c0, py], 5, timeout=60)
    hz.agree([c0, py], 5)
    assert py.get("/v1/status")["stats"]["blocks_rejected"] == 0
    # a malformed value is not even read by a normal build (the faulty build refuses it: see below)
    bad = ci.run([ci.COINJECTURED, "init", "--genesis", str(g), "--data-dir", str(tmp_path / "bad")],
                 env=dict(os.environ, **{FAULT_ENV: "bogus"}))
    assert "TEST-ONLY" not in c0.read_log() + bad.stdout + bad.stderr


def test_fault_build_switch(tmp_path):
    """The test-fault build is recognisably one, and refuses a malformed switch with a clear error."""
    need_fault_build()
    p = subprocess.run([CHECK, FAULTY, "present"], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    p = subprocess.run([CHECK, FAULTY, "absent"], capture_output=True, text=True)
    assert p.returncode == 1 and "COINJECTURE_TEST_FAULT" in p.stdout
    g, _, _, _ = hz.make_net(tmp_path, 1)
    for bad in ("bogus", "state_root:", "state_root:0", "state_root:12x", "state_root:-3"):
        r = ci.run([FAULTY, "init", "--genesis", str(g), "--data-dir", str(tmp_path / "d")], check=False,
                   env=dict(os.environ, **{FAULT_ENV: bad}))
        assert r.returncode != 0 and "state_root:<height>" in r.stdout + r.stderr, (bad, r.stdout, r.stderr)
        assert not (tmp_path / "d" / "chain.db").exists()
    r = ci.run([FAULTY, "init", "--genesis", str(g), "--data-dir", str(tmp_path / "ok")],
               env=dict(os.environ, **{FAULT_ENV: "state_root:3"}))
    assert "TEST-ONLY FAULT SWITCH ACTIVE" in r.stdout + r.stderr


def test_python_catches_c_divergence(tmp_path, procs):
    need_fault_build()
    g, keys, pubs, _ = hz.make_net(tmp_path, 3)
    alert = "echo \"$COINJECTURE_DIVERGENCE_HEIGHT $COINJECTURE_DIVERGENCE_KIND $COINJECTURE_DIVERGENCE_WHAT\" >> %s"
    alert_py, alert_c = tmp_path / "alerts-py.txt", tmp_path / "alerts-c0.txt"
    shadow = ["--consensus-shadow-mode-enabled", "true", "--consensus-shadow-mode-compare-with-validator", pubs[1],
              "--consensus-shadow-mode-alert-command"]
    # the healthy C validator watches the faulty C validator too (C to C)
    c0 = ci.Node(tmp_path, g, keys[0], name="c0", extra=shadow + [alert % alert_c])
    procs.append(c0)
    c0.start()
    # the faulty C validator keeps its own random P2P identity: its status messages are not under the watched
    # key, so only its blocks can show the divergence (no dependence on when a status arrives)
    cf = FaultyNode(tmp_path, g, keys[1], FAULT_HEIGHT, extra=["--peers", hz.peers_arg([c0])])
    procs.append(cf)
    cf.start()
    py = hz.PyNode(tmp_path, g, keys[2], name="py")
    py.extra = ["--peers", hz.peers_arg([c0, cf])] + shadow + [alert % alert_py]
    procs.append(py)
    py.start()
    assert "TEST-ONLY FAULT SWITCH ACTIVE" in cf.read_log()
    # healthy up to the fault height: everyone agrees, and both watchers match the watched C validator (from the
    # parent hashes of the blocks it seals)
    hz.wait_all_height([c0, cf, py], FAULT_HEIGHT - 1, timeout=90)
    hz.agree([c0, cf, py], FAULT_HEIGHT - 1)
    for n in (c0, py):
        assert n.get("/v1/parity")["peer"]["matches"] > 0, n.name
    start = max(py.height(), c0.height(), FAULT_HEIGHT)  # the bound counts from here (a loaded machine starts late)
    # both watchers report the drift within a bounded number of blocks
    ci.wait_for(lambda: all(n.get("/v1/parity")["peer"]["drifts"] > 0 for n in (c0, py)), 90,
                "a peer drift on the Python validator and on the healthy C node")
    assert max(py.height(), c0.height()) <= start + BOUND, "drift reported only at height %d (from %d)" % (
        max(py.height(), c0.height()), start)
    for n in (c0, py):
        assert n.get("/v1/parity")["compare_with_validator"]["pubkey"] == pubs[1]
    _, log = hz.watched_divergence(py, cf, FAULT_HEIGHT)
    assert "sealed by the watched validator is invalid here: BAD_STATE_ROOT" in log
    _, clog = hz.watched_divergence(c0, cf, FAULT_HEIGHT)
    assert "sealed by the watched validator is invalid here: bad-state-root" in clog
    # both refused the faulty blocks for their state root
    assert py.get("/v1/status")["stats"]["blocks_rejected"] > 0
    assert c0.get("/v1/status")["stats"]["blocks_rejected"] > 0
    # the alert command ran once for the fault height on each watcher, with the kind and what
    for f in (alert_py, alert_c):
        ci.wait_for(lambda: hz.alert_lines(f), 30, "alert command output in %s" % f.name)
        assert [x for x in hz.alert_lines(f) if x[0] == str(FAULT_HEIGHT)] == [[str(FAULT_HEIGHT), "peer",
                                                                             "invalid_block"]]
    assert py.get("/v1/parity")["alerts"]["started"] >= 1 and c0.get("/v1/parity")["alerts"]["started"] >= 1
    # the healthy majority keeps going, agrees, and holds no block of the faulty validator from the fault on
    h0 = max(c0.height(), py.height())
    hz.wait_all_height([c0, py], h0 + 3, timeout=60)
    top = min(c0.height(), py.height())
    hz.agree([c0, py], top)
    faddr = c0.get("/v1/accounts/%s" % pubs[1])["address"]
    assert all(ci.block(c0, h)["header"]["miner_address"] != faddr for h in range(FAULT_HEIGHT, top + 1))
    # the faulty node is on its own branch from the fault height
    assert ci.block_hash(cf, FAULT_HEIGHT) != ci.block_hash(c0, FAULT_HEIGHT)
    # the external monitor over all three nodes sees the divergence
    mon = parity_monitor([c0.url, cf.url, py.url])
    assert mon.returncode == 1, "parity monitor: %d\n%s\n%s" % (mon.returncode, mon.stdout[-3000:], mon.stderr[-3000:])
    assert "%d" % FAULT_HEIGHT in mon.stdout + mon.stderr
