"""The dashboard at GET / (issue 5 item 9): the node serves web/* embedded in its binary with the right
headers, and the page, driven by headless Chromium, shows live data from the JSON API.

Run: COINJECTURE_BUILD_DIR=build /usr/bin/python3 -m pytest -q tests/integration/test_dashboard.py
The screenshot is written to $COINJECTURE_BUILD_DIR/test-artifacts/dashboard.png.
"""
import html.parser
import json
import pathlib
import shutil
import struct
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "lib"))
import cjnet  # noqa: E402

BUILD = pathlib.Path(cjnet.BUILD)
NODE, KEYGEN, CLI = pathlib.Path(cjnet.COINJECTURED), pathlib.Path(cjnet.KEYGEN), pathlib.Path(cjnet.CLI)
WEB = REPO / "web"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BLOCK_MS = 1000

pytestmark = pytest.mark.skipif(not NODE.exists() or not CLI.exists() or not KEYGEN.exists(),
                                reason=f"coinjectured/cli/keygen not built in {BUILD} (set COINJECTURE_BUILD_DIR)")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                                    "(scripts/install-deps.sh installs the Debian package 'chromium')")


def http(url, method="GET", headers=None, timeout=5):
    """(status, headers, body) of one request; HTTP errors are returned, not raised."""
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def get_json(url):
    status, _, body = http(url)
    assert status == 200, f"{url}: HTTP {status}: {body[:300]!r}"
    return json.loads(body)


@pytest.fixture(scope="module")
def node():
    """One validator (a testnet of one, tests/lib/cjnet.py) at height 2 or more; yields {url, dir, key (the funded
    faucet), other (an unfunded key), proc}."""
    work = pathlib.Path(tempfile.mkdtemp(prefix="cj-dashboard-"))
    net = cjnet.Network(work, validators=1, block_time=f"{BLOCK_MS}ms", network="dashboard-test")
    other = work / "user.key"
    cjnet.keygen(other)
    v = net.start()[0]
    try:
        cjnet.wait_for(lambda: v.height() >= 2, 20, "height 2", interval=0.2)
    except AssertionError:
        net.kill()
        pytest.fail("node did not reach height 2:\n" + v.read_log()[-3000:])
    yield {"url": v.url, "dir": work, "key": net.faucet, "other": other, "proc": v.proc}
    try:
        assert net.stop(timeout=15) == [0], "coinjectured did not exit cleanly on SIGTERM"
    finally:
        net.kill()
        shutil.rmtree(work, ignore_errors=True)


# ---- serving -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path,file,mime", [
    ("/", "index.html", "text/html; charset=utf-8"),
    ("/app.js", "app.js", "text/javascript; charset=utf-8"),
    ("/style.css", "style.css", "text/css; charset=utf-8"),
])
def test_assets_are_the_repo_files_with_headers(node, path, file, mime):
    status, headers, body = http(node["url"] + path)
    assert status == 200
    assert body == (WEB / file).read_bytes(), f"{path} differs from web/{file} (stale build?)"
    assert headers["Content-Type"] == mime
    assert headers["Cache-Control"] == "no-cache"
    assert headers["X-Content-Type-Options"] == "nosniff"
    etag = headers["ETag"]
    assert etag and etag.startswith('"') and etag.endswith('"') and len(etag) == 18
    if file.endswith(".html"):
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    # revalidation: the same ETag gives 304 without a body, also inside a list and as a weak tag
    for inm in (etag, f'"nope", W/{etag}', "*"):
        status, headers2, body2 = http(node["url"] + path, headers={"If-None-Match": inm})
        assert status == 304, inm
        assert body2 == b""
        assert headers2["ETag"] == etag
    status, _, _ = http(node["url"] + path, headers={"If-None-Match": '"0000000000000000"'})
    assert status == 200
    status, headers3, body3 = http(node["url"] + path, method="HEAD")
    assert status == 200 and body3 == b"" and headers3["Content-Type"] == mime


def test_unknown_files_and_methods(node):
    status, headers, body = http(node["url"] + "/nope.js")
    assert status == 404
    assert json.loads(body)["error"] == "not found"
    status, headers, body = http(node["url"] + "/app.js", method="POST")
    assert status == 405
    assert "GET" in headers["Allow"]
    # the JSON API keeps its own no-store policy
    status, headers, _ = http(node["url"] + "/v1/status")
    assert status == 200 and headers["Cache-Control"] == "no-store"


def test_page_is_self_contained_and_never_parses_data_as_html():
    page = (WEB / "index.html").read_text()
    js = (WEB / "app.js").read_text()
    css = (WEB / "style.css").read_text()
    for text, name in ((page, "index.html"), (js, "app.js"), (css, "style.css")):
        assert "http://" not in text and "https://" not in text, f"{name} references another origin"
        assert "@import" not in text and "url(" not in text.replace("data:,", ""), name
    assert "<script>" not in page and " on" + "load=" not in page and "style=" not in page  # CSP: no inline code
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in js, f"app.js uses {sink}"
    assert "textContent" in js


# ---- in a browser ----------------------------------------------------------------------------------------

def chromium(*args, timeout=90):
    """Runs headless Chromium with a throw-away profile; returns stdout."""
    with tempfile.TemporaryDirectory(prefix="cj-chromium-") as profile:
        cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}", *args]
        r = subprocess.run(cmd, capture_output=True, timeout=timeout)
        assert r.returncode == 0, f"chromium failed ({r.returncode}): {r.stderr.decode(errors='replace')[-2000:]}"
        return r.stdout.decode("utf-8", errors="replace")


class Dom(html.parser.HTMLParser):
    """Minimal DOM summary: text by element id, and table rows (cells' text plus data-* attributes) by tbody id."""

    def __init__(self):
        super().__init__()
        self.text, self.attrs, self.rows = {}, {}, {}
        self.stack = []  # (tag, id) of open elements
        self.tbody = None
        self.row = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("meta", "link", "br", "img", "input"):
            return
        self.stack.append((tag, a.get("id")))
        if a.get("id"):
            self.text[a["id"]] = ""
            self.attrs[a["id"]] = a
        if tag == "tbody":
            self.tbody = a.get("id")
            self.rows[self.tbody] = []
        elif tag == "tr" and self.tbody:
            self.row = {"attrs": a, "cells": []}
        elif tag == "td" and self.row is not None:
            self.row["cells"].append("")

    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
        if tag == "tr" and self.row is not None and self.tbody:
            self.rows[self.tbody].append(self.row)
            self.row = None
        elif tag == "tbody":
            self.tbody = None

    def handle_data(self, data):
        for _, i in self.stack:
            if i:
                self.text[i] += data
        if self.row is not None and self.row["cells"] and any(t == "td" for t, _ in self.stack):
            self.row["cells"][-1] += data


@needs_chromium
def test_dashboard_shows_live_chain(node):
    # a transfer, so that one recent block carries a transaction
    user_pk = subprocess.run([str(KEYGEN), "--show", str(node["other"])], capture_output=True, text=True,
                             check=True).stdout.split()[0]
    sent = subprocess.run([str(CLI), "--node", node["url"], "--json", "send", "--key", str(node["key"]),
                           "--to", user_pk, "--amount", "12345", "--wait"], capture_output=True, text=True, timeout=60)
    assert sent.returncode == 0, sent.stderr
    tx_height = json.loads(sent.stdout)["block_height"]

    before = get_json(node["url"] + "/v1/status")
    dom = Dom()
    dom.feed(chromium("--virtual-time-budget=5000", "--dump-dom", node["url"] + "/"))
    after = get_json(node["url"] + "/v1/status")

    assert dom.text["conn"].strip() == "live", dom.text.get("error")
    height = int(dom.text["height"])
    assert before["consensus"]["block_height"] <= height <= after["consensus"]["block_height"]
    assert dom.text["backend"] == after["crypto_backend"]["active"]
    assert dom.text["network"].startswith("dashboard-test")
    assert dom.text["role"].startswith("validator #0")

    blocks = dom.rows["blocks-body"]
    assert 1 <= len(blocks) <= 12
    heights = [int(r["attrs"]["data-height"]) for r in blocks]
    assert heights[0] == height and heights == sorted(heights, reverse=True)
    top = blocks[0]["cells"]  # height, hash, proposer, turn, txs, size, age
    tip = get_json(node["url"] + f"/v1/blocks/{height}")
    assert top[0] == str(height)
    assert tip["block_hash"].startswith(top[1].rstrip("…"))
    assert top[2].startswith("#0 ") and top[3] == "in turn"
    assert top[4] == str(tip["tx_count"]) and top[5] == str(tip["size"])
    if tx_height in heights:
        assert blocks[heights.index(tx_height)]["cells"][4] == "1"
    else:
        assert tx_height < heights[-1], "the transaction's block should be listed"

    vals = dom.rows["validators-body"]
    assert len(vals) == 1
    v = vals[0]["cells"]  # index, key, in turn, last seen, missed, blocks, self
    assert v[0] == "0" and v[6] == "this node" and v[2].startswith("next (height ")
    assert v[3].startswith("block ") and v[4] == "0" and int(v[5]) >= height - 1

    assert dom.text["mempool-size"].strip() == "0"
    assert dom.text["parity"].strip() in ("off", "in parity")
    assert dom.text["peer-count"].strip() == str(after["peers"])
    assert dom.text["sealing"].strip() == "sealing" and after["node"]["sealing"] is True  # double-sign protection
    assert dom.text["evidence-count"].strip() == "0"


@needs_chromium
def test_dashboard_screenshot(node):
    out_dir = BUILD / "test-artifacts"
    out_dir.mkdir(exist_ok=True)
    shot = out_dir / "dashboard.png"
    if shot.exists():
        shot.unlink()
    chromium("--virtual-time-budget=5000", f"--screenshot={shot}", "--window-size=1280,900", node["url"] + "/")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (1280, 900)
    assert len(data) > 30000, "the screenshot looks blank"
