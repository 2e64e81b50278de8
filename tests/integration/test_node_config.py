"""Start-up and configuration errors: unknown keys with their line, bad durations and ports, key file
permissions, data-directory rules, precedence, sample config, several nodes on one host, signals."""
import json
import os
import subprocess

from conftest import CLI, COINJECTURED, KEYGEN, SOURCE_DIR, free_port, keygen, run


def start_fail(args, env=None):
    """Runs coinjectured expecting a start-up failure; returns its output."""
    p = subprocess.run([COINJECTURED] + args, capture_output=True, text=True, timeout=30, env=env)
    assert p.returncode != 0, p.stdout + p.stderr
    return p.stdout + p.stderr


def test_unknown_key_bad_duration_bad_port(tmp_path):
    cfg = tmp_path / "node.yaml"
    cfg.write_text("api:\n  port: 8081\n  prot: 1\n")
    out = start_fail(["--config", str(cfg), "--print-config"])
    assert f"{cfg}:3:3: unknown key 'api.prot' (did you mean 'api.port'?)" in out
    cfg.write_text("# timeouts\napi:\n  read_timeout: 10\n")
    out = start_fail(["--config", str(cfg)])
    assert f"{cfg}:3:3: api.read_timeout: bad duration '10'" in out
    cfg.write_text("api:\n  port: 70000\n")
    assert "api.port: '70000' is out of range 1..65535" in start_fail(["-c", str(cfg)])
    assert "bad port 'http'" in start_fail(["--api-port", "http"])
    assert "out of range" in start_fail(["--api-port", "0"])
    env = dict(os.environ, COINJECTURE_API_WRITE_TIMEOUT="soon")
    assert "COINJECTURE_API_WRITE_TIMEOUT" in start_fail(["--print-config"], env=env)
    assert "unknown option '--no-such-flag'" in start_fail(["--no-such-flag", "1"])
    assert "cannot open config file" in start_fail(["--config", str(tmp_path / "missing.yaml")])


def test_legacy_keys_precedence_and_print(tmp_path):
    cfg = tmp_path / "network-b.yaml"
    cfg.write_text("network:\n  id: coinjecture-migration-testnet\n"
                   "consensus:\n  use_rust_bindings: true\n  block_time: 2s\n"
                   "api:\n  port: 8081\n  enable_cors: true\n"
                   "metrics:\n  port: 9090\n")
    env = dict(os.environ, COINJECTURE_API_PORT="9100", COINJECTURE_LOG_LEVEL="warn")
    p = run([COINJECTURED, "--config", str(cfg), "--api-port", "9200", "--print-config"], env=env)
    assert "  port: 9200  # flag" in p.stdout
    assert "  level: warn  # env COINJECTURE_LOG_LEVEL" in p.stdout
    assert "  crypto_backend: accelerated" in p.stdout
    assert "key 'network' of the original node is accepted and ignored" in p.stderr
    assert f"{cfg}:5: key 'consensus.block_time'" in p.stderr
    assert "use_rust_bindings is deprecated" in p.stderr
    sample = run([COINJECTURED, "--sample-config"]).stdout
    with open(os.path.join(SOURCE_DIR, "docs", "coinjectured.sample.yaml")) as f:
        assert f.read() == sample
    # the sample is a valid config on its own
    s = tmp_path / "sample.yaml"
    s.write_text(sample)
    assert "warning" not in run([COINJECTURED, "-c", str(s), "--print-config"]).stderr


def test_key_file_permissions(net):
    os.chmod(net["v0"], 0o644)
    n = net["make"](start=False)
    n.start(wait=False)
    assert n.proc.wait(timeout=20) != 0
    n.proc = None
    n.log.close()
    log = n.read_log()
    assert "mode 0644" in log and "chmod 600" in log
    os.chmod(net["v0"], 0o600)
    n.start()
    assert n.get("/v1/status")["consensus"]["is_validator"] is True
    # a mismatching consensus.validator_key is refused
    assert "does not match" in start_fail(["--data-dir", n.data_dir, "--key-file", str(net["v0"]), "--api-port",
                                           str(free_port()), "--set", "consensus.validator_key=" + "ab" * 32])


def test_data_dir_rules_and_two_nodes(net, tmp_path):
    out = start_fail(["--data-dir", str(tmp_path / "never-initialised"), "--api-port", str(free_port())])
    assert "not initialised" in out and "coinjectured init" in out
    a = net["make"](name="a")
    # init is idempotent for the same genesis and refuses another one
    run([COINJECTURED, "init", "--genesis", str(net["genesis"]), "--data-dir", a.data_dir + "-2"])
    run([COINJECTURED, "init", "--genesis", str(net["genesis"]), "--data-dir", a.data_dir + "-2"])
    other = tmp_path / "other.json"
    k = tmp_path / "k.key"
    keygen(k)
    run([CLI, "genesis", "--out", str(other), "--validator", str(k)])
    assert "different genesis" in start_fail(["init", "--genesis", str(other), "--data-dir", a.data_dir + "-2"])
    # one data dir, one process
    assert "in use by another coinjectured" in start_fail(["--data-dir", a.data_dir, "--api-port", str(free_port()),
                                                          "--p2p-port", str(free_port())])
    # same genesis as the data dir, or refuse
    assert "describes another chain" in start_fail(["--data-dir", a.data_dir + "-2", "--genesis", str(other),
                                                    "--api-port", str(free_port())])
    # several nodes on one host: distinct data dirs and ports
    b = net["make"](name="b", key=None)
    assert b.get("/v1/status")["consensus"]["is_validator"] is False
    assert a.get("/health")["status"] == "ok" and b.get("/health")["status"] == "ok"
    a.wait_height(2)
    assert b.height() == 0  # an observer without peers does not produce
    # port already taken by another node: clear error
    out = start_fail(["--data-dir", a.data_dir + "-2", "--api-port", str(a.api_port), "--p2p-port", str(free_port())])
    assert f"cannot bind 127.0.0.1:{a.api_port}" in out
    assert a.stop() == 0 and b.stop() == 0


def test_help_version_and_tools(tmp_path):
    assert "usage: coinjectured" in run([COINJECTURED, "--help"]).stdout
    assert run([COINJECTURED, "--version"]).stdout.startswith("coinjectured ")
    assert "unknown command" in start_fail(["frobnicate"])
    keygen_bin = KEYGEN
    out = run([keygen_bin, "--key-dir", str(tmp_path), "--count", "3", "--json"]).stdout.splitlines()
    keys = [json.loads(l) for l in out]
    assert len(keys) == 3 and len({k["public_key"] for k in keys}) == 3
    for k in keys:
        assert oct(os.stat(k["key_file"]).st_mode & 0o777) == "0o600"
    again = subprocess.run([keygen_bin, "--key-file", keys[0]["key_file"]], capture_output=True, text=True)
    assert again.returncode != 0 and "refusing to overwrite" in again.stderr
    shown = run([keygen_bin, "--show", keys[1]["key_file"]]).stdout.split()[0]
    assert shown == keys[1]["public_key"]
