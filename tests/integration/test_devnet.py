"""scripts/devnet.sh, the network behind scripts/run.sh (issue 5 item 8, issue 14 item 3, issue 15 item 6): written
by `coinjecture-cli testnet`, by default the migration plan's hybrid (C validators + one independent Python
validator in shadow mode, watching each other), with --c-only the C-only network. It comes up from nothing,
reports one summary line per second without a terminal, and with --duration stops cleanly and exits 0 only if
all nodes agree on the tip with no parity drift.

Run: COINJECTURE_BUILD_DIR=build /usr/bin/python3 -m pytest -q tests/integration/test_devnet.py
"""
import importlib.util
import json
import re
import stat
import subprocess

from conftest import BUILD, REPO, free_port_run, pubkey_of

DEVNET = f"{REPO}/scripts/devnet.sh"


def devnet(work, *args, nodes=3, new=True, timeout=180):
    """Runs devnet.sh without a terminal (a new chain on a free run of ports, or a restart: new=False);
    returns the CompletedProcess (text)."""
    ports = ["--base-port", str(free_port_run(2 * nodes))] if new else []
    cmd = [DEVNET, "--dir", str(work), "--build-dir", BUILD, *ports, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def summary_lines(out):
    return [ln for ln in out.splitlines() if re.match(r"^\[\s*\d+s\] ", ln)]


def test_hybrid_default_python_validator_produces_and_validates(tmp_path):
    work = tmp_path / "devnet"
    r = devnet(work, "--duration", "20", "--block-time", "500")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2 C validators + 1 Python validator, shadow mode" in r.stdout
    assert "OK: all 3 nodes agree" in r.stdout and "n2 (Python): height" in r.stdout
    lines = summary_lines(r.stdout)
    assert len(lines) >= 15, r.stdout
    # the summary names each node's implementation
    assert all(" n0 C h=" in ln and " n1 C h=" in ln and " n2 Python h=" in ln for ln in lines[-5:]), lines[-5:]
    # the Python validator seals blocks the C validators accept (it proposes in turn on the common chain)
    assert set(re.findall(r"prop=(n\d)", r.stdout)) == {"n0", "n1", "n2"}
    # every node validates the others' blocks under shadow mode: matches counted, zero divergence
    last = lines[-1]
    counts = [int(x) for x in re.findall(r"parity=ok (\d+)", last)]
    assert len(counts) == 3 and min(counts) >= 5, last
    assert "DRIFT" not in r.stdout and "peers=2" in last
    net = work / "net"
    logs = "".join((net / f"node{i}" / "node.log").read_text() for i in range(3))
    assert "HASH DIVERGENCE" not in logs
    assert "received SIGTERM: shutting down" in (net / "node2" / "node.log").read_text()
    # the configs: pinned peers from testnet, shadow mode watching by P2P node key
    py_key, c0_key = (pubkey_of(net / f"node{i}" / "p2p_node.key") for i in (2, 0))
    for i, watched in ((0, py_key), (1, py_key), (2, c0_key)):
        cfg = (net / f"node{i}" / "coinjectured.yaml").read_text()
        assert f'compare_with_validator: "{watched}"' in cfg and "enabled: true" in cfg, cfg
    assert stat.S_IMODE((net / "node2" / "validator.key").stat().st_mode) == 0o600
    assert not (net / "node2" / "pid").exists()
    first = int(re.search(r"agree on height (\d+)", r.stdout).group(1))

    # the same folder continues the same chain; the kind of network is fixed
    r = devnet(work, "--duration", "4", new=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "restarting the existing chain" in r.stdout
    assert int(re.search(r"agree on height (\d+)", r.stdout).group(1)) > first
    r = devnet(work, "--c-only", "--duration", "3", new=False)
    assert r.returncode != 0 and "hybrid" in r.stderr and "--reset" in r.stderr


def test_c_only_network_runs_restarts_and_refuses_mismatches(tmp_path):
    work = tmp_path / "devnet"
    r = devnet(work, "--c-only", "--duration", "15")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 C validators" in r.stdout and "OK: all 3 nodes agree" in r.stdout
    lines = summary_lines(r.stdout)
    assert len(lines) >= 10 and "Python" not in r.stdout
    assert set(re.findall(r"prop=(n\d)", r.stdout)) == {"n0", "n1", "n2"}
    assert re.search(r"n0 C h=\d+ \S+ \S+ peers=2 parity=off .*n2 C h=\d+ \S+ \S+ peers=2 parity=off", lines[-1])
    assert re.search(r"dashboard http://127\.0\.0\.1:\d+/", r.stdout) and "stopped" in r.stdout
    for f in ("net/genesis.json", "net/faucet.key", "net/node0/validator.key", "net/node0/coinjectured.yaml",
              "net/node0/node.log", "devnet.env"):
        assert (work / f).exists(), f
    genesis = json.loads((work / "net" / "genesis.json").read_text())
    assert genesis["block_time_ms"] == 1000 and len(genesis["validators"]) == 3

    # another validator count, block time or port base needs --reset
    for args, msg in ((["--nodes", "2"], "use --nodes 3 or --reset"), (["--block-time", "700"], "--reset"),
                      (["--base-port", "40000"], "--reset")):
        r = subprocess.run([DEVNET, "--dir", str(work), "--build-dir", BUILD, "--c-only", "--duration", "3", *args],
                           capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert r.returncode != 0 and msg in r.stderr, (args, r.stderr)

    # --reset refuses folders it did not create
    other = tmp_path / "precious"
    other.mkdir()
    (other / "file.txt").write_text("keep me")
    r = devnet(other, "--c-only", "--nodes", "1", "--reset", "--duration", "3")
    assert r.returncode != 0 and "refusing" in r.stderr
    assert (other / "file.txt").read_text() == "keep me"


def test_bad_options_are_refused(tmp_path):
    for args, msg in ((["--nodes", "0"], "--nodes"), (["--nodes", "x"], "--nodes"), (["--nodes", "1"], "--c-only"),
                      (["--block-time", "5"], "--block-time"), (["--duration", "-1"], "--duration"),
                      (["--base-port", "80"], "--base-port"), (["--api-port", "8081"], "replaced by --base-port"),
                      (["--frobnicate"], "unknown option")):
        r = subprocess.run([DEVNET, "--dir", str(tmp_path / "d"), "--build-dir", BUILD, *args],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode != 0 and msg in r.stderr, (args, r.stderr)
    assert not (tmp_path / "d").exists()
    # --help of both (run.sh answers it before installing or building anything)
    for prog in (DEVNET, f"{REPO}/scripts/run.sh"):
        h = subprocess.run([prog, "--help"], capture_output=True, text=True, timeout=30)
        assert h.returncode == 0 and "--c-only" in h.stdout and "--base-port" in h.stdout, (prog, h.stdout)


def test_summary_rows_name_implementation_role_and_parity():
    spec = importlib.util.spec_from_file_location("devnet_monitor", f"{REPO}/scripts/devnet_monitor.py")
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    assert m.parity_text(None) == "?" and m.parity_text({"enabled": False}) == "off"
    assert m.parity_text({"enabled": True, "drifts": 0, "peer": {"matches": 7, "drifts": 0}}) == "ok 7"
    assert m.parity_text({"enabled": True, "drifts": 2, "peer": {"matches": 7, "drifts": 2}}) == "DRIFT 2 (7 ok)"
    rows = [dict(name="n0", impl="c", role="shadow of n1", url="http://127.0.0.1:1", alive=True, ok=True, height=5,
                 tip="ab" * 32, peers=1, proposer="n1", parity="ok 4", drifts=0),
            dict(name="n1", impl="py", role="shadow of n0", url="http://127.0.0.1:2", alive=True, ok=True, height=5,
                 tip="ab" * 32, peers=1, proposer="n1", parity="DRIFT 1 (3 ok)", drifts=1)]
    scr = m.screen(rows, 65, 0, 500)
    assert "2 validator(s) (C + Python)" in scr and "01:05 elapsed" in scr
    assert re.search(r"n0 +C +shadow of n1 .* 5 +abababababab +n1 +1 +ok 4", scr), scr
    assert re.search(r"n1 +Python +shadow of n0 .*DRIFT 1 \(3 ok\)", scr) and "HASH DIVERGENCE counted" in scr
    assert m.line(rows, 3).endswith("| agree") and "n1 Python h=5" in m.line(rows, 3)
    rows[1]["ok"], rows[1]["alive"] = False, False
    assert "n1 Python DOWN" in m.line(rows, 4) and "DOWN (see its node.log)" in m.screen(rows, 4, 10, 500)
    for bad in ("n0,go,r,u,1,k", "n0,c,r,u,x,k", "n0,c,r"):
        try:
            m.parse_node(bad)
        except Exception as e:  # argparse.ArgumentTypeError
            assert "expected NAME,IMPL" in str(e)
        else:
            raise AssertionError(bad)
