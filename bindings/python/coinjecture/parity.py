"""Hash parity monitor for COINjecture nodes (DESIGN.md section 8; docs/SHADOW.md).

    python -m coinjecture.parity [--interval S] [--once] [--from-height H] URL [URL ...]

Polls ``GET /v1/status`` and ``GET /v1/blocks/{h}`` of every node. For each height that every node
has, it

* compares ``block_hash`` across the nodes;
* recomputes, from each node's block JSON, the header hash and the Merkle root of the transactions
  twice: with ``coinjecture._core`` (the C core the nodes run) and with :mod:`coinjecture.reference`
  (hashlib plus a small canonical MessagePack encoder), so the check does not depend on the code it
  watches; each transaction's ``tx_hash`` and the header's ``merkle_root`` are checked too.

A difference between nodes is re-checked ``--grace`` times, ``--interval`` seconds apart, before it
is reported (a transient fork at the tip resolves itself); a recomputation mismatch is reported at
once. Exit status: 0 when everything agreed, 1 on any divergence or recomputation mismatch, 2 on usage
errors or a node that could not be reached. Standard library only (urllib).
"""

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from . import reference

try:
    from . import _core
except ImportError:  # the package works without the extension: reference path only
    _core = None

__all__ = ["main", "block_from_json", "recompute", "Monitor"]

EXIT_OK, EXIT_DIVERGENCE, EXIT_ERROR = 0, 1, 2


class BlockJSONError(ValueError):
    """A block JSON document lacks a field or carries a malformed value."""


def _hex(value, name, size=None):
    if not isinstance(value, str):
        raise BlockJSONError("%s: expected a hex string" % name)
    text = value[2:] if value[:2] in ("0x", "0X") else value
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise BlockJSONError("%s: invalid hex" % name) from None
    if len(text) % 2 or (size is not None and len(raw) != size):
        raise BlockJSONError("%s: expected %s bytes" % (name, size))
    return raw


def _int(value, name, signed=False):
    """JSON integers, or decimal strings for u64 values above 2^63 - 1 (the API's convention)."""
    if isinstance(value, bool):
        raise BlockJSONError("%s: expected an integer" % name)
    if isinstance(value, str) and not signed and value.isdigit() and value.isascii():
        value = int(value)
    if not isinstance(value, int):
        raise BlockJSONError("%s: expected an integer" % name)
    return value


def _field(obj, key, where):
    if not isinstance(obj, dict) or key not in obj:
        raise BlockJSONError("%s: missing %s" % (where, key))
    return obj[key]


def header_from_json(h):
    """The header dict of the hashing functions from the API's header JSON."""
    f = lambda k: _field(h, k, "header")  # noqa: E731
    return {
        "codec_version": _int(f("codec_version"), "codec_version"),
        "block_index": _int(f("block_index"), "block_index"),
        "timestamp": _int(f("timestamp"), "timestamp", signed=True),
        "parent_hash": _hex(f("parent_hash"), "parent_hash", 32),
        "merkle_root": _hex(f("merkle_root"), "merkle_root", 32),
        "miner_address": _hex(f("miner_address"), "miner_address", 32),
        "commitment": _hex(f("commitment"), "commitment", 32),
        "difficulty_target": _int(f("difficulty_target"), "difficulty_target"),
        "nonce": _int(f("nonce"), "nonce"),
        "extra_data": _hex(f("extra_data"), "extra_data"),
    }


def tx_from_json(t, i):
    """A transaction dict from the API's transaction JSON (tx_type as its number 1..3)."""
    where = "transactions[%d]" % i
    f = lambda k: _field(t, k, where)  # noqa: E731
    return {
        "codec_version": _int(f("codec_version"), where + ".codec_version"),
        "tx_type": _int(f("tx_type"), where + ".tx_type"),
        "from": _hex(f("from"), where + ".from", 32),
        "to": _hex(f("to"), where + ".to", 32),
        "amount": _int(f("amount"), where + ".amount"),
        "nonce": _int(f("nonce"), where + ".nonce"),
        "gas_limit": _int(f("gas_limit"), where + ".gas_limit"),
        "gas_price": _int(f("gas_price"), where + ".gas_price"),
        "signature": _hex(f("signature"), where + ".signature", 64),
        "data": _hex(f("data"), where + ".data"),
        "timestamp": _int(f("timestamp"), where + ".timestamp", signed=True),
    }


def block_from_json(doc):
    """(claimed block hash, header dict, [tx dict], [claimed tx hash or None]) from a block document."""
    claimed = _hex(_field(doc, "block_hash", "block"), "block_hash", 32)
    header = header_from_json(_field(doc, "header", "block"))
    txs_json = _field(doc, "transactions", "block")
    if not isinstance(txs_json, list):
        raise BlockJSONError("transactions: expected a list")
    txs = [tx_from_json(t, i) for i, t in enumerate(txs_json)]
    claimed_tx = [(_hex(t["tx_hash"], "transactions[%d].tx_hash" % i, 32) if "tx_hash" in t else None)
                  for i, t in enumerate(txs_json)]
    return claimed, header, txs, claimed_tx


def recompute(doc, height=None):
    """Recomputes a block document's hashes on both paths.

    Returns a list of problems (empty when the claimed block hash, the tx hashes, the header's
    merkle_root and both implementations all agree, and, when height is given, the block is at that
    height). Each problem is a string naming what differs."""
    try:
        claimed, header, txs, claimed_tx = block_from_json(doc)
    except BlockJSONError as e:
        return ["bad block JSON: %s" % e]
    problems = []
    if height is not None and header["block_index"] != height:
        problems.append("asked for height %d, got a block with block_index %d" % (height, header["block_index"]))
    paths = [("reference", reference.header_hash, reference.tx_hash, reference.merkle_root)]
    if _core is not None:
        paths.insert(0, ("_core", _core.compute_header_hash_py, _core.compute_transaction_hash_py,
                         _core.compute_merkle_root_py))
    results = {}
    for name, hh, th, mr in paths:
        try:
            tx_hashes = [th(t) for t in txs]
            results[name] = (hh(header), tx_hashes, mr(tx_hashes))
        except (ValueError, TypeError, KeyError, OverflowError) as e:
            problems.append("%s cannot hash the block: %s" % (name, e))
    for name, (bh, tx_hashes, root) in results.items():
        if bh != claimed:
            problems.append("block_hash %s but %s computes %s" % (claimed.hex(), name, bh.hex()))
        if root != header["merkle_root"]:
            problems.append("merkle_root %s but %s computes %s" % (header["merkle_root"].hex(), name, root.hex()))
        for i, (got, want) in enumerate(zip(tx_hashes, claimed_tx)):
            if want is not None and got != want:
                problems.append("transactions[%d].tx_hash %s but %s computes %s" % (i, want.hex(), name, got.hex()))
    if len(results) == 2:
        (n1, r1), (n2, r2) = results.items()
        if r1 != r2:
            problems.append("%s and %s disagree: header %s / %s, merkle %s / %s"
                            % (n1, n2, r1[0].hex(), r2[0].hex(), r1[2].hex(), r2[2].hex()))
    # several paths may report the same claimed value: keep each message once, in order
    return list(dict.fromkeys(problems))


def _hash_text(doc):
    """The claimed block hash of a document, lowercased, or None."""
    v = doc.get("block_hash") if isinstance(doc, dict) else None
    return v.lower() if isinstance(v, str) else None


class NodeError(Exception):
    """A node could not be reached, or answered with something other than JSON."""


class NotFound(Exception):
    """The node answered 404 (e.g. the height went away in a reorg)."""


def normalize_url(url):
    """Adds http:// when no scheme is given and strips trailing slashes."""
    if "://" not in url:
        url = "http://" + url
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("not an http(s) URL: %r" % url)
    return url.rstrip("/")


def status_height(doc):
    """The tip height in a /v1/status document (coinjectured: consensus.block_height)."""
    for path in (("consensus", "block_height"), ("block_height",), ("height",)):
        v = doc
        for k in path:
            v = v.get(k) if isinstance(v, dict) else None
        if v is not None:
            try:
                return _int(v, "block_height")
            except BlockJSONError:
                break
    raise NodeError("status has no consensus.block_height")


class Monitor:
    """Polls a set of nodes and compares every height they all have. Output goes to ``out`` (per
    height) and ``err`` (node problems); counters are kept for the summary and the exit status."""

    def __init__(self, urls, timeout=5.0, retries=3, grace=2, interval=5.0, quiet=False,
                 out=sys.stdout, err=sys.stderr, sleep=time.sleep):
        self.urls = list(urls)
        self.timeout, self.retries, self.grace, self.interval = timeout, retries, grace, interval
        self.quiet, self.out, self.err, self.sleep = quiet, out, err, sleep
        self.next_height = 0
        self.checked = self.agree = self.diverged = self.mismatched = 0
        self.first_checked = None
        self.down = {}        # url -> last error text while unreachable
        self.ever_up = set()
        self.unreachable_at_end = set()
        self.stopped = None   # (height, reason) when the last poll could not finish

    # ---- HTTP ----

    def _get(self, url, path):
        """GET url+path as JSON, with retries and a short back-off. Raises NotFound or NodeError."""
        last = None
        for attempt in range(self.retries):
            if attempt:
                self.sleep(min(0.2 * (2 ** attempt), 2.0))
            try:
                req = urllib.request.Request(url + path, headers={"Accept": "application/json",
                                                                  "User-Agent": "coinjecture-parity"})
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    body = resp.read()
                return json.loads(body.decode("utf-8"))
            except urllib.error.HTTPError as e:
                if e.code == 404:
                    raise NotFound(path) from None
                last = "HTTP %d" % e.code
                if e.code < 500 and e.code != 429:
                    break  # a client error does not go away by retrying
            except (urllib.error.URLError, OSError, ValueError) as e:  # refused, reset, timeout, bad JSON
                last = getattr(e, "reason", None) or e
        raise NodeError("%s%s: %s" % (url, path, last))

    def _mark(self, url, error):
        """Prints a node going down or coming back once per transition."""
        if error is None:
            if url in self.down:
                print("node %s is reachable again" % url, file=self.err)
                del self.down[url]
            self.ever_up.add(url)
        elif url not in self.down:
            print("node %s unreachable: %s" % (url, error), file=self.err)
            self.down[url] = error
        else:
            self.down[url] = error

    def heights(self):
        """{url: tip height} of the nodes that answered."""
        got = {}
        for url in self.urls:
            try:
                got[url] = status_height(self._get(url, "/v1/status"))
                self._mark(url, None)
            except (NodeError, NotFound) as e:
                self._mark(url, str(e))
        return got

    def _fetch(self, urls, h):
        """{url: block document} for height h, or None (with self.stopped set) when some node could not
        serve it now."""
        docs = {}
        for url in urls:
            try:
                docs[url] = self._get(url, "/v1/blocks/%d" % h)
                self._mark(url, None)
            except NotFound:
                self.stopped = (h, "%s has no block %d any more (reorg?)" % (url, h))
                return None
            except NodeError as e:
                self._mark(url, str(e))
                self.stopped = (h, str(e))
                return None
        return docs

    # ---- comparison ----

    def _say(self, text, important=False):
        if important or not self.quiet:
            print(text, file=self.out)
            self.out.flush()

    def check_height(self, urls, h):
        """Compares and recomputes height h on urls. Returns False if it must be retried later."""
        docs = self._fetch(urls, h)
        if docs is None:
            return False
        for attempt in range(self.grace + 1):
            hashes = {url: _hash_text(d) for url, d in docs.items()}
            if len(set(hashes.values())) <= 1 or attempt == self.grace:
                break
            self._say("height %d: nodes differ, re-checking in %gs (%d/%d)" % (h, self.interval, attempt + 1,
                                                                              self.grace))
            self.sleep(self.interval)
            again = self._fetch(urls, h)
            if again is None:
                return False
            docs = again
        if self.first_checked is None:
            self.first_checked = h
        self.checked += 1
        ok = True
        if len(set(hashes.values())) > 1:
            ok = False
            self.diverged += 1
            detail = " ".join("%s=%s" % (url, hashes[url]) for url in urls)
            self._say("height %d: HASH DIVERGENCE %s" % (h, detail), important=True)
        for url in urls:
            problems = recompute(docs[url], h)
            if problems:
                ok = False
                self.mismatched += 1
                for p in problems:
                    self._say("height %d: RECOMPUTE MISMATCH at %s: %s" % (h, url, p), important=True)
        if ok:
            self.agree += 1
            doc = docs[urls[0]]
            ntx = len(doc.get("transactions", [])) if isinstance(doc, dict) else 0
            self._say("height %d: ok %s (%d node%s, %d tx)" % (h, hashes[urls[0]], len(urls),
                                                             "" if len(urls) == 1 else "s", ntx))
        return True

    def round(self, partial=False):
        """One poll: compares every new height all (or, with partial, all reachable) nodes have."""
        tips = self.heights()
        urls = [u for u in self.urls if u in tips]
        self.unreachable_at_end = set(self.urls) - set(urls)
        if not urls or (self.unreachable_at_end and not partial):
            if self.unreachable_at_end and not self.quiet:
                self._say("waiting for %s" % ", ".join(sorted(self.unreachable_at_end)))
            return
        top = min(tips[u] for u in urls)
        h = self.next_height
        self.stopped = None
        while h <= top:
            if not self.check_height(urls, h):
                self._say("height %d: not checked yet: %s" % self.stopped)
                break
            h += 1
            self.next_height = h

    def summary(self):
        if self.checked:
            span = "heights %d..%d" % (self.first_checked, self.next_height - 1)
        else:
            span = "no heights"
        paths = "coinjecture._core (backend %s) and the pure-Python reference" % _core.backend() \
            if _core is not None else "the pure-Python reference only (coinjecture._core not available)"
        self._say("summary: %s checked on %d node%s: %d agree, %d diverge, %d recompute mismatch%s; hashes "
                  "recomputed with %s" % (span, len(self.urls), "" if len(self.urls) == 1 else "s", self.agree,
                                          self.diverged, self.mismatched,
                                          "" if self.mismatched == 1 else "es", paths), important=True)
        for url in sorted(set(self.unreachable_at_end) | set(self.down)):
            print("node %s was unreachable at the end: %s" % (url, self.down.get(url, "?")), file=self.err)
        if self.stopped:
            print("the last poll stopped at height %d: %s" % self.stopped, file=self.err)

    def exit_status(self):
        if self.diverged or self.mismatched:
            return EXIT_DIVERGENCE
        if self.unreachable_at_end or self.down or self.stopped or len(self.ever_up) < len(set(self.urls)):
            return EXIT_ERROR
        return EXIT_OK


def _positive(text):
    v = float(text)
    if not v >= 0:
        raise argparse.ArgumentTypeError("must be a number >= 0")
    return v


def _height(text):
    if not text.isdigit():
        raise argparse.ArgumentTypeError("must be a decimal height")
    return int(text)


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="python -m coinjecture.parity",
        description="Compare block hashes across COINjecture nodes and recompute them from the block JSON "
                    "with coinjecture._core and the pure-Python reference.",
        epilog="Exit status: 0 all agree, 1 divergence or recomputation mismatch, 2 usage or connection error.")
    p.add_argument("urls", nargs="+", metavar="URL", help="node API base URL, e.g. http://127.0.0.1:8081")
    p.add_argument("--interval", type=_positive, default=5.0, help="seconds between polls (default 5)")
    p.add_argument("--once", action="store_true",
                   help="check every height all reachable nodes have now, then exit")
    p.add_argument("--from-height", type=_height, default=0, help="first height to check (default 0)")
    p.add_argument("--rounds", type=_height, default=0, help="stop after this many polls (default: run until "
                                                                 "interrupted)")
    p.add_argument("--grace", type=_height, default=2,
                   help="re-checks of a height where nodes differ before it counts as a divergence (default 2)")
    p.add_argument("--timeout", type=_positive, default=5.0, help="HTTP timeout in seconds (default 5)")
    p.add_argument("--retries", type=_height, default=3, help="attempts per request (default 3)")
    p.add_argument("--quiet", action="store_true", help="print only divergences and the summary")
    args = p.parse_args(argv)
    try:
        args.urls = [normalize_url(u) for u in args.urls]
    except ValueError as e:
        p.error(str(e))
    if args.retries == 0:
        p.error("--retries must be at least 1")
    return args


def main(argv=None, out=None, err=None):
    """Command-line entry point; returns the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as e:  # argparse: usage errors exit 2, --help exits 0
        return e.code if isinstance(e.code, int) else EXIT_ERROR
    if _core is None:
        print("warning: coinjecture._core is not available; recomputing with the pure-Python reference only",
              file=err)
    mon = Monitor(args.urls, timeout=args.timeout, retries=args.retries, grace=args.grace,
                  interval=args.interval, quiet=args.quiet, out=out, err=err)
    mon.next_height = args.from_height
    try:
        if args.once:
            mon.round(partial=True)
        else:
            n = 0
            while True:
                mon.round()
                n += 1
                if args.rounds and n >= args.rounds:
                    break
                time.sleep(args.interval)
    except KeyboardInterrupt:
        print("interrupted", file=err)
    mon.summary()
    return mon.exit_status()


if __name__ == "__main__":
    sys.exit(main())
