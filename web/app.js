// coinjectured dashboard: polls the node's JSON API about once a second and redraws.
// Every value from the API reaches the page as text (textContent, createElement), never parsed as HTML, so data cannot inject markup.
'use strict';

(function () {
  const POLL_MS = 1000;       // delay between the end of one poll and the start of the next
  const TIMEOUT_MS = 4000;    // per request
  const SHOWN_BLOCKS = 12;    // rows in "Recent blocks"
  const HISTORY = 64;         // blocks kept for the validators' last-seen / missed columns
  const FETCH_PER_POLL = 16;  // at most this many block requests per poll

  const blocks = new Map();   // height -> block summary (see summarize)
  let validators = [];        // from /v1/validators
  let peersAvailable = true;  // false once /v1/peers answered 404
  let lastOk = 0;
  let skewMs = 0;             // browser clock minus node clock, when they differ by more than 2 s

  const $ = (id) => document.getElementById(id);

  // Sets an element's text (only when it changed, to keep selections and avoid layout work).
  function setText(id, value) {
    const e = $(id);
    const s = value === undefined || value === null ? '—' : String(value);
    if (e && e.textContent !== s) e.textContent = s;
  }

  // Creates an element with an optional class and text.
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // A table cell; long hex values are shortened, the full value stays in the tooltip.
  function cell(text, cls, full) {
    const td = el('td', cls, text);
    if (full) td.title = String(full);
    return td;
  }

  // The "this node" marker cell of the validators table.
  function selfCell(isSelf) {
    const td = el('td');
    if (isSelf) td.appendChild(el('span', 'tag', 'this node'));
    return td;
  }

  // Shortens a long hex string to its first n characters and an ellipsis.
  function short(hex, n) {
    if (typeof hex !== 'string') return hex === null || hex === undefined ? '—' : String(hex);
    n = n || 10;
    return hex.length > n + 2 ? hex.slice(0, n) + '…' : hex;
  }

  // The node's idea of now (the browser clock corrected by the skew seen in the Date header).
  function nodeNow() {
    return Date.now() - skewMs;
  }

  // "3 s ago", "2 min ago" for a Unix-ms timestamp of the node.
  function age(ms) {
    if (typeof ms !== 'number' || !isFinite(ms) || ms <= 0) return '—';
    const s = Math.max(0, Math.round((nodeNow() - ms) / 1000));
    if (s < 120) return s + ' s ago';
    if (s < 7200) return Math.round(s / 60) + ' min ago';
    if (s < 172800) return Math.round(s / 3600) + ' h ago';
    return Math.round(s / 86400) + ' d ago';
  }

  // "1 h 2 min 3 s" for a number of seconds.
  function duration(seconds) {
    if (typeof seconds !== 'number') return '—';
    const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return (h ? h + ' h ' : '') + (h || m ? m + ' min ' : '') + s + ' s';
  }

  // GET path (relative, so the page also works behind a path-prefix proxy). 404 -> null.
  async function getJSON(path) {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
    try {
      const r = await fetch(path, { signal: ctl.signal, cache: 'no-store', headers: { Accept: 'application/json' } });
      if (r.status === 404) return null;
      if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
      const date = Date.parse(r.headers.get('Date') || '');
      if (isFinite(date)) {
        const skew = Date.now() - (date + 500); // the header has whole seconds
        skewMs = Math.abs(skew) > 2000 ? skew : 0;
      }
      return await r.json();
    } finally {
      clearTimeout(timer);
    }
  }

  // Index of the validator with public key pk at the tip, or -1.
  function validatorIndex(pk) {
    for (const v of validators) if (v.pubkey === pk) return v.index;
    return -1;
  }

  // What the tables need from a block.
  function summarize(b) {
    return {
      height: Number(b.height),
      hash: b.block_hash,
      parent: b.header ? b.header.parent_hash : null,
      proposer: b.proposer || null,
      miner: b.header ? b.header.miner_address : null,
      txs: b.tx_count,
      size: b.size,
      ts: b.header ? b.header.timestamp : null,
    };
  }

  // Fetches the blocks the window lacks (newest first) and drops what a reorg invalidated.
  async function refreshBlocks(height, tipHash) {
    const low = Math.max(0, height - HISTORY + 1);
    for (const h of Array.from(blocks.keys())) if (h > height || h < low) blocks.delete(h);
    const cached = blocks.get(height);
    if (cached && cached.hash !== tipHash) blocks.delete(height);
    const want = [];
    for (let h = height; h >= low && want.length < FETCH_PER_POLL; h--) if (!blocks.has(h)) want.push(h);
    const got = await Promise.all(want.map((h) => getJSON('v1/blocks/' + h).catch(() => null)));
    for (const b of got) if (b && b.block_hash) blocks.set(Number(b.height), summarize(b));
    // A block whose parent is not the cached block below it means a reorg: refetch everything below.
    for (let h = height; h > low; h--) {
      const b = blocks.get(h), p = blocks.get(h - 1);
      if (b && p && b.parent !== p.hash) {
        for (const k of Array.from(blocks.keys())) if (k < h) blocks.delete(k);
        break;
      }
    }
  }

  // The cards: height, tip, role, backend, peers, mempool.
  function renderHead(st) {
    const node = st.node || {}, cons = st.consensus || {}, be = st.crypto_backend || {};
    setText('network', (node.network || '?') + ' · chain ' + node.chain_id);
    setText('version', 'v' + node.version + ' (core ' + node.library_version + ')');
    setText('height', cons.block_height);
    setText('tip-age', 'tip ' + age(cons.current_block_timestamp_ms));
    setText('tip', cons.current_block_hash);
    $('tip').title = 'genesis ' + (node.genesis_hash || '?');
    setText('weight', cons.cum_weight);
    setText('block-time', typeof cons.block_time_ms === 'number' ? cons.block_time_ms / 1000 + ' s' : '—');
    setText('role', cons.is_validator ? 'validator #' + cons.validator_index + (cons.producing ? '' : ' (not producing)')
      : 'observer');
    setText('uptime', 'up ' + duration(node.uptime_s));
    // Double-sign protection: sealing, or why not (sign-state, start-up watch, another instance of the key).
    const se = $('sealing');
    if (node.sealing === undefined) {
      setText('sealing', '—');
      se.className = '';
      setText('sealing-blocked', '');
    } else {
      const blocked = node.sealing_blocked;
      setText('sealing', node.sealing ? 'sealing' : blocked ? 'BLOCKED' : 'not sealing');
      se.className = node.sealing ? 'ok' : blocked ? 'bad' : '';
      setText('sealing-blocked', blocked || (node.sealing ? 'double-sign protection clear' : 'not a sealing validator'));
    }
    const tw = Number(st.p2p_twins) || 0;
    setText('twins', tw > 0 ? tw + ' peer key' + (tw > 1 ? 's' : '') + ' used by two running nodes (twin)' : '');
    $('twins').className = tw > 0 ? 'bad' : 'muted';
    setText('backend', be.active);
    setText('backend-detail', (be.detail || '') + (be.requested && be.requested !== be.active ? ' (requested ' + be.requested + ')' : ''));
    setText('peer-count', st.peers);
    setText('mempool-size', st.mempool_size);
    const s = st.stats || {};
    setText('validators-note', 'produced here ' + (s.blocks_produced || 0) + ' · received ' + (s.blocks_received || 0) +
      ' · rejected ' + (s.blocks_rejected || 0) + ' · reorgs ' + (s.reorgs || 0));
  }

  // "Recent blocks": the newest SHOWN_BLOCKS cached blocks at or below height.
  function renderBlocks(height) {
    const n = validators.length;
    const rows = [];
    for (let h = height; h >= 0 && rows.length < SHOWN_BLOCKS; h--) {
      const b = blocks.get(h);
      if (!b) continue;
      const tr = el('tr');
      tr.dataset.height = String(b.height);
      const link = el('a', null, short(b.hash, 16));
      link.href = 'v1/blocks/hash/' + encodeURIComponent(b.hash);
      link.title = b.hash;
      const hashTd = el('td', 'hash');
      hashTd.appendChild(link);
      const idx = b.proposer ? validatorIndex(b.proposer) : -1;
      let who = 'genesis', turn = '—', turnCls = null;
      if (b.height > 0) {
        who = idx >= 0 ? '#' + idx + ' ' + short(b.proposer, 8) : short(b.proposer || b.miner, 8);
        if (idx >= 0 && n > 0) {
          const inTurn = b.height % n === idx;
          turn = inTurn ? 'in turn' : 'out of turn';
          turnCls = inTurn ? 'ok' : 'warn';
        }
      }
      tr.append(cell(b.height, 'num'), hashTd, cell(who, 'hash', b.proposer || b.miner), cell(turn, turnCls),
        cell(b.txs, 'num'), cell(b.size, 'num'), cell(age(b.ts)));
      rows.push(tr);
    }
    $('blocks-body').replaceChildren(...rows);
  }

  // Last block and missed in-turn slots of each validator within the cached window.
  function windowStats(height) {
    const n = validators.length, stats = validators.map(() => ({ last: null, missed: 0 }));
    let covered = 0;
    for (const [h, b] of blocks) {
      if (h === 0 || h > height) continue;
      covered++;
      const idx = b.proposer ? validatorIndex(b.proposer) : -1;
      if (idx >= 0 && (!stats[idx].last || h > stats[idx].last.height)) stats[idx].last = b;
      if (n > 0 && idx >= 0 && idx !== h % n && stats[h % n]) stats[h % n].missed++;
    }
    return { stats, covered };
  }

  // "Validators": order, next in turn, last block and missed slots in the window, blocks since start.
  function renderValidators(vs, height) {
    validators = (vs && Array.isArray(vs.validators)) ? vs.validators : [];
    const { stats, covered } = windowStats(height);
    const rows = validators.map((v, i) => {
      const tr = el('tr');
      tr.dataset.index = String(v.index);
      const next = vs.next_in_turn === v.index;
      const last = stats[i].last;
      // The node's own window (last_seen_height/_ms) wins over the page's cached one.
      const seen = v.last_seen_height !== undefined ? (v.last_seen_height === null ? null
        : { height: v.last_seen_height, ts: v.last_seen_ms }) : last;
      const lastSeen = seen ? 'block ' + seen.height + ', ' + age(seen.ts) : 'not in the last ' + covered + ' blocks';
      const missed = v.missed !== undefined ? v.missed : stats[i].missed;
      tr.append(cell(v.index, 'num'), cell(short(v.pubkey, 16), 'hash', v.pubkey),
        cell(next ? 'next (height ' + vs.next_height + ')' : '', next ? 'ok' : null),
        cell(lastSeen), cell(missed, missed > 0 ? 'num warn' : 'num'), cell(v.blocks_since_start, 'num'),
        selfCell(v.is_self));
      return tr;
    });
    $('validators-body').replaceChildren(...rows);
  }

  const PEER_COLUMNS = ['address', 'addr', 'node_key', 'pubkey', 'direction', 'inbound', 'height', 'best', 'best_hash',
    'weight', 'score', 'connected_ms', 'since_ms', 'last_seen_ms', 'rtt_ms', 'latency_ms'];
  const PEER_LABELS = { addr: 'address', node_key: 'node key', best: 'best block', best_hash: 'best block',
    connected_ms: 'connected', since_ms: 'since', last_seen_ms: 'last seen', rtt_ms: 'rtt (ms)', latency_ms: 'latency (ms)' };

  // Formats one peer field: validator keys as "#i", hashes shortened, *_ms timestamps as ages.
  function peerValue(key, v) {
    if (typeof v === 'number' && /_ms$/.test(key) && v > 1e12) return age(v);
    if (typeof v === 'string' && (key === 'node_key' || key === 'pubkey') && validatorIndex(v) >= 0) {
      return 'validator #' + validatorIndex(v) + ' ' + short(v, 8);
    }
    if (typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)) return short(v, 12);
    if (typeof v === 'boolean') return v ? 'yes' : 'no';
    return v;
  }

  // "Peers": the /v1/peers list with whatever fields it has, or only the count when there is no list.
  function renderPeers(p, st) {
    const list = p === null ? null : Array.isArray(p) ? p : (p && Array.isArray(p.peers) ? p.peers : []);
    if (list === null) {
      peersAvailable = false;
      setText('peers-note', 'Connected peers: ' + st.peers + ' (this node has no /v1/peers list).');
      $('peers').hidden = true;
      $('peers-head').replaceChildren();
      $('peers-body').replaceChildren();
      return;
    }
    setText('peers-note', list.length ? '' : 'No peers connected.');
    $('peers').hidden = list.length === 0;
    const keys = PEER_COLUMNS.filter((k) => list.some((x) => x && x[k] !== undefined));
    for (const x of list) for (const k of Object.keys(x || {})) {
      if (!keys.includes(k) && (x[k] === null || typeof x[k] !== 'object')) keys.push(k);
    }
    const head = el('tr');
    for (const k of keys) head.appendChild(el('th', null, PEER_LABELS[k] || k.replace(/_/g, ' ')));
    if (list.length) $('peers-head').replaceChildren(head); else $('peers-head').replaceChildren();
    $('peers-body').replaceChildren(...list.map((x) => {
      const tr = el('tr');
      for (const k of keys) tr.appendChild(cell(peerValue(k, x[k]), null, typeof x[k] === 'string' ? x[k] : null));
      return tr;
    }));
  }

  // "Mempool": counters and the highest-fee pending transactions.
  function renderMempool(m) {
    if (!m) return;
    setText('mempool-max', 'of ' + m.max_size + ' (≤ ' + m.max_per_account + ' per account)');
    const s = m.stats || {};
    setText('mempool-stats', m.size + ' pending · admitted ' + s.admitted + ' · rejected ' + s.rejected +
      ' · confirmed ' + s.confirmed + ' · evicted ' + s.evicted + ' · expired ' + s.expired);
    const txs = Array.isArray(m.transactions) ? m.transactions : [];
    $('mempool').hidden = txs.length === 0;
    $('mempool-body').replaceChildren(...txs.map((t) => {
      const tr = el('tr');
      tr.append(cell(short(t.tx_hash, 16), 'hash', t.tx_hash), cell(short(t.from, 10), 'hash', t.from),
        cell(short(t.to, 10), 'hash', t.to), cell(t.amount, 'num'), cell(t.fee, 'num'), cell(t.nonce, 'num'),
        cell(age(t.added_ms)));
      return tr;
    }));
  }

  // "Parity": shadow-mode matches, drifts and the last divergences.
  function renderParity(p) {
    if (!p) {
      setText('parity', 'unavailable');
      return;
    }
    const drifts = Number(p.drifts) || 0;
    const pe = $('parity');
    setText('parity', !p.enabled ? 'off' : drifts > 0 ? drifts + ' DIVERGENCE' + (drifts > 1 ? 'S' : '') : 'in parity');
    pe.className = !p.enabled ? '' : drifts > 0 ? 'bad' : 'ok';
    setText('parity-detail', 'matches ' + p.matches + ' · drifts ' + p.drifts);
    const cw = p.compare_with_validator;
    setText('parity-note', p.enabled ? 'Backend parity on every block' + (cw === null || cw === undefined ? '.'
      : '; peer parity with validator ' + (typeof cw === 'string' ? short(cw, 16) : cw) + '.')
      : 'Shadow mode is off (consensus.shadow_mode.enabled).');
    const list = Array.isArray(p.last_divergences) ? p.last_divergences : [];
    $('divergences').hidden = list.length === 0;
    $('divergences-body').replaceChildren(...list.map((d) => {
      const tr = el('tr', d.resolved ? 'warn' : 'bad');
      tr.append(cell(d.height, 'num'), cell(d.kind), cell(d.what), cell(short(d.ours, 16), 'hash', d.ours),
        cell(short(d.theirs, 16), 'hash', d.theirs), cell(age(d.time_ms !== undefined ? d.time_ms : d.at_ms)),
        cell(d.resolved ? 'resolved' : ''));
      return tr;
    }));
  }

  // "Double signs": the count (chain and wire) and the records with both blocks of each pair.
  function renderEvidence(ev) {
    if (!ev) {
      setText('evidence-count', '—');
      setText('evidence-note', 'This node has no /v1/evidence.');
      $('evidence').hidden = true;
      return;
    }
    const count = Number(ev.count) || 0;
    setText('evidence-count', count);
    $('evidence-count').className = 'big' + (count > 0 ? ' bad' : '');
    const list = Array.isArray(ev.evidence) ? ev.evidence : [];
    setText('evidence-note', list.length ? 'Two blocks sealed by one validator key at one height: two processes sign with ' +
      'that key (docs/OPERATIONS.md, procedure F).' : 'No double signing seen.');
    $('evidence').hidden = list.length === 0;
    $('evidence-body').replaceChildren(...list.map((e) => {
      const tr = el('tr', 'bad');
      const idx = validatorIndex(e.validator);
      tr.append(cell(e.height, 'num'), cell((idx >= 0 ? '#' + idx + ' ' : '') + short(e.validator, 12), 'hash', e.validator),
        cell(short(e.hash_a, 16), 'hash', e.hash_a), cell(short(e.hash_b, 16), 'hash', e.hash_b), cell(e.source),
        cell(e.seen_ms ? age(e.seen_ms) : ''));
      return tr;
    }));
  }

  // The live/offline pill and the error banner; stale data is dimmed.
  function setConn(ok, message) {
    const c = $('conn');
    c.className = 'pill ' + (ok ? 'pill-ok' : 'pill-bad');
    setText('conn', ok ? 'live' : 'offline');
    const e = $('error');
    e.hidden = ok;
    if (!ok) setText('error', 'Cannot reach the node: ' + message + (lastOk ? ' (last update ' + age(lastOk) + ')' : ''));
    document.body.classList.toggle('stale', !ok);
  }

  // One round: status first (required), the rest in parallel, then redraw; reschedules itself.
  async function poll() {
    try {
      const st = await getJSON('v1/status');
      if (!st || !st.consensus) throw new Error('v1/status: unexpected reply');
      const height = Number(st.consensus.block_height);
      const [vs, mp, par, ev, peers] = await Promise.all([
        getJSON('v1/validators'),
        getJSON('v1/mempool?limit=10'),
        getJSON('v1/parity').catch(() => null),
        getJSON('v1/evidence').catch(() => null),
        peersAvailable ? getJSON('v1/peers').catch(() => undefined) : Promise.resolve(null),
      ]);
      validators = (vs && Array.isArray(vs.validators)) ? vs.validators : validators;
      await refreshBlocks(height, st.consensus.current_block_hash);
      renderHead(st);
      renderBlocks(height);
      renderValidators(vs, height);
      if (peers !== undefined) renderPeers(peers, st);
      renderMempool(mp);
      renderParity(par);
      renderEvidence(ev);
      lastOk = nodeNow();
      setText('updated', 'updated ' + new Date(lastOk).toLocaleTimeString());
      setConn(true);
    } catch (err) {
      setConn(false, err && err.name === 'AbortError' ? 'timed out' : String(err && err.message ? err.message : err));
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  poll();
})();
