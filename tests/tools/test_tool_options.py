#!/usr/bin/python3
"""Command lines of the shipped tools (issue 15 item 5). Run by ctest as tools.options:

  /usr/bin/python3 tests/tools/test_tool_options.py BUILD_DIR NAME=PATH [NAME=PATH ...]

For every program and every subcommand: --help / -h / --version exit 0 with the usage on stdout and nothing
on stderr; an unknown option, an unknown command, a missing value or a stray argument exits 2 with a
message on stderr (first line, no log line before it) and nothing on stdout; global options work after
the subcommand (checked against a stub HTTP server); the generated bash completion and man page (from
the same option table) contain every option and command --help lists, the completion completes, and
`cmake --install` puts both under share/. coinjectured's table is built from its configuration keys.
Standard library only."""

import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

CLI_COMMANDS = ["status", "block", "tx", "account", "send", "mempool", "validators", "vote", "genesis", "testnet",
                "load"]
# one stray-argument case per command (parsed before anything touches the network or a file)
CLI_STRAY = {
    "status": ["status", "extra"], "block": ["block", "latest", "extra"], "tx": ["tx", "ab" * 32, "extra"],
    "account": ["account", "ab" * 32, "extra"], "send": ["send", "extra"], "mempool": ["mempool", "extra"],
    "validators": ["validators", "extra"], "vote": ["vote", "list", "extra"], "genesis": ["genesis", "extra"],
    "testnet": ["testnet", "extra"],
    "load": ["load", "extra"],
}
HEX = "7eb04adf" * 8
failures = []
checks = [0]


def run(args, env=None):
    return subprocess.run(args, capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)


def check(cond, what, p=None):
    checks[0] += 1
    if not cond:
        detail = f"\n  rc={p.returncode}\n  stdout={p.stdout[:600]!r}\n  stderr={p.stderr[:600]!r}" if p else ""
        failures.append(what + detail)
        print("FAIL:", what + detail)


def ok_usage(prog, args, usage_prefix):
    p = run([prog] + args)
    check(p.returncode == 0 and p.stdout.startswith(usage_prefix) and p.stderr == "",
          f"{' '.join([os.path.basename(prog)] + args)}: exit 0 with '{usage_prefix}' on stdout", p)
    return p.stdout


def usage_error(prog, name, args, message):
    p = run([prog] + args)
    first = p.stderr.splitlines()[0] if p.stderr else ""
    check(p.returncode == 2 and p.stdout == "" and first.startswith(name + ":") and message in first,
          f"{' '.join([name] + args)}: exit 2, nothing on stdout, '{message}' first on stderr", p)


def long_options(help_text):
    """Every --option named in the option lists of a --help text."""
    return set(re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z0-9-]*)", help_text, re.M))


def commands_of(help_text):
    m = re.search(r"^commands:\n((?:  .*\n|\s+.*\n)+?)\n", help_text, re.M)
    return [l.split()[0] for l in m.group(1).splitlines() if re.match(r"  \S", l)] if m else []


def complete(script, func, words):
    """Runs the completion function for a command line (the last word is being completed)."""
    cmd = f"source {script}\nCOMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n" \
          f"{func}; printf '%s\\n' \"${{COMPREPLY[@]}}\""
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", cmd], capture_output=True, text=True, timeout=30)
    return p.stdout.split()


def check_program(build, name, prog, tmp):
    print(f"== {name}")
    v = run([prog, "--version"])
    check(v.returncode == 0 and v.stdout.startswith(name + " ") and v.stderr == "", f"{name} --version", v)
    top = ok_usage(prog, ["--help"], f"usage: {name} ")
    check(top == ok_usage(prog, ["-h"], f"usage: {name} "), f"{name}: -h is --help")
    usage_error(prog, name, ["--bogus"], "unknown option '--bogus'")
    usage_error(prog, name, ["--bogus=1"], "unknown option '--bogus=1'")
    usage_error(prog, name, ["stray"], "unknown command 'stray'" if name in ("coinjecture-cli", "coinjectured")
                else "stray")
    options = long_options(top)
    cmds = commands_of(top)
    sub_options = {}
    if name == "coinjecture-cli":
        check(cmds == CLI_COMMANDS, f"cli --help lists the commands {CLI_COMMANDS}, got {cmds}")
        usage_error(prog, name, [], "missing command")
        usage_error(prog, name, ["--node"], "needs a value")
        for c in cmds:
            h = ok_usage(prog, [c, "--help"], f"usage: {name} {c} ")
            check(h == ok_usage(prog, ["--help", c], f"usage: {name} {c} "), f"cli --help {c} == cli {c} --help")
            vv = run([prog, c, "--version"])
            check(vv.returncode == 0 and vv.stdout == v.stdout, f"cli {c} --version", vv)
            usage_error(prog, name, [c, "--bogus"], f"{c}: unknown option '--bogus'")
            usage_error(prog, name, CLI_STRAY[c], "unexpected argument 'extra'")
            sub_options[c] = long_options(h) - options
        usage_error(prog, name, ["vote", "frob", HEX], "unknown vote action")
        usage_error(prog, name, ["send", "--key"], "needs a value")
        usage_error(prog, name, ["send", "--to", HEX, "--amount", "1"], "needs --key")
        usage_error(prog, name, ["send", "--key", "k", "--to", HEX, "--amount", "x"], "--amount")
        usage_error(prog, name, ["load", "--funder", "k", "--keys", "1"], "--keys")
        usage_error(prog, name, ["load"], "needs --funder")
        usage_error(prog, name, ["status", "--timeout", "0s"], "--timeout")
        usage_error(prog, name, ["status", "--json=1"], "takes no value")
        usage_error(prog, name, ["block", "zz" * 40], "expected latest")
        # genesis: options before/after, a plural-correct summary
        g1 = os.path.join(tmp, "g1.json")
        p = run([prog, "genesis", "--out", g1, "--validator", HEX, "--network", "t"])
        check(p.returncode == 0 and "1 validator, 0 allocations" in p.stdout, "genesis summary: 1 validator", p)
        g2 = os.path.join(tmp, "g2.json")
        p = run([prog, "--json", "genesis", "--validator", HEX, "--alloc", f"{HEX}=5", "--validator", "ab" * 32,
                 "--out", g2])
        check(p.returncode == 0 and "2 validators, 1 allocation," in p.stdout, "genesis summary: plurals", p)
        check_globals_after_command(prog)
    if name == "coinjecture-keygen":
        kd = os.path.join(tmp, "keys")
        os.mkdir(kd)
        p = run([prog, "--key-dir", kd, "--count", "2", "--prefix", "n", "--json"])
        check(p.returncode == 0 and len(p.stdout.splitlines()) == 2 and p.stderr == "", "keygen --key-dir", p)
        k = os.path.join(tmp, "one.key")
        p = run([prog, "--json", "--key-file", k])
        check(p.returncode == 0 and json.loads(p.stdout)["key_file"] == k, "keygen --key-file", p)
        old = os.path.join(tmp, "old.key")
        p = run([prog, "--out", old])
        check(p.returncode == 0 and "deprecated" in p.stderr and os.path.exists(old), "keygen --out (deprecated)", p)
        od = os.path.join(tmp, "oldkeys")
        os.mkdir(od)
        p = run([prog, "--output", od, "--count", "1"])
        check(p.returncode == 0 and os.listdir(od) == ["validator0.key"], "keygen --output (deprecated)", p)
        usage_error(prog, name, [], "exactly one of")
        usage_error(prog, name, ["--key-dir", kd, "--count", "0"], "--count")
        usage_error(prog, name, ["--key-dir", kd, "--count", "02"], "--count")  # no leading zeros
        usage_error(prog, name, ["--show", k, "stray"], "unexpected argument 'stray'")
    if name == "coinjectured":
        check(cmds == ["run", "init", "reset-sign-state"], f"coinjectured --help lists its commands, got {cmds}")
        for c in cmds:
            h = ok_usage(prog, [c, "--help"], f"usage: {name} {c} ")
            sub_options[c] = long_options(h) - options
        check(sub_options["reset-sign-state"] == {"--height"}, f"reset-sign-state has --height: {sub_options}")
        check_daemon(prog, tmp, options)
    if name == "coinjecture-bench":
        usage_error(prog, name, ["--runs", "many"], "--runs")
    if name == "coinjecture-vectors":
        usage_error(prog, name, ["-o"], "needs a value")

    # completion and man page: generated from the same table, contain every option and command
    comp = run([prog, "--print-completion", "bash"])
    man = run([prog, "--print-man"])
    check(comp.returncode == 0 and man.returncode == 0, f"{name} --print-completion bash / --print-man", comp)
    usage_error(prog, name, ["--print-completion", "zsh"], "only 'bash'")
    built_comp = os.path.join(build, "share/bash-completion/completions", name)
    built_man = os.path.join(build, "share/man/man1", name + ".1")
    for path, text in ((built_comp, comp.stdout), (built_man, man.stdout)):
        check(os.path.exists(path) and open(path).read() == text, f"{path} is the program's current output")
    man_text = man.stdout.replace("\\-", "-")
    every = set(options)
    for c, opts in sub_options.items():
        every |= opts
    check("--help" in every and "--version" in every, f"{name}: --help lists --help and --version")
    for o in sorted(every):
        check(re.search(r"(^|[\s\"])" + re.escape(o) + r"([\s\"]|$)", comp.stdout) is not None,
              f"{name}: completion has {o}")
        check(re.search(r"\\fB" + re.escape(o) + r"\\fR", man_text) is not None, f"{name}: man page has {o}")
    for c in cmds:
        check(re.search(r"\b" + c + r"\b", comp.stdout) is not None, f"{name}: completion has command {c}")
        check(f"\\fB{c}\\fR" in man_text, f"{name}: man page has command {c}")
    syn = subprocess.run(["bash", "-n", "-c", comp.stdout], capture_output=True, text=True)
    check(syn.returncode == 0, f"{name}: completion is valid bash: {syn.stderr}")
    func = re.search(r"complete -F (\S+) " + re.escape(name), comp.stdout)
    check(func is not None, f"{name}: completion registers a function")
    if func:
        script = os.path.join(tmp, name + ".bash")
        with open(script, "w") as f:
            f.write(comp.stdout)
        got = complete(script, func.group(1), [name, "--"])
        check(set(options) <= set(got), f"{name}: completes its options after '--' ({got})")
        if name == "coinjecture-cli":
            check(complete(script, func.group(1), [name, "--json", "se"]) == ["send"], "cli: completes 'se' to send")
            got = complete(script, func.group(1), [name, "send", "--"])
            check(sub_options["send"] | {"--node"} <= set(got), f"cli: completes the options of send ({got})")
            check(complete(script, func.group(1), [name, "block", "la"]) == ["latest"], "cli: block la -> latest")
    if shutil.which("groff"):
        g = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z"], input=man.stdout, capture_output=True, text=True)
        check(g.returncode == 0 and g.stderr == "", f"{name}: man page renders without warnings: {g.stderr[:300]}")


class Stub(http.server.BaseHTTPRequestHandler):
    """Answers GET /v1/status like a node (enough for `status`)."""
    STATUS = {"node": {"network": "stubnet", "chain_id": 7, "version": "x", "library_version": "y"},
              "consensus": {"block_height": 12, "current_block_hash": "ab" * 32, "validator_count": 1,
                            "is_validator": False},
              "crypto_backend": {"active": "reference", "detail": "portable"}, "mempool_size": 0, "peers": 0}

    def do_GET(self):
        body = json.dumps(self.STATUS).encode()
        self.send_response(200 if self.path == "/v1/status" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def check_globals_after_command(prog):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_address[1]}"
    env = dict(os.environ, COINJECTURE_NODE="http://127.0.0.1:1")
    try:
        for args in (["--node", url, "--json", "status"], ["status", "--json", "--node", url],
                     ["--json", "status", f"--node={url}", "--timeout", "5s"], ["status", "--node", url, "--json"]):
            p = run([prog] + args, env=env)
            try:
                got = json.loads(p.stdout)
            except ValueError:
                got = None
            check(p.returncode == 0 and got == Stub.STATUS, f"cli {' '.join(args)}: JSON from the --node server", p)
        p = run([prog, "status", "--node", url], env=env)
        check(p.returncode == 0 and "stubnet" in p.stdout and not p.stdout.lstrip().startswith("{"),
              "cli status --node URL: text", p)
    finally:
        srv.shutdown()


def check_install(build, names, tmp):
    prefix = os.path.join(tmp, "prefix")
    p = run(["cmake", "--install", build, "--prefix", prefix])
    check(p.returncode == 0, "cmake --install", p)
    for n in names:
        for rel in (f"share/bash-completion/completions/{n}", f"share/man/man1/{n}.1"):
            check(os.path.isfile(os.path.join(prefix, rel)), f"cmake --install puts {rel} in place")


def check_daemon(prog, tmp, options):
    """coinjectured's own cases (its table: src/node/daemon/cmdline.c, one flag per configuration key): usage
    errors exit 2 before anything starts, every configuration key has its flag in --help, and errors come first
    on stderr with no log line before them."""
    name = "coinjectured"
    usage_error(prog, name, ["init", "--bogus", "1"], "unknown option '--bogus'")
    usage_error(prog, name, ["run", "stray"], "unexpected argument 'stray'")
    usage_error(prog, name, ["--data-dir"], "needs a value")
    usage_error(prog, name, ["--set", "api.prot=1"], "unknown key 'api.prot'")
    usage_error(prog, name, ["--set", "novalue"], "KEY=VALUE")
    usage_error(prog, name, ["init", "--dev"], "does not combine with 'init'")
    usage_error(prog, name, ["reset-sign-state", "--data-dir", tmp], "needs --height")
    usage_error(prog, name, ["reset-sign-state", "--height", "12x"], "--height")
    usage_error(prog, name, ["--dev=1"], "takes no value")
    sample = run([prog, "--sample-config"])
    keys = re.findall(r"^\s*#?\s*([a-z_]+): ", sample.stdout, re.M)
    check(sample.returncode == 0 and len(keys) > 20, "coinjectured --sample-config lists the keys", sample)
    p = run([prog, "--api-port", "70000", "--print-config"])
    first = p.stderr.splitlines()[0] if p.stderr else ""
    check(p.returncode == 2 and p.stdout == "" and "api.port" in first and "70000" in first,
          "coinjectured --api-port 70000: a configuration error naming the key, exit 2", p)
    for flag, key, value in (("--api-port", "api.port", "18123"), ("-l", "log.level", "debug"),
                             ("--log-level=warn", "log.level", "warn"), ("--api-read-timeout", "api.read_timeout", "7s"),
                             ("--set", "api.read_timeout", "api.read_timeout=9s")):
        args = [flag, value] if "=" not in flag else [flag]
        p = run([prog] + args + ["--print-config"])
        want = value.split("=", 1)[-1] if flag == "--set" else value if "=" not in flag else flag.split("=", 1)[1]
        # --print-config is the YAML tree with the source of each value: "  port: 18123  # flag"
        check(p.returncode == 0 and re.search(r"^\s+" + re.escape(key.split(".")[-1]) + r": \"?" + re.escape(want) +
                                               r"\"?\s+# flag", p.stdout, re.M) is not None,
              f"coinjectured {' '.join(args)} sets {key}", p)
    for o in ("--data-dir", "--genesis", "--key-file", "--crypto-backend", "--api-port", "--peers",
              "--consensus-clock-tolerance", "--p2p-max-peers", "--dev", "--config", "--set"):
        check(o in options, f"coinjectured --help lists {o}")
    p = run([prog, "init", "--genesis", os.path.join(tmp, "missing.json"), "--data-dir", os.path.join(tmp, "d")])
    first = p.stderr.splitlines()[0] if p.stderr else ""
    check(p.returncode != 0 and p.stdout == "" and "missing.json" in first,
          "coinjectured init with a missing genesis: the error is the first line on stderr", p)


def main():
    build = os.path.abspath(sys.argv[1])
    progs = dict(a.split("=", 1) for a in sys.argv[2:])
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in progs.items():
            sub = os.path.join(tmp, name)
            os.mkdir(sub)
            check_program(build, name, path, sub)
        check_install(build, list(progs), tmp)
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print(f"all {checks[0]} checks passed for {', '.join(progs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
