"""HTTP API subset with coinjectured's JSON shapes (docs/NODE.md "HTTP API"): /health, /v1/status,
/v1/blocks/latest|{height}|hash/{hash}, /v1/accounts/{pubkey}, POST /v1/transactions, /v1/transactions/{hash},
/v1/parity, /v1/peers, /v1/evidence, /metrics. asyncio, HTTP/1.1 with keep-alive."""
import asyncio
import json
import os
import re
import time
from urllib.parse import urlsplit, parse_qs

from .codec import Block, Transaction, TX_TYPES, PROBLEM_TYPES, TIERS, U64_MAX
from .hashing import address, tx_hash
from .mempool import Rejected

MAX_BODY = 3 * 1024 * 1024
I63 = (1 << 63) - 1


def u(v):
    """u64 as JSON: integer up to 2^63-1, decimal string above."""
    return v if v <= I63 else str(v)


def tx_json(t):
    return {"tx_hash": tx_hash(t).hex(), "codec_version": t.codec_version, "tx_type": t.tx_type_num(),
            "from": t.from_.hex(), "to": t.to.hex(), "amount": u(t.amount), "nonce": u(t.nonce),
            "gas_limit": u(t.gas_limit), "gas_price": u(t.gas_price), "signature": t.signature.hex(),
            "data": t.data.hex(), "timestamp": t.timestamp, "fee": u(min(t.gas_limit * t.gas_price, U64_MAX))}


def header_json(hd):
    """A header as the API shows it (in blocks and in evidence records)."""
    return {"codec_version": hd.codec_version, "block_index": u(hd.block_index), "timestamp": hd.timestamp,
            "parent_hash": hd.parent_hash.hex(), "merkle_root": hd.merkle_root.hex(),
            "miner_address": hd.miner_address.hex(), "commitment": hd.commitment.hex(),
            "difficulty_target": u(hd.difficulty_target), "nonce": u(hd.nonce), "extra_data": hd.extra_data.hex()}


def block_json(node, h, with_txs=True):
    chain = node.chain
    m = chain.metas[h]
    data = chain.block_bytes(h)
    b = Block.decode(data)
    hd = b.header
    canonical = chain.is_canonical(h)
    j = {"block_hash": h.hex(), "height": m.height, "tx_count": len(b.transactions), "header": header_json(hd)}
    if with_txs:
        j["transactions"] = [tx_json(t) for t in b.transactions]
    rv = b.reveal
    j["reveal"] = {"problem": {"problem_type": PROBLEM_TYPES.index(rv.problem.problem_type) + 1,
                               "tier": TIERS.index(rv.problem.tier) + 1, "elements": rv.problem.elements,
                               "target": rv.problem.target, "timestamp": rv.problem.timestamp},
                   "solution": {"indices": rv.solution.indices, "timestamp": rv.solution.timestamp},
                   "miner_salt": rv.miner_salt.hex(), "nonce": u(rv.nonce)}
    j["cid"] = b.cid
    j.update({"canonical": canonical, "cum_weight": m.cum_weight, "size": len(data),
              "proposer": m.proposer.hex() if m.proposer else None, "state_root": m.state_root.hex(),
              "confirmations": chain.height() - m.height + 1 if canonical else 0})
    return j


class HttpError(Exception):
    def __init__(self, code, error, details=""):
        super().__init__(error)
        self.code, self.error, self.details = code, error, details


def _hex(s, n, name):
    if not isinstance(s, str):
        raise HttpError(400, "invalid transaction", "%s: expected hex" % name)
    if s[:2] in ("0x", "0X"):
        s = s[2:]
    if n is not None and len(s) != 2 * n:
        raise HttpError(400, "invalid transaction", "%s: expected %d hex digits" % (name, 2 * n))
    try:
        return bytes.fromhex(s)
    except ValueError:
        raise HttpError(400, "invalid transaction", "%s: bad hex" % name)


def _num(v, name, lo=0, hi=U64_MAX):
    if isinstance(v, bool) or isinstance(v, float):
        raise HttpError(400, "invalid transaction", "%s: expected an integer" % name)
    if isinstance(v, str) and re.fullmatch(r"-?\d+", v):
        v = int(v)
    if not isinstance(v, int) or v < lo or v > hi:
        raise HttpError(400, "invalid transaction", "%s: out of range" % name)
    return v


TX_FIELDS = {"from", "to", "amount", "nonce", "gas_limit", "gas_price", "signature", "timestamp", "data", "tx_type",
             "codec_version", "tx_hash"}


def parse_tx(j):
    if not isinstance(j, dict):
        raise HttpError(400, "invalid transaction", "expected a JSON object")
    for k in j:
        if k not in TX_FIELDS:
            raise HttpError(400, "invalid transaction", "unknown field '%s'" % k)
    for k in ("from", "to", "amount", "nonce", "gas_limit", "gas_price", "signature", "timestamp"):
        if k not in j:
            raise HttpError(400, "invalid transaction", "missing field '%s'" % k)
    tt = _num(j.get("tx_type", 1), "tx_type", 1, 3)
    t = Transaction(_num(j.get("codec_version", 1), "codec_version", 0, 255), TX_TYPES[tt - 1],
                    _hex(j["from"], 32, "from"), _hex(j["to"], 32, "to"), _num(j["amount"], "amount"),
                    _num(j["nonce"], "nonce"), _num(j["gas_limit"], "gas_limit"), _num(j["gas_price"], "gas_price"),
                    _hex(j["signature"], 64, "signature"), _hex(j.get("data", ""), None, "data"),
                    _num(j["timestamp"], "timestamp", -(1 << 63), I63))
    if "tx_hash" in j and _hex(j["tx_hash"], 32, "tx_hash") != tx_hash(t):
        raise HttpError(400, "invalid transaction", "tx_hash does not match the transaction")
    return t


class Api:
    def __init__(self, node, host, port):
        self.node, self.host, self.port = node, host, port
        self.requests = {}
        self.started = time.time()

    async def start(self):
        self.server = await asyncio.start_server(self._conn, self.host, self.port)

    async def _conn(self, reader, writer):
        try:
            while True:
                line = await asyncio.wait_for(reader.readline(), 30)
                if not line:
                    break
                try:
                    method, target, _ = line.decode("latin-1").split(" ", 2)
                except ValueError:
                    break
                headers = {}
                while True:
                    hl = await asyncio.wait_for(reader.readline(), 30)
                    if hl in (b"\r\n", b"\n", b""):
                        break
                    k, _, v = hl.decode("latin-1").partition(":")
                    headers[k.strip().lower()] = v.strip()
                n = int(headers.get("content-length", "0") or 0)
                if n > MAX_BODY:
                    await self._send(writer, 413, {"error": "request too large", "details": ""}, close=True)
                    break
                body = await reader.readexactly(n) if n else b""
                code, obj, ctype, endpoint = self.handle(method, target, body)
                key = (endpoint, method, code)
                self.requests[key] = self.requests.get(key, 0) + 1
                close = headers.get("connection", "").lower() == "close"
                await self._send(writer, code, obj, ctype, close)
                if close:
                    break
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass

    async def _send(self, writer, code, obj, ctype="application/json", close=False):
        body = obj if isinstance(obj, bytes) else json.dumps(obj, separators=(",", ":")).encode()
        reason = {200: "OK", 202: "Accepted", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
                  413: "Payload Too Large", 500: "Internal Server Error", 503: "Service Unavailable"}.get(code, "OK")
        head = "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n" % (
            code, reason, ctype, len(body), "Connection: close\r\n" if close else "")
        writer.write(head.encode() + body)
        await writer.drain()

    def handle(self, method, target, body):
        parts = urlsplit(target)
        path, q = parts.path, parse_qs(parts.query)
        try:
            return self._route(method, path, q, body)
        except HttpError as e:
            return e.code, {"error": e.error, "details": e.details}, "application/json", path

    def _route(self, method, path, q, body):
        node, chain = self.node, self.node.chain
        J = "application/json"

        def get_only(ep):
            if method != "GET":
                raise HttpError(405, "method not allowed", "use GET")
            return ep

        if path == "/health":
            get_only(path)
            return 200, {"status": "ok", "version": node.version, "height": chain.height()}, J, path
        if path == "/v1/status":
            get_only(path)
            return 200, node.status_json(), J, path
        if path == "/v1/parity":
            get_only(path)
            return 200, node.shadow.json(), J, path
        if path == "/v1/peers":
            get_only(path)
            peers = [{"node_key": p.node_key.hex(), "address": "%s:%d" % (p.addr[0], p.addr[1]) if p.addr else "",
                      "direction": "outbound" if p.outbound else "inbound", "height": p.height, "score": p.score}
                     for p in node.p2p.peers.values()] if node.p2p else []
            return 200, {"count": len(peers), "peers": peers}, J, path
        if path == "/v1/evidence":
            get_only(path)
            return 200, node.evidence_json(), J, path
        if path == "/metrics":
            get_only(path)
            return 200, node.metrics().encode(), "text/plain; version=0.0.4", path
        if path.startswith("/v1/blocks/"):
            get_only(path)
            with_txs = q.get("transactions", ["true"])[0] != "false"
            rest = path[len("/v1/blocks/"):]
            if rest == "latest":
                return 200, block_json(node, chain.tip().hash, with_txs), J, "/v1/blocks/latest"
            if rest.startswith("hash/"):
                try:
                    h = bytes.fromhex(rest[5:])
                except ValueError:
                    raise HttpError(400, "bad hash", "expected 64 hex digits")
                if h not in chain.metas:
                    raise HttpError(404, "block not found", "unknown hash")
                return 200, block_json(node, h, with_txs), J, "/v1/blocks/hash/{hash}"
            if not rest.isdigit():
                raise HttpError(400, "bad height", "expected a decimal height")
            hh = chain.canonical_hash(int(rest))
            if hh is None:
                raise HttpError(404, "block not found", "height is above the current tip")
            return 200, block_json(node, hh, with_txs), J, "/v1/blocks/{height}"
        if path.startswith("/v1/accounts/"):
            get_only("/v1/accounts/{pubkey}")
            s = path[len("/v1/accounts/"):]
            if s[:2] in ("0x", "0X"):
                s = s[2:]
            try:
                pk = bytes.fromhex(s)
                assert len(pk) == 32
            except (ValueError, AssertionError):
                raise HttpError(400, "bad public key", "expected 64 hex digits")
            b, n = chain.account(pk)
            pend = len(node.mempool.by_sender.get(pk, {}))
            return 200, {"pubkey": pk.hex(), "address": address(pk).hex(), "balance": u(b), "nonce": u(n),
                         "exists": (b, n) != (0, 0), "pending_txs": pend, "height": chain.height()}, J, \
                "/v1/accounts/{pubkey}"
        if path == "/v1/transactions":
            if method != "POST":
                raise HttpError(405, "method not allowed", "use POST")
            try:
                j = json.loads(body)
            except ValueError:
                raise HttpError(400, "bad JSON", "the body is not JSON")
            t = parse_tx(j)
            try:
                e = node.submit_tx(t)
            except Rejected as r:
                node.tx_rejected += 1
                if r.reason == "full":
                    raise HttpError(503, "mempool full", r.reason)
                raise HttpError(400, "transaction rejected", "%s: %s" % (r.reason, r.detail or r.reason))
            return 202, {"status": "accepted", "tx_hash": e.hash.hex(), "fee": u(e.fee), "total_cost": u(e.total),
                         "gas_used": u(t.gas_limit), "mempool_size": len(node.mempool)}, J, path
        if path.startswith("/v1/transactions/"):
            get_only("/v1/transactions/{hash}")
            try:
                th = bytes.fromhex(path[len("/v1/transactions/"):])
                assert len(th) == 32
            except (ValueError, AssertionError):
                raise HttpError(400, "bad hash", "expected 64 hex digits")
            loc = chain.tx_location(th)
            if loc is not None:
                height, idx = loc
                bh = chain.canon[height]
                b = Block.decode(chain.block_bytes(bh))
                return 200, {"status": "confirmed", "tx_hash": th.hex(), "block_height": height,
                             "block_hash": bh.hex(), "index": idx, "block_timestamp_ms": b.header.timestamp,
                             "confirmations": chain.height() - height + 1,
                             "transaction": tx_json(b.transactions[idx])}, J, "/v1/transactions/{hash}"
            e = node.mempool.by_hash.get(th)
            if e is not None:
                return 200, {"status": "pending", "tx_hash": th.hex(), "added_ms": e.added_ms,
                             "transaction": tx_json(e.tx)}, J, "/v1/transactions/{hash}"
            raise HttpError(404, "transaction not found", "neither confirmed nor pending")
        raise HttpError(404, "not found", "no such endpoint; see GET / for the list")


def process_metrics(started):
    out = []
    try:
        with open("/proc/self/stat") as f:
            st = f.read().rsplit(")", 1)[1].split()
        tck = os.sysconf("SC_CLK_TCK")
        cpu = (int(st[11]) + int(st[12])) / tck
        rss = int(st[21]) * os.sysconf("SC_PAGE_SIZE")
        fds = len(os.listdir("/proc/self/fd"))
        out += ["process_cpu_seconds_total %.2f" % cpu, "process_resident_memory_bytes %d" % rss,
                "process_open_fds %d" % fds, "process_start_time_seconds %.2f" % started]
    except OSError:
        pass
    return out
