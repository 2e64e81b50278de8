"""Shared fixtures for the integration tests: build keys and a genesis with the shipped tools, start the
real coinjectured on free loopback ports in a temporary data directory, poll its HTTP API."""
import json
import os
import resource
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("COINJECTURE_BUILD_DIR", os.path.join(REPO, "build")))
COINJECTURED = os.path.join(BUILD, "src/node/coinjectured")
CLI = os.path.join(BUILD, "src/tools/coinjecture-cli")
KEYGEN = os.path.join(BUILD, "src/tools/coinjecture-keygen")
SOURCE_DIR = REPO


def free_port():
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args, check=True, env=None, timeout=60, cwd=None):
    """Runs a tool and returns the CompletedProcess (text mode)."""
    p = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout, cwd=cwd)
    if check and p.returncode != 0:
        raise AssertionError(f"{args} failed ({p.returncode}): {p.stdout}\n{p.stderr}")
    return p


def keygen(path):
    """Writes a key file and returns its public key hex."""
    out = run([KEYGEN, "--key-file", str(path), "--json"]).stdout
    return json.loads(out)["public_key"]


def http(method, url, body=None, headers=None, timeout=10):
    """One HTTP request; returns (status, body bytes, headers) without raising on 4xx/5xx."""
    data = body if isinstance(body, (bytes, type(None))) else body.encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


class Node:
    """One coinjectured process with its own data dir and ports."""

    def __init__(self, workdir, genesis, key=None, extra=None, env=None, name="node"):
        self.workdir = workdir
        self.genesis = genesis
        self.key = key
        self.extra = list(extra or [])
        self.env = env
        self.name = name
        self.data_dir = os.path.join(str(workdir), name + "-data")
        self.api_port = free_port()
        self.p2p_port = free_port()
        self.proc = None
        self.log_path = os.path.join(str(workdir), name + ".log")
        self.url = f"http://127.0.0.1:{self.api_port}"
        run([COINJECTURED, "init", "--genesis", str(genesis), "--data-dir", self.data_dir])

    def args(self):
        a = [COINJECTURED, "--data-dir", self.data_dir, "--api-port", str(self.api_port), "--p2p-port",
             str(self.p2p_port), "--log-level", "debug"]
        if self.key:
            a += ["--key-file", str(self.key)]
        return a + self.extra

    def start(self, wait=True, max_fds=None):
        self.log = open(self.log_path, "a")

        def limit():
            if max_fds:
                resource.setrlimit(resource.RLIMIT_NOFILE, (max_fds, max_fds))

        self.proc = subprocess.Popen(self.args(), stdout=self.log, stderr=subprocess.STDOUT, env=self.env,
                                     preexec_fn=limit)
        if wait:
            self.wait_healthy()
        return self

    def wait_healthy(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n{self.read_log()}")
            try:
                st, body, _ = http("GET", self.url + "/health", timeout=2)
                if st == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"{self.name} did not become healthy:\n{self.read_log()}")

    def read_log(self):
        with open(self.log_path) as f:
            return f.read()

    def get(self, path, expect=200):
        st, body, _ = http("GET", self.url + path)
        assert st == expect, f"GET {path}: {st} {body!r}"
        return json.loads(body)

    def height(self):
        return int(self.get("/v1/status")["consensus"]["block_height"])

    def wait_height(self, h, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.height() >= h:
                return
            time.sleep(0.1)
        raise AssertionError(f"height {h} not reached (at {self.height()})")

    def cli(self, *args, check=True):
        return run([CLI, "--node", self.url] + list(args), check=check)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc is None:
            return None
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=timeout)
        self.proc = None
        self.log.close()
        return rc


# ---------------------------------------------------------------------------------------------------------
# polling helpers shared by the multi-node suites

# What a poll shrugs off and retries: node restarting (OSError), partial JSON (ValueError), a field not
# there yet (KeyError), a non-200 answer from Node.get (AssertionError).
TRANSIENT = (OSError, ValueError, KeyError, AssertionError)


def wait_for(pred, timeout, what, interval=0.05, transient=TRANSIENT):
    """Polls pred() until it returns a truthy value; fails with `what` (and the last value) on timeout.
    Exceptions of the `transient` types count as "not yet"; any other propagates at once."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = pred()
        except transient as e:
            last = e  # "not yet": an exception object is truthy, so it must never count as success
        else:
            if last:
                return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def kill_nodes(nodes):
    """SIGKILLs every running node of nodes and closes its log (teardown: no clean shutdown needed)."""
    for n in nodes:
        if n.proc is not None:
            n.proc.kill()
            n.proc.wait()
            n.log.close()
            n.proc = None


def metric(n, name):
    """Value of an unlabeled metric line of node n's /metrics (0 if absent: counters appear when first used)."""
    for line in http("GET", n.url + "/metrics")[1].decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def status(n):
    """GET /v1/status of node n."""
    return n.get("/v1/status")


def tip(n):
    """(height, hash) of n's current tip."""
    c = status(n)["consensus"]
    return int(c["block_height"]), c["current_block_hash"]


def block(n, h):
    """Block h as n serves it, or None if n has none there."""
    st, body, _ = http("GET", f"{n.url}/v1/blocks/{h}")
    return json.loads(body) if st == 200 else None


def block_hash(n, h):
    """Hash of n's block at height h, or None."""
    b = block(n, h)
    return b["block_hash"] if b else None


def same_tip(nodes, min_height=0):
    """(height, hash) if every node reports the same tip at or above min_height in one polling round."""
    tips = [tip(n) for n in nodes]
    if len(set(tips)) == 1 and tips[0][0] >= min_height:
        return tips[0]
    return None


@pytest.fixture
def net(tmp_path):
    """One validator key, two funded user keys and a genesis with 500 ms blocks."""
    ctx = {"dir": tmp_path}
    ctx["v0"] = tmp_path / "v0.key"
    ctx["alice"] = tmp_path / "alice.key"
    ctx["bob"] = tmp_path / "bob.key"
    ctx["v0_pub"] = keygen(ctx["v0"])
    ctx["alice_pub"] = keygen(ctx["alice"])
    ctx["bob_pub"] = keygen(ctx["bob"])
    ctx["genesis"] = tmp_path / "genesis.json"
    run([CLI, "genesis", "--out", str(ctx["genesis"]), "--validator", str(ctx["v0"]), "--alloc",
         f"{ctx['alice']}=1000000000000", "--alloc", f"{ctx['bob']}=5000000", "--block-time", "500ms",
         "--network", "itest", "--chain-id", "4242"])
    nodes = []

    def make(name="node", key="v0", extra=None, env=None, start=True):
        n = Node(tmp_path, ctx["genesis"], ctx[key] if key else None, extra, env, name)
        nodes.append(n)
        if start:
            n.start()
        return n

    ctx["make"] = make
    yield ctx
    for n in nodes:
        if n.proc is not None:
            n.proc.kill()
            n.proc.wait()
            n.log.close()
