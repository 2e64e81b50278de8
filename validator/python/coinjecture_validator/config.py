"""Configuration like coinjectured's (docs/NODE.md "Configuration"): YAML file (-c FILE or
COINJECTURE_CONFIG), environment COINJECTURE_<SECTION>_<KEY>, flags --<section>-<key> VALUE or
--set section.key=VALUE; precedence flag > environment > file > default. Only the options this node
implements are known; keys of coinjectured it does not implement are accepted with a warning."""
import os
import re

import yaml

# key -> (default, type)
OPTIONS = {
    "node.data_dir": ("", "str"),
    "node.genesis_file": ("", "str"),
    "node.key_file": ("", "str"),
    "consensus.enabled": (True, "bool"),
    "consensus.crypto_backend": ("reference", "str"),
    "consensus.validator_key": ("", "str"),
    "consensus.votes": ([], "list"),
    "consensus.double_sign_check_window": (0.0, "duration"),
    "consensus.shadow_mode.enabled": (False, "bool"),
    "consensus.shadow_mode.compare_with_validator": ("", "str"),
    "consensus.shadow_mode.alert_on_divergence": (True, "bool"),
    "consensus.shadow_mode.log_all_comparisons": (False, "bool"),
    "consensus.shadow_mode.alert_command": ("", "str"),
    "api.enabled": (True, "bool"),
    "api.host": ("127.0.0.1", "str"),
    "api.port": (8081, "port"),
    "p2p.host": ("127.0.0.1", "str"),
    "p2p.port": (9001, "port"),
    "p2p.bootstrap_peers": ([], "list"),
    "p2p.max_peers": (50, "int"),
    "p2p.ban_time": (600.0, "duration"),
    "p2p.node_key": ("", "str"),
    "mempool.max_size": (10000, "int"),
    "mempool.max_per_account": (100, "int"),
    "log.level": ("info", "str"),
    "log.format": ("human", "str"),
}
SHORT = {"--data-dir": "node.data_dir", "--genesis": "node.genesis_file", "--key-file": "node.key_file",
         "--crypto-backend": "consensus.crypto_backend", "--peers": "p2p.bootstrap_peers", "-l": "log.level",
         "--log-level": "log.level", "--log-format": "log.format"}
ENV_ALIASES = {"COINJECTURE_CRYPTO_BACKEND": "consensus.crypto_backend"}


class ConfigError(ValueError):
    pass


def parse_duration(s):
    if isinstance(s, (int, float)) and not isinstance(s, bool):
        return float(s)
    if str(s).strip() == "0":
        return 0.0
    m = re.fullmatch(r"((\d+(\.\d+)?)(ms|s|m|h))+", str(s).strip())
    if not m:
        raise ConfigError("bad duration '%s' (use a number with a unit, e.g. 500ms, 2s, 1m)" % s)
    total = 0.0
    for num, _, unit in re.findall(r"(\d+(\.\d+)?)(ms|s|m|h)", str(s)):
        total += float(num) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
    return total


def convert(key, v):
    default, typ = OPTIONS[key]
    try:
        if typ == "str":
            return "" if v is None else str(v)
        if typ == "bool":
            if isinstance(v, bool):
                return v
            if str(v).lower() in ("true", "1", "yes", "on"):
                return True
            if str(v).lower() in ("false", "0", "no", "off"):
                return False
            raise ConfigError("%s: expected true or false, got '%s'" % (key, v))
        if typ in ("int", "port"):
            n = int(str(v), 10)
            if typ == "port" and not 0 <= n <= 65535:
                raise ConfigError("%s: '%s' is out of range 1..65535" % (key, v))
            return n
        if typ == "duration":
            return parse_duration(v)
        if typ == "list":
            if isinstance(v, list):
                return [str(x) for x in v]
            return [x.strip() for x in str(v).split(",") if x.strip()]
    except ValueError as e:
        if isinstance(e, ConfigError):
            raise
        raise ConfigError("%s: bad value '%s'" % (key, v))
    return v


def _flatten(d, prefix=""):
    out = {}
    for k, v in (d or {}).items():
        key = prefix + str(k)
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def load(argv, environ=None, warn=print):
    """Returns (config dict, remaining positional args)."""
    environ = os.environ if environ is None else environ
    cfg = {k: v[0] for k, v in OPTIONS.items()}
    flags, rest = {}, []
    cfile = environ.get("COINJECTURE_CONFIG", "")
    i = 0
    flag_names = {"--" + k.replace(".", "-").replace("_", "-"): k for k in OPTIONS}
    flag_names.update(SHORT)
    flag_names.update({"--node-data-dir": "node.data_dir", "--node-genesis-file": "node.genesis_file",
                       "--node-key-file": "node.key_file", "--p2p-bootstrap-peers": "p2p.bootstrap_peers"})
    while i < len(argv):
        a = argv[i]
        val = None
        if "=" in a and a.startswith("--"):
            a, val = a.split("=", 1)
        if a in ("-c", "--config"):
            cfile = val if val is not None else argv[i + 1]
            i += 1 if val is not None else 2
            continue
        if a == "--set":
            kv = val if val is not None else argv[i + 1]
            k, _, v = kv.partition("=")
            if k not in OPTIONS:
                raise ConfigError("unknown key '%s'" % k)
            flags[k] = v
            i += 1 if val is not None else 2
            continue
        if a in flag_names:
            if val is None:
                if i + 1 >= len(argv):
                    raise ConfigError("%s needs a value" % a)
                val = argv[i + 1]
                i += 1
            flags[flag_names[a]] = val
            i += 1
            continue
        if a.startswith("-"):
            raise ConfigError("unknown option %s" % a)
        rest.append(a)
        i += 1
    if cfile:
        with open(cfile) as f:
            data = yaml.safe_load(f) or {}
        if not isinstance(data, dict):
            raise ConfigError("%s: expected a mapping" % cfile)
        for k, v in _flatten(data).items():
            if k in OPTIONS:
                cfg[k] = convert(k, v)
            elif k.split(".")[0] in ("node", "consensus", "api", "p2p", "mempool", "log", "rate_limiter") and \
                    not k.startswith("rate_limiter."):
                warn("%s: key '%s' is not implemented by the Python validator: ignored" % (cfile, k))
            else:
                warn("%s: key '%s' is not used: ignored" % (cfile, k))
    for k in OPTIONS:
        env = "COINJECTURE_" + k.upper().replace(".", "_")
        if env in environ:
            cfg[k] = convert(k, environ[env])
    for env, k in ENV_ALIASES.items():
        if env in environ:
            cfg[k] = convert(k, environ[env])
    for k, v in flags.items():
        cfg[k] = convert(k, v)
    if cfg["log.level"] not in ("debug", "info", "warn", "error", "critical"):
        raise ConfigError("log.level: one of debug|info|warn|error|critical")
    if cfg["log.format"] not in ("human", "json"):
        raise ConfigError("log.format: one of human|json")
    return cfg, rest


def parse_peer(s):
    """host:port or KEY@host:port -> (key bytes or None, host, port)."""
    key = None
    if "@" in s:
        k, s = s.split("@", 1)
        if len(k) != 64:
            raise ConfigError("peer key '%s': expected 64 hex digits" % k)
        key = bytes.fromhex(k)
    host, _, port = s.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError("peer '%s': expected host:port" % s)
    return key, host.strip("[]"), int(port)


def default_data_dir():
    if os.geteuid() == 0:
        return "/var/lib/coinjecture"
    base = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return os.path.join(base, "coinjecture")
