"""The load-path API: POST /v1/transactions/batch (one result per element, in order; refused bodies),
?transactions=false on block requests, and `coinjecture-cli load --key-dir --presign --batch --rate`
end to end (every accepted transfer confirmed)."""
import json
import os
import shutil

from conftest import CLI, http, run


def post_batch(n, body):
    st, raw, hdrs = http("POST", n.url + "/v1/transactions/batch", body if isinstance(body, (bytes, str)) else
                         json.dumps(body), headers={"Content-Type": "application/json"})
    return st, json.loads(raw), hdrs


def test_cli_load_batch_end_to_end(net):
    n = net["make"](extra=["--set", "rate_limiter.enabled=false"])
    n.wait_height(1)
    keys = net["dir"] / "senders"
    os.makedirs(keys, mode=0o700)
    for k in ("alice", "bob"):
        shutil.copy(net[k], keys / f"{k}.key")
        os.chmod(keys / f"{k}.key", 0o600)
    out = run([CLI, "--node", n.url, "--json", "load", "--key-dir", str(keys), "--duration", "2s", "--presign", "30",
               "--batch", "20", "--batch-per-key", "5", "--rate", "40", "--confirm-timeout", "40s"], timeout=90).stdout
    r = json.loads(out)
    assert r["keys"] == 2 and r["accepted"] > 20 and r["rejected"] == 0 and r["errors"] == 0
    assert r["all_confirmed"] is True and r["confirmed"] == r["accepted"]
    assert r["accepted"] <= 2 * 40 + 40  # --rate: about 40 tx/s for 2 s (plus at most 1 s of credit)
    assert r["end_ms"] > r["start_ms"]
    a = n.get(f"/v1/accounts/{net['alice_pub']}")
    b = n.get(f"/v1/accounts/{net['bob_pub']}")
    assert a["nonce"] + b["nonce"] == r["accepted"]
    # a second run continues after the nonces the first one used
    out = run([CLI, "--node", n.url, "--json", "load", "--key-dir", str(keys), "--duration", "1s", "--batch", "4",
               "--rate", "10", "--confirm-timeout", "40s"], timeout=90).stdout
    r2 = json.loads(out)
    assert r2["all_confirmed"] is True and r2["accepted"] > 0 and r2["rejected"] == 0
    bad = run([CLI, "--node", n.url, "load", "--key-dir", str(net["dir"] / "nope")], check=False)
    assert bad.returncode != 0 and "--key-dir" in bad.stderr
    both = run([CLI, "--node", n.url, "load", "--key-dir", str(keys), "--funder", str(net["alice"])], check=False)
    assert both.returncode == 2


def test_batch_results_and_refusals(net):
    n = net["make"](extra=["--set", "rate_limiter.enabled=false"])
    n.cli("send", "--key", str(net["alice"]), "--to", net["bob_pub"], "--amount", "5", "--wait")
    h = n.height()
    blk = n.get(f"/v1/blocks/{h}")
    txs = [t for b in range(1, h + 1) for t in n.get(f"/v1/blocks/{b}")["transactions"]]
    assert len(txs) == 1
    stale = {k: v for k, v in txs[0].items() if k != "fee"}  # a confirmed transfer, resubmitted
    fresh = {k: v for k, v in dict(stale, amount=6, nonce=1).items() if k != "tx_hash"}  # signature broken
    st, r, _ = post_batch(n, [stale, {"bogus": 1}, "not an object", fresh])
    assert st == 200 and r["accepted"] == 0 and r["rejected"] == 4 and len(r["results"]) == 4
    res = r["results"]
    assert res[0]["status"] == "rejected" and res[0]["code"] == 400 and res[0]["details"].startswith("nonce-too-low")
    assert res[0]["tx_hash"] == txs[0]["tx_hash"]
    assert res[1]["code"] == 400 and "unknown field" in res[1]["details"] and "tx_hash" not in res[1]
    assert res[2]["code"] == 400 and res[2]["error"] == "invalid transaction"
    assert res[3]["code"] == 400 and res[3]["details"].startswith("bad-signature")
    for body, why in ((b"{", "invalid JSON"), (b"[]", "1..1000"), (b"{}", "1..1000"), (b"", "1..1000"),
                      (json.dumps([{}] * 1001).encode(), "1..1000")):
        st, r, _ = post_batch(n, body)
        assert st == 400 and r["error"] == "invalid batch" and why in r["details"], (body[:20], r)
    st, body, hdrs = http("GET", n.url + "/v1/transactions/batch")
    assert st == 405 and hdrs["Allow"] == "POST"
    # block requests without the transaction list
    lean = n.get(f"/v1/blocks/{h}?transactions=false")
    assert "transactions" not in lean and lean["tx_count"] == blk["tx_count"] and lean["block_hash"] == blk["block_hash"]
    assert "transactions" in n.get(f"/v1/blocks/{h}?transactions=true")
    assert "transactions" not in n.get("/v1/blocks/latest?transactions=0")
    assert n.height() >= h  # still producing
