"""cjnet: the one way tests, the node bench and scripts bring COINjecture networks up (standard library only;
importable without pytest: `sys.path.insert(0, "<repo>/tests/lib"); import cjnet`).

Programs come from COINJECTURE_BUILD_DIR (default <repo>/build): COINJECTURED, CLI, KEYGEN; the Python
validator is `PYTHON -m coinjecture_validator` with PYTHONPATH=PY_PKG (validator/python).

Networks (the usual entry point):
    net = cjnet.Network(workdir, validators=3, observers=0, impls=("c", "c", "py"), block_time="500ms",
                        chain_id=4242, network="cjnet", allocs=(("alice.key", 10**12),), genesis_time=None,
                        epoch_length=None, extra=(...), env=None)
      writes workdir/net with `coinjecture-cli testnet` (keys, genesis with a funded faucet, one
      coinjectured.yaml per node with every other node pinned as KEY@127.0.0.1:PORT) on a run of free ports,
      and runs `init` for every node ("c": coinjectured, "py": the Python validator).
      net.nodes (Node objects, validators first), net.genesis, net.faucet (key file), net.dir
      net.shadow(i, j): node i compares its hashes with node j's announcements (shadow mode, by j's P2P key)
      net.start(wait=True), net.wait_height(h, timeout), net.same_tip(min_height), net.stop() (SIGTERM,
      returns the exit codes), net.kill() (SIGKILL, for teardown)
Single nodes:
    Node(workdir, genesis, key=None, extra=None, env=None, name="node", impl="c")
      a node started with flags (--data-dir, --api-port, --p2p-port on free ports); PyNode(...) is impl="py".
    Node.from_config(config, name, impl="c", extra=None, env=None)
      a node of a testnet directory: runs `-c coinjectured.yaml` from its directory, ports read from the file.
    node.start(wait=True, max_fds=None), wait_healthy(), stop(sig), get(path), height(), wait_height(h),
      cli(*args), read_log(), p2p_pub() (its P2P node key), url, api_port, p2p_port, proc, log_path
Helpers: run, keygen, http, free_port, free_port_run(n), wait_for, kill_nodes, metric, status, tip, block,
    block_hash, same_tip, FAKETIME_LIB, fast_clock_env(back_s, speed), start_with_past_chain(n, genesis_time, h),
    past_chain_validator(workdir, blocks, block_ms, chain_id) (a started one-validator Network, chain in the past).
"""
import contextlib
import glob
import json
import os
import random
import resource
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD = os.path.abspath(os.environ.get("COINJECTURE_BUILD_DIR", os.path.join(REPO, "build")))
COINJECTURED = os.path.join(BUILD, "src/node/coinjectured")
CLI = os.path.join(BUILD, "src/tools/coinjecture-cli")
KEYGEN = os.path.join(BUILD, "src/tools/coinjecture-keygen")
PYTHON = "/usr/bin/python3"
PY_PKG = os.path.join(REPO, "validator", "python")
FAKETIME_LIB = next(iter(sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))), None)
NO_RATE_LIMIT = ["--set", "rate_limiter.enabled=false"]


def _ephemeral_low():
    """The lowest port the kernel hands out for outgoing connections (ip_local_port_range)."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


_handed_out = set()


def _bindable(port):
    with socket.socket() as t:
        try:
            t.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_port_run(n):
    """A base port with n consecutive ports above it (base included) that were all free a moment ago. They lie
    below the kernel's ephemeral range, so an outgoing connection of a node already started (whose local port
    the kernel picks from that range) cannot take a port meant for a node started later; within this process no
    port is handed out twice."""
    low, top = 10000, _ephemeral_low()
    rng = random.Random(os.getpid() ^ time.monotonic_ns())
    for _ in range(1000):
        base = rng.randrange(low, top - n)
        ports = range(base, base + n)
        if any(p in _handed_out for p in ports) or not all(_bindable(p) for p in ports):
            continue
        _handed_out.update(ports)
        return base
    raise AssertionError(f"no run of {n} free ports below {top}")


def free_port():
    """A TCP port that was free on 127.0.0.1 a moment ago (below the ephemeral range; see free_port_run)."""
    return free_port_run(1)


def make_genesis(path, validators, allocs=(), block_time="500ms", chain_id=5151, genesis_time=None,
                 network="cjnet"):
    """Writes a genesis file with `coinjecture-cli genesis` for the validator key files, with allocations
    (key, balance) and an optional genesis time (unix seconds)."""
    args = [CLI, "genesis", "--out", str(path), "--block-time", block_time, "--network", network, "--chain-id",
            str(chain_id)]
    for v in validators:
        args += ["--validator", str(v)]
    for a, bal in allocs:
        args += ["--alloc", f"{a}={bal}"]
    if genesis_time is not None:
        args += ["--genesis-time", str(genesis_time)]
    run(args)


def run(args, check=True, env=None, timeout=60, cwd=None):
    """Runs a tool and returns the CompletedProcess (text mode)."""
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, timeout=timeout, cwd=cwd)
    if check and p.returncode != 0:
        raise AssertionError(f"{args} failed ({p.returncode}): {p.stdout}\n{p.stderr}")
    return p


def keygen(path):
    """Writes a key file and returns its public key hex."""
    out = run([KEYGEN, "--key-file", str(path), "--json"]).stdout
    return json.loads(out)["public_key"]


def pubkey_of(path):
    """Public key hex of an existing key file."""
    return run([KEYGEN, "--show", str(path)]).stdout.split()[0]


def http(method, url, body=None, headers=None, timeout=10):
    """One HTTP request; returns (status, body bytes, headers) without raising on 4xx/5xx."""
    data = body if isinstance(body, (bytes, type(None))) else body.encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


def py_env(env=None):
    """The environment of a Python validator process: env (default ours) with PYTHONPATH on validator/python."""
    e = dict(os.environ if env is None else env)
    e["PYTHONPATH"] = PY_PKG
    return e


def _exe(impl):
    """The command that runs a node of implementation impl ("c" or "py")."""
    if impl == "c":
        return [COINJECTURED]
    if impl == "py":
        return [PYTHON, "-m", "coinjecture_validator"]
    raise ValueError(f"unknown implementation {impl!r} (expected 'c' or 'py')")


class Node:
    """One node process (coinjectured, or the Python validator with impl="py") with its own data dir and ports."""

    log_level = "debug"  # the tests read debug lines; the bench sets "info" on its nodes

    def __init__(self, workdir, genesis, key=None, extra=None, env=None, name="node", impl="c"):
        self.workdir, self.genesis, self.key, self.name, self.impl = workdir, genesis, key, name, impl
        self.extra = list(extra or [])
        self.env = py_env(env) if impl == "py" else env
        self.config, self.cwd = None, None
        self.data_dir = os.path.join(str(workdir), name + "-data")
        self.api_port, self.p2p_port = free_port(), free_port()
        self.log_path = os.path.join(str(workdir), name + ".log")
        self.proc = None
        self.url = f"http://127.0.0.1:{self.api_port}"
        run(_exe(impl) + ["init", "--genesis", str(genesis), "--data-dir", self.data_dir], env=self.env)

    @classmethod
    def from_config(cls, config, name, impl="c", extra=None, env=None):
        """A node of a `coinjecture-cli testnet` directory: config is its coinjectured.yaml (paths in it are
        relative to its directory, where the node runs); its data dir is initialised here."""
        n = cls.__new__(cls)
        n.config, n.cwd = os.path.abspath(str(config)), os.path.dirname(os.path.abspath(str(config)))
        n.name, n.impl, n.extra = name, impl, list(extra or [])
        n.env = py_env(env) if impl == "py" else env
        n.workdir, n.genesis = n.cwd, os.path.join(n.cwd, "..", "genesis.json")
        key = os.path.join(n.cwd, "validator.key")
        n.key = key if os.path.exists(key) else None
        n.data_dir = os.path.join(n.cwd, "data")
        n.api_port, n.p2p_port = _config_ports(n.config)
        n.log_path = os.path.join(n.cwd, "node.log")
        n.proc = None
        n.url = f"http://127.0.0.1:{n.api_port}"
        run(_exe(impl) + ["init", "--genesis", "../genesis.json", "--data-dir", "data"], env=n.env, cwd=n.cwd)
        return n

    def args(self):
        """The command line that starts this node."""
        if self.config:
            return _exe(self.impl) + ["-c", self.config, "--log-level", self.log_level] + self.extra
        a = _exe(self.impl) + ["--data-dir", self.data_dir, "--api-port", str(self.api_port), "--p2p-port",
                               str(self.p2p_port), "--log-level", self.log_level]
        if self.key:
            a += ["--key-file", str(self.key)]
        return a + self.extra

    def p2p_pub(self):
        """This node's P2P node key (hex): from its key file in a testnet directory, else from /v1/status."""
        if self.config:
            return pubkey_of(os.path.join(self.cwd, "p2p_node.key"))
        return self.get("/v1/status")["node"]["p2p_node_key"]

    def start(self, wait=True, max_fds=None):
        self.log = open(self.log_path, "a")

        def limit():
            if max_fds:
                resource.setrlimit(resource.RLIMIT_NOFILE, (max_fds, max_fds))

        self.proc = subprocess.Popen([str(a) for a in self.args()], stdout=self.log, stderr=subprocess.STDOUT,
                                     env=self.env, cwd=self.cwd, preexec_fn=limit if max_fds else None)
        if wait:
            self.wait_healthy()
        return self

    def wait_healthy(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n{self.read_log()[-4000:]}")
            try:
                st, body, _ = http("GET", self.url + "/health", timeout=2)
                if st == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"{self.name} did not become healthy:\n{self.read_log()[-4000:]}")

    def read_log(self):
        with open(self.log_path, errors="replace") as f:
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
        """Sends sig (None: already sent) and returns the exit code."""
        if self.proc is None:
            return None
        if sig is not None:
            self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=timeout)
        self.proc = None
        self.log.close()
        return rc


class PyNode(Node):
    """A Python validator process with the interface of Node."""

    def __init__(self, workdir, genesis, key=None, extra=None, env=None, name="py"):
        super().__init__(workdir, genesis, key, extra, env, name, impl="py")


def _config_ports(path):
    """(api port, p2p port) of a coinjectured.yaml written by `coinjecture-cli testnet`."""
    ports, section = {}, None
    with open(path) as f:
        for line in f:
            if line[:1].isalpha() and line.rstrip().endswith(":"):
                section = line.strip()[:-1]
            elif line.strip().startswith("port:") and section in ("api", "p2p"):
                ports[section] = int(line.split(":", 1)[1])
    return ports["api"], ports["p2p"]


class Network:
    """A network written by `coinjecture-cli testnet` and run on loopback (see the module docstring)."""

    def __init__(self, workdir, validators=3, observers=0, impls=None, block_time="500ms", chain_id=4242,
                 network="cjnet", allocs=(), genesis_time=None, epoch_length=None, extra=(), env=None,
                 subdir="net"):
        n = validators + observers
        impls = list(impls or ["c"] * n)
        if len(impls) != n:
            raise ValueError(f"impls names {len(impls)} nodes, the network has {n}")
        self.dir = os.path.join(str(workdir), subdir)
        self.base_port = free_port_run(2 * n)
        args = [CLI, "testnet", "--out", self.dir, "--validators", str(validators), "--observers", str(observers),
                "--base-port", str(self.base_port), "--chain-id", str(chain_id), "--network", network,
                "--block-time", str(block_time)]
        for k, bal in allocs:
            args += ["--alloc", f"{k}={bal}"]
        if genesis_time is not None:
            args += ["--genesis-time", str(int(genesis_time))]
        if epoch_length is not None:
            args += ["--epoch-length", str(epoch_length)]
        run(args)
        self.genesis = os.path.join(self.dir, "genesis.json")
        self.faucet = os.path.join(self.dir, "faucet.key")
        self.nodes = [Node.from_config(os.path.join(self.dir, f"node{i}", "coinjectured.yaml"), f"node{i}",
                                       impl=impls[i], extra=extra, env=env) for i in range(n)]

    def __iter__(self):
        return iter(self.nodes)

    def __getitem__(self, i):
        return self.nodes[i]

    def shadow(self, watcher, watched):
        """Shadow mode on node `watcher`: compare its hashes with those node `watched` announces (named by its
        P2P node key, docs/SHADOW.md)."""
        self.nodes[watcher].extra += ["--set", "consensus.shadow_mode.enabled=true", "--set",
                                      "consensus.shadow_mode.compare_with_validator=" + self.nodes[watched].p2p_pub()]

    def start(self, wait=True):
        for n in self.nodes:
            n.start(wait=False)
        if wait:
            for n in self.nodes:
                n.wait_healthy(timeout=30)
        return self

    def wait_height(self, h, timeout=60):
        wait_for(lambda: all(n.height() >= h for n in self.nodes), timeout, f"height {h} on every node",
                 interval=0.2)

    def same_tip(self, min_height=0):
        return same_tip(self.nodes, min_height)

    def stop(self, timeout=20):
        """SIGTERM to every running node at once, then their exit codes (None for a node not running)."""
        running = [n for n in self.nodes if n.proc is not None]
        for n in running:
            n.proc.send_signal(signal.SIGTERM)
        rcs = {id(n): n.stop(sig=None, timeout=timeout) for n in running}
        return [rcs.get(id(n)) for n in self.nodes]

    def kill(self):
        kill_nodes(self.nodes)


# ---------------------------------------------------------------------------------------------------------
# polling helpers

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


@contextlib.contextmanager
def watched(nodes, tail=3000):
    """Runs a test body over nodes: on any failure prints the tail of each node's log, and always kills them."""
    try:
        yield nodes
    except BaseException:
        for nd in nodes:
            print(f"---- {nd.name} log tail ----\n" + nd.read_log()[-tail:])
        raise
    finally:
        kill_nodes(nodes)


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


# ---------------------------------------------------------------------------------------------------------
# chains in the past (time passes between blocks, docs/CHAIN.md §3: they are built on a fast clock)

def fast_clock_env(back_s, speed=10, env=None):
    """Environment whose wall clock starts back_s seconds in the past and runs `speed` times fast (libfaketime)."""
    assert FAKETIME_LIB is not None, "libfaketime (Debian package faketime) is missing"
    return dict(os.environ if env is None else env, LD_PRELOAD=FAKETIME_LIB, FAKETIME=f"-{int(back_s)}s x{speed}")


def start_with_past_chain(n, genesis_time, height, timeout=90, speed=10):
    """Starts n (a lone validator) with a chain of `height` blocks that lies in the past: built on a clock
    running `speed` times fast from the genesis time, then n restarts on the real clock and seals. Returns the
    height then."""
    n.env = fast_clock_env(int(time.time()) - genesis_time, speed)
    n.start()
    wait_for(lambda: tip(n)[0] >= height, timeout, f"the validator builds {height} blocks", interval=0.2)
    n.stop()
    n.env = None
    n.start()
    # hand over a validator that seals: past its start-up double-sign watch (docs/OPERATIONS.md)
    h0 = tip(n)[0]
    wait_for(lambda: status(n)["node"].get("sealing") and tip(n)[0] > h0, 30, "the validator seals on the real clock",
             interval=0.1)
    return tip(n)[0]


def past_chain_validator(workdir, blocks, block_ms=500, chain_id=5151, network="cjnet", extra=NO_RATE_LIMIT):
    """A started network of one C validator whose chain already holds `blocks` blocks lying in the past (built
    on a fast clock, start_with_past_chain), sealing on the real clock. Returns the Network; its node is net[0]."""
    genesis_time = int(time.time()) - blocks * block_ms // 1000 - 40
    net = Network(workdir, validators=1, block_time=f"{block_ms}ms", chain_id=chain_id, network=network,
                  genesis_time=genesis_time, extra=extra)
    start_with_past_chain(net[0], genesis_time, blocks)
    return net
