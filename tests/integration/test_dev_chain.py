"""`coinjectured --dev`: one process, one validator, a funded account printed on stdout, blocks at once; a given
--data-dir is reused across runs (same chain, same keys), none means a fresh temporary directory."""
import json
import os
import re
import signal
import subprocess

from conftest import CLI, COINJECTURED, free_port, http, run, wait_for


def start_dev(extra, log):
    api = free_port()
    args = [COINJECTURED, "--dev", "--api-port", str(api), "--p2p-port", str(free_port())] + extra
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, text=True)
    head = [proc.stdout.readline() for _ in range(3)]
    return proc, f"http://127.0.0.1:{api}", "".join(head)


def height(url):
    st, body, _ = http("GET", url + "/v1/status")
    return int(json.loads(body)["consensus"]["block_height"]) if st == 200 else -1


def balance(url, who):
    return int(json.loads(run([CLI, "--node", url, "account", who, "--json"]).stdout)["balance"])


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0


def test_dev_chain_runs_funds_and_persists(tmp_path):
    log = open(tmp_path / "dev.log", "w")
    data = tmp_path / "devdata"
    proc, url, head = start_dev(["--data-dir", str(data)], log)
    try:
        m = re.search(r"funded account ([0-9a-f]{64}): (\d+), key file (\S+)", head)
        assert m, head
        assert m.group(3) == str(data / "dev-account.key") and int(m.group(2)) > 0
        wait_for(lambda: height(url) >= 2, 20, "the dev chain seals blocks")
        assert balance(url, m.group(1)) == int(m.group(2))  # the funded account is not the validator: no rewards
        sink = "ab" * 32
        run([CLI, "--node", url, "send", "--key", m.group(3), "--to", sink, "--amount", "12345", "--wait"], timeout=90)
        assert balance(url, sink) == 12345
        first = height(url)
    finally:
        stop(proc)
    # the same directory again: same keys and chain, and it goes on from where it stopped
    proc, url, head2 = start_dev(["--data-dir", str(data)], log)
    try:
        assert m.group(1) in head2
        wait_for(lambda: height(url) > first, 20, "the reused dev chain continues")
    finally:
        stop(proc)


def test_dev_chain_without_data_dir_uses_a_fresh_temporary_one(tmp_path):
    log = open(tmp_path / "dev.log", "w")
    env_dirs = []
    for _ in range(2):
        proc, url, head = start_dev([], log)
        try:
            d = re.search(r"\) in (\S+)\n", head).group(1)
            assert os.path.isdir(d) and os.path.basename(d).startswith("coinjectured-dev-")
            env_dirs.append(d)
            wait_for(lambda: height(url) >= 1, 20, "blocks at once")
        finally:
            stop(proc)
    assert env_dirs[0] != env_dirs[1]
