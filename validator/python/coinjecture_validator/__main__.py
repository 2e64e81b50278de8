"""python3 -m coinjecture_validator [init --genesis FILE --data-dir DIR] [options]
       python3 -m coinjecture_validator reset-sign-state --data-dir DIR --height H"""
import asyncio
import sys

from . import config


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("--help", "-h"):
        print(__doc__.strip())
        print("options: -c FILE, --data-dir, --genesis, --key-file, --api-host, --api-port, --p2p-host, --p2p-port,\n"
              "         --peers [KEY@]host:port,..., --log-level, --log-format human|json, --set section.key=VALUE,\n"
              "         and --<section>-<key> for every key of docs/NODE.md this node implements")
        return 0
    if argv and argv[0] == "--version":
        from . import __version__
        print("coinjecture_validator", __version__)
        return 0
    if argv and argv[0] == "reset-sign-state":
        return reset_sign_state(argv[1:])
    try:
        cfg, rest = config.load(argv, warn=lambda m: print("warning: " + m, file=sys.stderr))
    except (config.ConfigError, OSError) as e:
        print("error: %s" % e, file=sys.stderr)
        return 2
    from . import node
    if rest and rest[0] == "init":
        if not cfg["node.genesis_file"]:
            print("error: init needs --genesis FILE", file=sys.stderr)
            return 2
        node.init(cfg["node.genesis_file"], cfg["node.data_dir"] or config.default_data_dir())
        return 0
    if rest:
        print("error: unexpected argument %s" % rest[0], file=sys.stderr)
        return 2
    node.setup_logging(cfg["log.level"], cfg["log.format"])
    n = node.Node(cfg)
    asyncio.run(n.run())
    return 0


def reset_sign_state(argv):
    """The operator's explicit reset of the double-sign protection (docs/OPERATIONS.md), with the node stopped:
    records height H without a hash, in the same file coinjectured uses."""
    import argparse
    from . import sign_state
    ap = argparse.ArgumentParser(prog="python3 -m coinjecture_validator reset-sign-state")
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--height", required=True)
    a = ap.parse_args(argv)
    if not a.height.isdigit() or not a.height.isascii():
        print("error: --height: expected an unsigned integer, got '%s'" % a.height, file=sys.stderr)
        return 2
    try:
        sign_state.reset(a.data_dir, int(a.height))
    except sign_state.SignStateError as e:
        print("error: %s" % e, file=sys.stderr)
        return 1
    print("sign-state of %s reset: this validator will not seal at or below height %s" % (a.data_dir, a.height))
    return 0


if __name__ == "__main__":
    sys.exit(main())
