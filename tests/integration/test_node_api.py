"""coinjectured end to end: blocks are produced, signed transfers move balances, restarts lose nothing,
every API error path answers with {"error", "details"} while the node keeps producing, metrics, logs."""
import json
import signal
import socket
import time

from conftest import CLI, http, run


def test_produces_blocks_and_block_json(net):
    n = net["make"]()
    n.wait_height(3)
    latest = n.get("/v1/blocks/latest")
    for key in ("block_hash", "height", "tx_count", "header", "transactions", "reveal", "proposer", "state_root"):
        assert key in latest, key
    hd = latest["header"]
    for key in ("codec_version", "block_index", "timestamp", "parent_hash", "merkle_root", "miner_address",
                "commitment", "difficulty_target", "nonce", "extra_data"):
        assert key in hd, key
    assert len(hd["extra_data"]) == 2 * 96  # state root || seal signature
    assert latest["proposer"] == net["v0_pub"]
    h = latest["height"]
    by_height = n.get(f"/v1/blocks/{h}")
    by_hash = n.get(f"/v1/blocks/hash/{latest['block_hash']}")
    assert by_height["block_hash"] == by_hash["block_hash"] == latest["block_hash"]
    parent = n.get(f"/v1/blocks/{h - 1}")
    assert hd["parent_hash"] == parent["block_hash"]
    genesis = n.get("/v1/blocks/0")
    st = n.get("/v1/status")
    assert st["node"]["genesis_hash"] == genesis["block_hash"]
    assert st["node"]["network"] == "itest" and st["node"]["chain_id"] == 4242
    assert st["consensus"]["is_validator"] is True and st["consensus"]["validator_index"] == 0
    assert st["crypto_backend"]["active"] == "reference"
    vals = n.get("/v1/validators")
    assert vals["count"] == 1 and vals["validators"][0]["pubkey"] == net["v0_pub"]
    assert vals["validators"][0]["is_self"] is True
    assert n.get("/health")["status"] == "ok"
    st, body, hdrs = http("GET", n.url + "/")
    assert st == 200 and b"coinjectured" in body and hdrs["Content-Type"].startswith("text/html")
    par = n.get("/v1/parity")
    assert par["enabled"] is False and par["compare_with_validator"] is None
    assert par["matches"] == 0 and par["drifts"] == 0 and par["last_divergences"] == []
    assert n.get("/v1/evidence") == {"count": 0, "evidence": []}


def test_transfer_moves_balances_and_survives_restart(net):
    n = net["make"]()
    n.wait_height(1)
    before_a = n.get(f"/v1/accounts/{net['alice_pub']}")
    before_b = n.get(f"/v1/accounts/{net['bob_pub']}")
    assert before_a["balance"] == 1000000000000 and before_a["nonce"] == 0
    out = n.cli("--json", "send", "--key", str(net["alice"]), "--to", net["bob_pub"], "--amount", "777", "--wait")
    confirmed = json.loads(out.stdout)
    assert confirmed["status"] == "confirmed"
    tx_hash = confirmed["tx_hash"]
    height = confirmed["block_height"]
    fee = confirmed["transaction"]["fee"]
    after_a = n.get(f"/v1/accounts/{net['alice_pub']}")
    after_b = n.get(f"/v1/accounts/{net['bob_pub']}")
    assert after_a["balance"] == before_a["balance"] - 777 - fee
    assert after_a["nonce"] == 1
    assert after_b["balance"] == before_b["balance"] + 777
    blk = n.get(f"/v1/blocks/{height}")
    assert [t["tx_hash"] for t in blk["transactions"]] == [tx_hash]
    assert blk["transactions"][0]["amount"] == 777
    # a second transfer picks the next nonce by itself
    n.cli("send", "--key", str(net["alice"]), "--to", str(net["bob"]), "--amount", "1", "--wait")
    assert n.get(f"/v1/accounts/{net['alice_pub']}")["nonce"] == 2
    # restart: everything is still there, production continues
    tip_before = n.get("/v1/blocks/latest")
    assert n.stop() == 0
    assert "stopped at height" in n.read_log()
    n.start()
    assert n.height() >= tip_before["height"]
    assert n.get(f"/v1/blocks/{tip_before['height']}")["block_hash"] == tip_before["block_hash"]
    assert n.get(f"/v1/transactions/{tx_hash}")["block_height"] == height
    assert n.get(f"/v1/accounts/{net['bob_pub']}")["balance"] == before_b["balance"] + 778
    n.wait_height(tip_before["height"] + 2)
    assert n.stop(signal.SIGINT) == 0


def test_api_error_paths_keep_node_producing(net):
    n = net["make"](extra=["--set", "api.max_request_size=4KiB"])
    n.wait_height(1)
    h0 = n.height()
    u = n.url
    good = json.loads(run([CLI, "--node", u, "--json", "account", net["alice_pub"]]).stdout)
    assert good["exists"] is True

    def err(method, path, status, body=None, needle=None):
        st, raw, hdrs = http(method, u + path, body)
        assert st == status, f"{method} {path}: {st} {raw!r}"
        doc = json.loads(raw)
        assert set(doc) == {"error", "details"}, doc
        if needle:
            assert needle in doc["error"] + " " + doc["details"], doc
        return hdrs

    err("GET", "/nope", 404, needle="not found")
    err("GET", "/v1/blocks/", 404)
    err("GET", "/v1/blocks/1/extra", 404)
    err("GET", "/v1/blocks/999999999", 404, needle="block not found")
    err("GET", "/v1/blocks/-1", 400, needle="invalid height")
    err("GET", "/v1/blocks/18446744073709551616", 400, needle="invalid height")
    err("GET", "/v1/blocks/hash/xyz", 400, needle="64 hex")
    err("GET", "/v1/blocks/hash/" + "zz" * 32, 400, needle="invalid hex")
    err("GET", "/v1/blocks/hash/" + "00" * 32, 404, needle="block not found")
    err("GET", "/v1/transactions/" + "00" * 32, 404, needle="transaction not found")
    err("GET", "/v1/transactions/abc", 400)
    err("GET", "/v1/accounts/" + "00" * 31, 400, needle="64 hex")
    err("GET", "/v1/mempool?limit=5000", 400)
    hdrs = err("DELETE", "/v1/status", 405, needle="method not allowed")
    assert "GET" in hdrs["Allow"]
    err("POST", "/v1/status", 405, body="{}")
    err("PUT", "/v1/transactions", 405, body="{}")
    hdrs = err("GET", "/v1/transactions", 405)
    assert hdrs["Allow"] == "POST"
    err("POST", "/v1/transactions", 400, body="", needle="empty body")
    err("POST", "/v1/transactions", 400, body="{bad json", needle="invalid JSON")
    err("POST", "/v1/transactions", 400, body="[]", needle="expected a JSON object")
    tx = {"from": net["alice_pub"], "to": net["bob_pub"], "amount": 1, "nonce": 0, "gas_limit": 21000,
          "gas_price": 1, "signature": "00" * 64, "timestamp": 1, "tx_type": 1, "codec_version": 1, "data": ""}

    def bad_tx(field, value, needle, status=400):
        body = dict(tx)
        if value is None:
            del body[field]
        else:
            body[field] = value
        return err("POST", "/v1/transactions", status, body=json.dumps(body), needle=needle)

    bad_tx("amount", 1.5, "amount: must be an integer")
    bad_tx("amount", -1, "must not be negative")
    bad_tx("amount", "18446744073709551616", "exceeds 2^64-1")
    err("POST", "/v1/transactions", 400, body=json.dumps(tx).replace('"amount": 1', '"amount": 18446744073709551616'),
        needle="decimal strings")
    bad_tx("nonce", None, "nonce: missing")
    bad_tx("from", "abc", "from: expected 64 hex digits")
    bad_tx("to", "zz" * 32, "invalid hex")
    bad_tx("signature", "00" * 63, "signature: expected 128 hex digits")
    bad_tx("data", "abc", "odd number")
    bad_tx("tx_type", 9, "tx_type")
    bad_tx("extra", 1, "unknown field 'extra'")
    bad_tx("signature", "00" * 64, "bad-signature")  # well-formed but not signed by 'from'
    err("POST", "/v1/transactions", 413, body="{" + " " * 5000 + "}", needle="too large")
    st, _, _ = http("POST", u + "/v1/transactions", body=b"x" * 100000)
    assert st == 413  # beyond the hard cap libevent refuses it before reading
    # the node is unharmed and still producing
    n.wait_height(h0 + 2)
    assert n.proc.poll() is None
    metrics = http("GET", u + "/metrics")[1].decode()
    assert 'coinjecture_http_requests_total{endpoint="/v1/transactions",method="POST",status="400"}' in metrics
    assert 'status="413"' in metrics and 'status="405"' in metrics and 'status="404"' in metrics


def test_rate_limit_and_mempool_full(net):
    n = net["make"](extra=["--set", "rate_limiter.ip_limit=5", "--set", "rate_limiter.burst_multiplier=1"])
    codes = [http("GET", n.url + "/health")[0] for _ in range(20)]
    assert 429 in codes and codes[0] == 200
    st, raw, hdrs = http("GET", n.url + "/v1/status")
    while st != 429:
        st, raw, hdrs = http("GET", n.url + "/v1/status")
    assert json.loads(raw)["error"] == "rate limit exceeded" and hdrs["Retry-After"] == "1"
    time.sleep(1.2)
    st, raw, _ = http("GET", n.url + "/metrics")
    assert st == 200
    limited = [l for l in raw.decode().splitlines() if l.startswith("coinjecture_rate_limited_total ")]
    assert float(limited[0].split()[1]) >= 1
    n.stop()

    m = net["make"](name="small", extra=["--set", "mempool.max_size=1", "--set", "consensus.enabled=false"])
    m.cli("send", "--key", str(net["alice"]), "--to", net["bob_pub"], "--amount", "5")
    p = m.cli("send", "--key", str(net["bob"]), "--to", net["alice_pub"], "--amount", "5", check=False)
    assert p.returncode != 0 and "HTTP 503" in p.stderr and "mempool full" in p.stderr
    pool = m.get("/v1/mempool")
    assert pool["size"] == 1 and len(pool["transactions"]) == 1
    assert m.height() == 0  # consensus.enabled: false never produces


def test_metrics_logs_and_cli_json(net):
    n = net["make"](extra=["--log-format", "json"])
    n.wait_height(2)
    text = http("GET", n.url + "/metrics")[1].decode()
    for name in ("coinjecture_block_height", "coinjecture_blocks_produced_total", "coinjecture_blocks_received_total",
                 "coinjecture_blocks_rejected_total", "coinjecture_transactions_accepted_total",
                 "coinjecture_mempool_size", "coinjecture_peers", "coinjecture_http_request_duration_seconds_bucket",
                 'coinjecture_crypto_backend_info{requested="reference",active="reference"'):
        assert name in text, name
    # everything is ours (prefixed) but the four standard process metrics every Prometheus client exports
    process = ("process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
               "process_start_time_seconds")
    for line in text.splitlines():
        assert line.startswith("#") or line.startswith("coinjecture_") or line.split(" ")[0] in process, line
    values = {l.split(" ")[0]: float(l.split(" ")[1]) for l in text.splitlines() if l.split(" ")[0] in process}
    assert set(values) == set(process)
    assert values["process_resident_memory_bytes"] > 1e6 and values["process_open_fds"] >= 3
    assert abs(values["process_start_time_seconds"] - time.time()) < 3600  # started during this test
    produced = [l for l in text.splitlines() if l.startswith("coinjecture_blocks_produced_total ")]
    assert int(float(produced[0].split()[1])) >= 2
    lines = [l for l in n.read_log().splitlines() if l.strip()]
    assert lines
    for l in lines:
        rec = json.loads(l)
        assert rec["level"] in ("debug", "info", "warn", "error", "critical") and "msg" in rec
    assert any("crypto backend: reference" in json.loads(l)["msg"] for l in lines)
    for cmd in (["status"], ["block", "latest"], ["block", "1"], ["account", net["alice_pub"]], ["mempool"],
                ["validators"]):
        out = n.cli("--json", *cmd).stdout
        json.loads(out)
        assert n.cli(*cmd).stdout.strip()
    blk = json.loads(n.cli("--json", "block", "1").stdout)
    assert json.loads(n.cli("--json", "block", blk["block_hash"]).stdout)["height"] == 1


def test_accelerated_backend_and_alias(net, tmp_path):
    n = net["make"](extra=["--crypto-backend", "accelerated"], start=False)
    n.start(wait=False)
    time.sleep(0.5)
    if n.proc.poll() is not None:
        # this CPU cannot run it: the node must refuse with a clear message
        assert n.proc.returncode != 0 and "cannot run it" in n.read_log()
        return
    n.wait_healthy()
    assert n.get("/v1/status")["crypto_backend"]["active"] == "accelerated"
    n.wait_height(2)
    n.stop()
    cfg = tmp_path / "legacy.yaml"
    cfg.write_text("consensus:\n  use_rust_bindings: true\n")
    m = net["make"](name="alias", extra=["--config", str(cfg)])
    assert m.get("/v1/status")["crypto_backend"]["requested"] == "accelerated"
    assert "use_rust_bindings is deprecated" in m.read_log()


def test_load_generator(net):
    n = net["make"](extra=["--set", "rate_limiter.ip_limit=100000"])
    n.wait_height(1)
    # the default --fund (1e9) needs a funding fee above 21,000 x 1: the loader pays the minimum fee itself
    out = run([CLI, "--node", n.url, "--json", "load", "--funder", str(net["alice"]), "--keys", "4", "--duration",
               "2s", "--confirm-timeout", "60s"], timeout=120).stdout
    rep = json.loads(out)
    assert rep["accepted"] > 0 and rep["all_confirmed"] is True
    assert rep["confirmed"] == rep["accepted"]
    assert rep["accepted_tps"] > 0 and rep["confirmed_tps"] > 0


def test_accept_backoff_when_out_of_descriptors(net):
    """With a small descriptor limit, a flood of idle connections makes accept() fail with EMFILE: the node
    pauses its listener (no busy loop), keeps producing, and serves again once the connections go away."""
    n = net["make"](start=False, extra=["--set", "api.read_timeout=2s", "--set", "api.write_timeout=2s"])
    n.start(max_fds=48)
    n.wait_height(1)
    socks = []
    try:
        for _ in range(80):
            s = socket.create_connection(("127.0.0.1", n.api_port), timeout=2)
            socks.append(s)
        deadline = time.time() + 10
        while "accept() failed" not in n.read_log() and time.time() < deadline:
            time.sleep(0.1)
        assert "accept() failed" in n.read_log()
        produced = n.read_log().count("produced block")
        time.sleep(1.5)
        assert n.read_log().count("produced block") > produced  # the loop is alive and not spinning on accept
        assert n.proc.poll() is None
    finally:
        for s in socks:
            s.close()
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            if http("GET", n.url + "/health", timeout=2)[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.2)
    assert n.get("/health")["status"] == "ok"
    metrics = http("GET", n.url + "/metrics")[1].decode()
    line = [l for l in metrics.splitlines() if l.startswith("coinjecture_api_accept_errors_total ")][0]
    assert float(line.split()[1]) >= 1
