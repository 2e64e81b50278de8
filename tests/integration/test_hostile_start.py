"""Hostile start-up conditions and secrets (issue 6, item 3): corrupt, truncated, world-readable and oversized
key files; corrupt YAML configs (syntax, unknown keys, wrong types, bracket bombs, alias bombs); a corrupt
genesis copy, database or P2P key in the data directory; a full disk at start and while running (a real
tmpfs); a read-only data directory (read-only bind mount, and 0500 for an unprivileged user). Each must end
in a clear message and a non-zero exit with nothing written, or -- for a disk that fills while running --
in logged errors while the node keeps serving and resumes once space is back, with its data intact.
Secrets: the validator and P2P secret keys and seeds never appear in any log line (human and JSON, debug),
in --print-config, in API answers or in error messages about corrupt key files."""
import hashlib
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import COINJECTURED, http, run


# ---------------------------------------------------------------------------------------------------------
# helpers


def dir_state(path):
    """Every file below path -> (mode, size, sha256): equal before and after means nothing was written."""
    out = {}
    for root, dirs, files in os.walk(path):
        for f in files:
            p = os.path.join(root, f)
            st = os.lstat(p)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, path)] = (st.st_mode, st.st_size, hashlib.sha256(fh.read()).hexdigest())
    return out


def start_fail(args, timeout=20, env=None, preexec_fn=None):
    """Runs coinjectured expecting a start-up failure: (exit code, output). Never a signal, never a hang."""
    t0 = time.time()
    p = subprocess.run([COINJECTURED] + args, capture_output=True, text=True, timeout=timeout, env=env,
                       preexec_fn=preexec_fn, errors="replace")
    out = p.stdout + p.stderr
    assert p.returncode > 0, f"exit {p.returncode} (expected a clean failure):\n{out}"
    assert time.time() - t0 < timeout
    return p.returncode, out


def snapshot(n):
    h = n.height()
    return {i: n.get(f"/v1/blocks/{i}")["block_hash"] for i in range(h + 1)}


def same_blocks(n, snap):
    for i, h in snap.items():
        assert n.get(f"/v1/blocks/{i}")["block_hash"] == h, f"block {i} changed"


def secret_hex(keyfile):
    """(128-hex secret key, 64-hex seed) of a key file."""
    with open(keyfile) as f:
        sk = f.read().strip().lower()
    return sk, sk[:64]


def ran_node(net, name="node", extra=None, height=3):
    """A node that ran long enough to have blocks and its P2P key, then stopped: a realistic data dir."""
    n = net["make"](name=name, extra=extra)
    n.wait_height(height)
    snap = snapshot(n)
    assert n.stop() == 0
    return n, snap


def base_args(n):
    return ["--data-dir", n.data_dir, "--api-port", str(n.api_port), "--p2p-port", str(n.p2p_port)]


def have_root_mounts():
    return os.geteuid() == 0 and shutil.which("mount") is not None


# ---------------------------------------------------------------------------------------------------------
# key files


def test_corrupt_key_files_are_refused_and_nothing_is_written(net, tmp_path):
    n, snap = ran_node(net)
    before = dir_state(n.data_dir)
    sk, seed = secret_hex(net["v0"])
    other_sk, _ = secret_hex(net["alice"])
    cases = {
        "truncated": (seed + "\n", "expected 128 hex digits"),
        "empty": ("", "expected 128 hex digits"),
        "one digit short": (sk[:-1] + "\n", "found 127 characters"),
        "non-hex": (sk[:-1] + "z\n", "not valid hex"),
        "binary garbage": (None, "expected 128 hex digits"),
        "public half of another key": (seed + other_sk[64:] + "\n", "does not match its seed"),
        "two keys": (sk + "\n" + sk + "\n", "expected 128 hex digits"),
        "huge": ("0" * (2 * 1024 * 1024), "too large"),
    }
    for what, (text, needle) in cases.items():
        k = tmp_path / f"bad-{what.replace(' ', '-')}.key"
        if text is None:
            k.write_bytes(os.urandom(300) + b"\0" * 10)
        else:
            k.write_text(text)
        os.chmod(k, 0o600)
        rc, out = start_fail(base_args(n) + ["--key-file", str(k)])
        assert rc == 1 and needle in out and str(k) in out, (what, out)
        assert seed not in out.lower() and seed[:32] not in out.lower(), f"{what}: the error echoes key material"
    # permissions and file types
    k = tmp_path / "world.key"
    shutil.copy(net["v0"], k)
    os.chmod(k, 0o644)
    rc, out = start_fail(base_args(n) + ["--key-file", str(k)])
    assert "mode 0644" in out and "chmod 600" in out
    os.chmod(k, 0o640)
    assert "mode 0640" in start_fail(base_args(n) + ["--key-file", str(k)])[1]
    for target, needle in ((str(tmp_path), "not a regular file"), ("/dev/zero", "not a regular file"),
                           (str(tmp_path / "missing.key"), "cannot open")):
        rc, out = start_fail(base_args(n) + ["--key-file", target])
        assert needle in out, (target, out)
    os.symlink("/dev/zero", tmp_path / "link.key")
    assert "not a regular file" in start_fail(base_args(n) + ["--key-file", str(tmp_path / "link.key")])[1]
    assert dir_state(n.data_dir) == before, "a refused start wrote to the data directory"
    # the real key still works and nothing was lost
    n.start()
    same_blocks(n, snap)
    n.wait_height(max(snap) + 2)


def test_corrupt_files_in_the_data_directory(net):
    """A corrupt P2P key, genesis copy or database: a clear error naming the file, exit 1; restored, the node
    starts with every block it had."""
    n, snap = ran_node(net)
    files = {name: open(os.path.join(n.data_dir, name), "rb").read() for name in
             ("p2p_node.key", "genesis.json", "chain.db")}
    cases = [
        ("p2p_node.key", b"zzzz\n", "p2p_node.key: expected 128 hex digits"),
        ("p2p_node.key", files["p2p_node.key"][:64], "p2p_node.key"),
        ("genesis.json", b"{\"chain_id\": 1", "genesis.json"),
        ("genesis.json", b"\0" * 100, "genesis.json"),
        ("chain.db", os.urandom(65536), "file is not a database"),
        ("chain.db", files["chain.db"][:len(files["chain.db"]) // 2], "chain.db"),
    ]
    for name, content, needle in cases:
        path = os.path.join(n.data_dir, name)
        with open(path, "wb") as f:
            f.write(content)
        rc, out = start_fail(base_args(n) + ["--key-file", str(net["v0"])])
        assert rc == 1 and needle in out, (name, out)
        with open(path, "wb") as f:
            f.write(files[name])
    os.chmod(os.path.join(n.data_dir, "p2p_node.key"), 0o644)
    assert "mode 0644" in start_fail(base_args(n) + ["--key-file", str(net["v0"])])[1]
    os.chmod(os.path.join(n.data_dir, "p2p_node.key"), 0o600)
    n.start()
    same_blocks(n, snap)
    n.wait_height(max(snap) + 2)


# ---------------------------------------------------------------------------------------------------------
# configuration files


def test_corrupt_config_files(net, tmp_path):
    n, _ = ran_node(net)
    before = dir_state(n.data_dir)
    cfg = tmp_path / "node.yaml"
    cases = [
        ("api:\n\tport: 8081\n", ":2:1: YAML syntax error"),                      # tab indentation
        ("api:\n  host: \"127.0.0.1\n", "YAML syntax error"),                     # unclosed quote
        ("api: [1, 2\n", "YAML syntax error"),
        ("\0\1\2\3garbage\xff", "node.yaml"),
        ("api:\n  prot: 8081\n", ":2:3: unknown key 'api.prot' (did you mean 'api.port'?)"),
        ("nonsense:\n  x: 1\n", "unknown key 'nonsense'"),
        ("api:\n  port: abc\n", "api.port"),
        ("api:\n  port: [1, 2]\n", "expected a single value, got a list"),
        ("api:\n  port:\n    x: 1\n", "expected a value, got a mapping"),
        ("api: 5\n", "'api' is a section"),
        ("log:\n  level: loud\n", "log.level"),
        ("rate_limiter:\n  ip_limit: -1\n", "rate_limiter.ip_limit"),
        ("api:\n  read_timeout: 10\n", "bad duration '10'"),
        ("api:\n  max_request_size: 1TiB\n", "api.max_request_size"),
        ("p2p:\n  bootstrap_peers:\n    a: 1\n", "p2p.bootstrap_peers"),
        ("api:\n  port: 1\n  port: 2\n", "duplicate key 'api.port'"),
        ("api:\n  port: 8081\n---\napi:\n  port: 8082\n", "more than one YAML document"),
        ("- a\n- b\n", "the top level must be a mapping"),
        ("consensus:\n  validator_key: xyz\n", "consensus.validator_key"),
        # a billion-laughs alias bomb: aliases are references in libyaml's document model, never expanded
        ("a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n"
                                                  for i in range(8)), "unknown key 'a'"),
        # bracket bombs: libyaml is quadratic in flow nesting, the node refuses deep nesting up front
        ("api: " + "[" * 200000 + "]" * 200000 + "\n", "nested 200000 deep"),
        ("a: " + "{a: " * 100000 + "1" + "}" * 100000 + "\n", "nested 100000 deep"),
        ("api:\n  port: 1\n" + "#" * (1024 * 1024) + "\n", "at most 1 MiB"),
    ]
    for text, needle in cases:
        cfg.write_bytes(text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text)
        rc, out = start_fail(base_args(n) + ["--key-file", str(net["v0"]), "--config", str(cfg)], timeout=10)
        assert rc == 2 and "configuration error" in out and needle in out, (text[:60], out[-400:])
    # wrong types through the environment and flags too
    env = dict(os.environ, COINJECTURE_API_PORT="http")
    assert "COINJECTURE_API_PORT" in start_fail(base_args(n), env=env)[1]
    assert "p2p.max_peers" in start_fail(base_args(n) + ["--set", "p2p.max_peers=0"])[1]
    assert "--set needs KEY=VALUE" in start_fail(base_args(n) + ["--set", "garbage"])[1]
    assert dir_state(n.data_dir) == before, "a refused configuration wrote to the data directory"


# ---------------------------------------------------------------------------------------------------------
# full disk and read-only data directories (need root for mount; skipped with the reason otherwise)


@pytest.fixture
def tmpfs(tmp_path):
    """A 4 MiB tmpfs; unmounted afterwards."""
    if not have_root_mounts():
        pytest.skip("needs root to mount a tmpfs (full-disk test)")
    mnt = tmp_path / "fs"
    mnt.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(mnt)], capture_output=True,
                       text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {p.stderr.strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def fill(path):
    """Fills the file system of path until ENOSPC; returns the filler file."""
    f = os.path.join(path, "filler")
    with open(f, "wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    try:
        with open(os.path.join(path, "filler2"), "wb") as out:  # the last partial block
            while True:
                out.write(b"\0" * 512)
                out.flush()
    except OSError:
        pass
    return f


def unfill(path):
    for f in ("filler", "filler2"):
        if os.path.exists(os.path.join(path, f)):
            os.unlink(os.path.join(path, f))


def test_full_disk_at_start_and_while_running(net, tmpfs):
    n, snap = ran_node(net, extra=["--set", "rate_limiter.enabled=false"])
    dd = tmpfs / "data"
    shutil.copytree(n.data_dir, dd)
    n.data_dir = str(dd)
    # full before the start: refused with a clear message, the database untouched
    fill(str(tmpfs))
    db = dir_state(str(dd))["chain.db"]
    rc, out = start_fail(base_args(n) + ["--key-file", str(net["v0"])])
    assert rc == 1 and ("disk" in out or "No space left" in out), out
    assert dir_state(str(dd))["chain.db"] == db
    unfill(str(tmpfs))
    # full while running: production fails loudly, the API keeps answering, nothing is half-written
    n.start()
    same_blocks(n, snap)
    n.wait_height(max(snap) + 2)
    fill(str(tmpfs))
    wait = time.time() + 15
    while "database or disk is full" not in n.read_log() and time.time() < wait:
        time.sleep(0.1)
    assert "database or disk is full" in n.read_log()
    # a transfer submitted now is admitted to the mempool (memory) and mined once there is space again
    out = n.cli("--json", "send", "--key", str(net["alice"]), "--to", net["bob_pub"], "--amount", "4242")
    tx = json.loads(out.stdout)["tx_hash"]
    stuck = n.height()
    for _ in range(5):
        assert n.get("/health")["status"] == "ok"
        time.sleep(0.2)
    assert n.proc.poll() is None
    unfill(str(tmpfs))
    n.wait_height(stuck + 3, timeout=20)

    def mined():
        t = n.get(f"/v1/transactions/{tx}")
        return t["status"] == "confirmed" and t

    deadline = time.time() + 15
    while time.time() < deadline and not mined():
        time.sleep(0.2)
    conf = mined()
    assert conf, "the transfer was not mined after the disk had space again"
    bob = n.get(f"/v1/accounts/{net['bob_pub']}")["balance"]
    full = snapshot(n)
    assert n.stop() == 0
    # restart: every block and the state the node served before are what the disk holds
    n.start()
    same_blocks(n, full)
    assert n.get(f"/v1/accounts/{net['bob_pub']}")["balance"] == bob
    assert n.get(f"/v1/transactions/{tx}")["block_height"] == conf["block_height"]
    n.wait_height(max(full) + 2)
    assert n.stop() == 0


def test_read_only_data_directory(net, tmp_path):
    if not have_root_mounts():
        pytest.skip("needs root for a read-only bind mount")
    n, snap = ran_node(net)
    before = dir_state(n.data_dir)
    p = subprocess.run(["mount", "--bind", n.data_dir, n.data_dir], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {p.stderr.strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", n.data_dir], check=True, capture_output=True)
        rc, out = start_fail(base_args(n) + ["--key-file", str(net["v0"])])
        assert rc == 1 and "Read-only file system" in out, out
    finally:
        subprocess.run(["umount", n.data_dir], capture_output=True)
    assert dir_state(n.data_dir) == before
    n.start()
    same_blocks(n, snap)


def test_data_directory_without_write_permission_for_the_user(net):
    """chmod 0500 only binds an unprivileged user (root bypasses it): run the node as `nobody`."""
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to an unprivileged user")
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no 'nobody' user")
    n, snap = ran_node(net)
    base = tempfile.mkdtemp(prefix="cj-ro-")  # outside pytest's 0700 tree, so nobody can reach it
    try:
        os.chmod(base, 0o755)
        dd = os.path.join(base, "data")
        shutil.copytree(n.data_dir, dd)
        key = os.path.join(base, "v0.key")
        shutil.copy(net["v0"], key)
        for root, dirs, files in os.walk(base):
            for x in dirs + files:
                os.chown(os.path.join(root, x), nobody.pw_uid, nobody.pw_gid)
        os.chmod(key, 0o600)
        os.chmod(dd, 0o500)
        for f in os.listdir(dd):
            os.chmod(os.path.join(dd, f), 0o400)
        before = dir_state(dd)

        def drop():
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)

        probe = subprocess.run([COINJECTURED, "--version"], capture_output=True, preexec_fn=drop)
        if probe.returncode != 0:
            pytest.skip("the build directory is not readable by nobody")
        rc, out = start_fail(["--data-dir", dd, "--api-port", str(n.api_port), "--p2p-port", str(n.p2p_port),
                              "--key-file", key], preexec_fn=drop)
        assert rc == 1 and ("Permission denied" in out or "readonly" in out or "read-only" in out), out
        assert dir_state(dd) == before
    finally:
        shutil.rmtree(base, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------------
# secrets


def test_secret_keys_never_appear_in_logs_or_answers(net, tmp_path):
    """Validator and P2P secret keys (and their seeds, in upper or lower case) are absent from every debug
    log line in both formats, from --print-config and from every API answer, after a run that produced
    blocks, accepted a transaction and served a peer."""
    secrets = []
    for k in (net["v0"],):
        sk, seed = secret_hex(k)
        secrets += [sk, seed, seed[:32], seed[32:]]  # never the public half: that one is public
    outputs = []
    for fmt in ("human", "json"):
        n = net["make"](name=f"secret-{fmt}", extra=["--log-format", fmt, "--set", "rate_limiter.enabled=false"])
        n.wait_height(2)
        n.cli("send", "--key", str(net["alice"]), "--to", net["bob_pub"], "--amount", "5", "--wait")
        for path in ("/v1/status", "/v1/validators", "/v1/peers", "/metrics", "/v1/blocks/latest", "/v1/mempool",
                     "/v1/evidence", "/v1/parity", "/"):
            outputs.append(http("GET", n.url + path)[1].decode("utf-8", "replace"))
        p2p_sk, p2p_seed = secret_hex(os.path.join(n.data_dir, "p2p_node.key"))
        secrets += [p2p_sk, p2p_seed]
        outputs.append(run([COINJECTURED] + base_args(n) + ["--key-file", str(net["v0"]), "--print-config",
                            "--log-level", "debug"]).stdout)
        assert n.stop() == 0
        log = n.read_log()
        assert "produced block" in log and "admitted to the mempool" in log  # debug output really was on
        if fmt == "json":
            for line in log.splitlines():
                json.loads(line)
        outputs.append(log)
    # a mismatching validator_key and a corrupt key file: the errors talk about keys without showing them
    rc, out = start_fail(base_args(n) + ["--key-file", str(net["v0"]), "--set",
                                         "consensus.validator_key=" + "ab" * 32])
    outputs.append(out)
    text = "\n".join(outputs).lower()
    for s in secrets:
        assert s and s.lower() not in text, "secret key material leaked"
