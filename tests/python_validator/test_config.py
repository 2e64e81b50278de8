"""Configuration like coinjectured's: YAML file, environment, flags (precedence flag > env > file), peers
with KEY@host:port pinning; genesis file parsing rules (docs/NODE.md)."""
import json

import pytest

import conftest  # noqa: F401
from coinjecture_validator import config, genesis


def test_precedence_and_forms(tmp_path):
    f = tmp_path / "n.yaml"
    f.write_text("api:\n  port: 8100\np2p:\n  bootstrap_peers: ['127.0.0.1:9001']\nconsensus:\n  shadow_mode:\n"
                 "    enabled: true\n    compare_with_validator: 0\nlog:\n  format: json\nnetwork:\n  x: 1\n")
    warned = []
    cfg, rest = config.load(["-c", str(f), "--api-port", "8200", "--set", "p2p.port=9100"],
                            {"COINJECTURE_API_PORT": "8150", "COINJECTURE_P2P_HOST": "0.0.0.0"}, warned.append)
    assert cfg["api.port"] == 8200 and cfg["p2p.port"] == 9100 and cfg["p2p.host"] == "0.0.0.0"
    assert cfg["consensus.shadow_mode.enabled"] is True and cfg["consensus.shadow_mode.compare_with_validator"] == "0"
    assert cfg["p2p.bootstrap_peers"] == ["127.0.0.1:9001"] and cfg["log.format"] == "json"
    assert warned and "network.x" in warned[0]
    cfg, rest = config.load(["init", "--genesis", "g.json", "--data-dir", "d", "--peers", "a:1,b:2",
                             "--p2p-ban-time", "1m30s"], {})
    assert rest == ["init"] and cfg["node.genesis_file"] == "g.json" and cfg["p2p.bootstrap_peers"] == ["a:1", "b:2"]
    assert cfg["p2p.ban_time"] == 90.0
    with pytest.raises(config.ConfigError):
        config.load(["--api-port", "70000"], {})
    with pytest.raises(config.ConfigError):
        config.load(["--bogus", "1"], {})


def test_peer_pinning():
    k = "ab" * 32
    assert config.parse_peer("%s@127.0.0.1:9001" % k) == (bytes.fromhex(k), "127.0.0.1", 9001)
    assert config.parse_peer("10.0.0.1:9") == (None, "10.0.0.1", 9)
    for bad in ("nohost", "abc@1.2.3.4:5", "h:0"):
        with pytest.raises(config.ConfigError):
            config.parse_peer(bad)


GOOD = {"rules_version": 2, "chain_id": 1, "network": "t-1.x_y", "genesis_time": 5, "block_time_ms": 100, "epoch_length": 1,
        "validators": ["11" * 32], "allocations": [{"pubkey": "22" * 32, "balance": "18446744073709551615"}]}


@pytest.mark.parametrize("change", [
    {"network": ""}, {"network": "a" * 65}, {"network": "é"}, {"block_time_ms": 99}, {"block_time_ms": 3600001},
    {"epoch_length": 0}, {"epoch_length": 1000001}, {"validators": []}, {"validators": ["11" * 32, "11" * 32]},
    {"validators": ["zz" * 32]}, {"chain_id": 1.0}, {"chain_id": -1}, {"extra": 1},
    {"allocations": [{"pubkey": "22" * 32}]}, {"rules_version": 1}, {"rules_version": 3}, {"rules_version": True},
])
def test_genesis_refused(change):
    g = dict(GOOD, **change)
    with pytest.raises(genesis.GenesisError):
        genesis.parse(json.dumps(g))


def test_genesis_accepted():
    g = genesis.parse(json.dumps(GOOD))
    assert g.allocations[0][1] == 2 ** 64 - 1 and g.network == "t-1.x_y"
    rules1 = dict(GOOD)
    del rules1["rules_version"]  # a file without the key is of rules 1 (CHAIN.md §2): refused with the reason
    with pytest.raises(genesis.GenesisError, match="rules 1"):
        genesis.parse(json.dumps(rules1))
    missing = dict(GOOD)
    del missing["allocations"]
    with pytest.raises(genesis.GenesisError):
        genesis.parse(json.dumps(missing))


def test_genesis_hash_vector_of_rules_2():
    """docs/CHAIN.md §2: the genesis-hash vector (computed independently of the C node)."""
    from coinjecture_validator import ed25519 as E
    g = genesis.parse(json.dumps({
        "rules_version": 2, "chain_id": 1337, "network": "cj-testnet", "genesis_time": 1700000000,
        "block_time_ms": 1000, "epoch_length": 100,
        "validators": [E.public_key(bytes([1]) * 32).hex(), E.public_key(bytes([2]) * 32).hex()],
        "allocations": [{"pubkey": E.public_key(bytes([9]) * 32).hex(), "balance": 10 ** 12}]}))
    assert g.hash().hex() == "f066008936297e60265aa79f9d167d843c30bf18cd3729a87019fc0dbe1c2688"
