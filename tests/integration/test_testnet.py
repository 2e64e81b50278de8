"""`coinjecture-cli testnet`: the directory it writes runs as it says (init once, then `coinjectured -c
coinjectured.yaml` from each node's directory): the validators form one chain through the pinned peers, the
observer follows, and the faucet pays. Bad usage is refused without writing anything."""
import json
import os
import signal
import subprocess

from conftest import CLI, COINJECTURED, free_port_run, http, keygen, run, wait_for


def status(port):
    st, body, _ = http("GET", f"http://127.0.0.1:{port}/v1/status", timeout=2)
    assert st == 200
    return json.loads(body)


def test_testnet_directory_runs_as_written(tmp_path):
    out = tmp_path / "net"
    base = free_port_run(8)
    r = run([CLI, "testnet", "--out", str(out), "--validators", "3", "--observers", "1", "--block-time", "500ms",
             "--base-port", str(base), "--network", "tn-itest"])
    assert "3 validators, 1 observer on 1 host" in r.stdout
    assert sorted(os.listdir(out)) == ["faucet.key", "genesis.json", "node0", "node1", "node2", "node3"]
    assert not os.path.exists(out / "node3" / "validator.key")
    genesis = json.loads((out / "genesis.json").read_text())
    assert len(genesis["validators"]) == 3 and genesis["rules_version"] == 2
    procs = []
    try:
        for i in range(4):
            d = out / f"node{i}"
            run([COINJECTURED, "init", "--genesis", "../genesis.json", "--data-dir", "data"], cwd=d)
            log = open(tmp_path / f"node{i}.log", "w")
            procs.append(subprocess.Popen([COINJECTURED, "-c", "coinjectured.yaml"], cwd=d, stdout=log,
                                          stderr=subprocess.STDOUT))
        api = [base + 2 * i + 1 for i in range(4)]

        def formed():
            sts = [status(p) for p in api]
            tips = {(s["consensus"]["block_height"], s["consensus"]["current_block_hash"]) for s in sts}
            return all(s["peers"] >= 3 for s in sts) and len(tips) == 1 and min(t[0] for t in tips) >= 4
        wait_for(formed, 60, "all four nodes connected through the pinned peers and on one tip", interval=0.2)
        assert not status(api[3])["consensus"]["is_validator"]
        url = f"http://127.0.0.1:{api[0]}"
        run([CLI, "--node", url, "send", "--key", str(out / "faucet.key"), "--to", "cd" * 32, "--amount", "777",
             "--wait"], timeout=90)
        wait_for(lambda: json.loads(run([CLI, "--node", f"http://127.0.0.1:{api[3]}", "account", "cd" * 32,
                                         "--json"]).stdout)["balance"] == 777, 20, "the observer sees the transfer")
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=20)


def test_testnet_bad_usage_writes_nothing(tmp_path):
    for args, msg in ((["--validators", "0"], "--validators"), (["--hosts", "a b"], "--hosts"),
                      (["--network", ""], "--network"), ([], "needs --out")):
        out = tmp_path / "x"
        p = subprocess.run([CLI, "testnet"] + (["--out", str(out)] if msg != "needs --out" else []) + args,
                           capture_output=True, text=True)
        assert p.returncode == 2 and msg in p.stderr and p.stdout == "", (args, p.stderr)
        assert not out.exists()
    out = tmp_path / "exists"
    out.mkdir()
    p = subprocess.run([CLI, "testnet", "--out", str(out)], capture_output=True, text=True)
    assert p.returncode != 0 and "refusing to reuse" in p.stderr


def test_testnet_genesis_options(tmp_path):
    """--alloc adds balances beside the faucet's, --genesis-time and --epoch-length go into the genesis."""
    user = tmp_path / "user.key"
    pub = keygen(user)
    out = tmp_path / "net"
    run([CLI, "testnet", "--out", str(out), "--validators", "1", "--alloc", f"{user}=5000", "--alloc",
         f"{'ab' * 32}=7", "--genesis-time", "1700000000", "--epoch-length", "9"])
    g = json.loads((out / "genesis.json").read_text())
    assert g["genesis_time"] == 1700000000 and g["epoch_length"] == 9
    assert [(a["pubkey"], a["balance"]) for a in g["allocations"][1:]] == [(pub, 5000), ("ab" * 32, 7)]
    assert g["allocations"][0]["balance"] == 10 ** 15  # the faucet first
    r = run([CLI, "testnet", "--out", str(tmp_path / "bad"), "--alloc", "nokey"], check=False)
    assert r.returncode == 2 and "--alloc" in r.stderr and not os.path.exists(tmp_path / "bad")
