/* report.js - draws the synfin HTML report from its embedded JSON (docs/html.md).
 * Vanilla JS, no network.  The DOM is built lazily: one page of rows at a
 * time, and a connection's packets are parsed only when it is opened. */
(function () {
  'use strict';

  /* Row layouts written by src/format/html.c (keep both in step). */
  var C_ID = 0, C_CLI = 1, C_CPORT = 2, C_SRV = 3, C_SPORT = 4, C_CLOSE = 5, C_BY = 6, C_ZEEK = 7,
    C_HIST = 8, C_BC2S = 9, C_BS2C = 10, C_PKTS = 11, C_START = 12, C_DUR = 13, C_ANOM = 14,
    C_IRTT = 15, C_TXNS = 16, C_FIRST = 17, C_LAST = 18, C_END = 19, C_BITS = 20, C_PC2S = 21,
    C_PS2C = 22, C_RTT = 23, C_HS = 24, C_TUN = 25;
  var D_SEEN = 1, D_ELIDED = 2, D_AT = 3, D_WHY = 4, D_FACTS = 5, D_PKTS = 6;
  var P_FRAME = 0, P_T = 1, P_DIR = 2, P_FLAGS = 3, P_SEQ = 4, P_ACK = 5, P_LEN = 6, P_WIN = 7,
    P_ROLE = 8, P_PHASE = 9, P_AN = 10, P_LABEL = 11, P_EXPL = 12;
  var H_CONN = 0, H_N = 1, H_METHOD = 2, H_URI = 3, H_HOST = 4, H_STATUS = 5, H_REASON = 6,
    H_CSTART = 7, H_REQ0 = 8, H_REQ1 = 9, H_RESP0 = 10, H_RESP1 = 11, H_CONNECT = 12, H_SEND = 13,
    H_WAIT = 14, H_RECV = 15, H_REQF = 16, H_RESPF0 = 17, H_RESPF = 18, H_BODY = 19, H_CTYPE = 20,
    H_COMPLETE = 21, H_TUNNEL = 22, H_INTERIM = 23;

  var PAGE = 100;          /* rows per page, in both lists */
  var FOLD_MIN = 7;        /* a run of plain segments this long is folded */
  var FOLD_KEEP = 2;       /* arrows shown before and after a fold */
  var SVGNS = 'http://www.w3.org/2000/svg';

  function $(id) { return document.getElementById(id); }

  /* Elements are built with textContent only: no string from the capture
   * is ever parsed as HTML. */
  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    setAttrs(e, attrs);
    addKids(e, kids);
    return e;
  }
  function sv(tag, attrs, kids) {
    var e = document.createElementNS(SVGNS, tag);
    setAttrs(e, attrs);
    addKids(e, kids);
    return e;
  }
  function setAttrs(e, attrs) {
    if (!attrs) return;
    for (var k in attrs) {
      if (!Object.prototype.hasOwnProperty.call(attrs, k) || attrs[k] === null || attrs[k] === undefined) continue;
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'cls') e.setAttribute('class', attrs[k]);
      else e.setAttribute(k, attrs[k]);
    }
  }
  function addKids(e, kids) {
    if (kids === undefined || kids === null) return;
    if (!Array.isArray(kids)) kids = [kids];
    for (var i = 0; i < kids.length; i++) {
      var k = kids[i];
      if (k === null || k === undefined || k === false) continue;
      e.appendChild(typeof k === 'string' || typeof k === 'number' ? document.createTextNode(String(k)) : k);
    }
  }

  function num(n) { return Number(n).toLocaleString('en-US'); }
  function bytes(n) {
    if (n < 1024) return num(n) + ' B';
    if (n < 1048576) return (n / 1024).toFixed(1) + ' KB';
    if (n < 1073741824) return (n / 1048576).toFixed(1) + ' MB';
    return (n / 1073741824).toFixed(2) + ' GB';
  }
  function dur(s) {
    if (s === null || s === undefined) return '\u2013';
    var ms = s * 1000;
    if (ms < 10) return ms.toFixed(3) + ' ms';
    if (ms < 1000) return ms.toFixed(1) + ' ms';
    if (s < 600) return s.toFixed(3) + ' s';
    return (s / 60).toFixed(1) + ' min';
  }
  function clip(s, n) { s = String(s); return s.length > n ? s.slice(0, n - 1) + '\u2026' : s; }
  function ep(addr, port) { return (addr.indexOf(':') >= 0 ? '[' + addr + ']' : addr) + ':' + port; }

  var FLAG_ORDER = [[0x02, 'SYN'], [0x01, 'FIN'], [0x04, 'RST'], [0x08, 'PSH'], [0x10, 'ACK'],
    [0x20, 'URG'], [0x40, 'ECE'], [0x80, 'CWR'], [0x100, 'AE']];
  function flagWords(f) {
    var out = [];
    for (var i = 0; i < FLAG_ORDER.length; i++) if (f & FLAG_ORDER[i][0]) out.push(FLAG_ORDER[i][1]);
    return out.join(', ');
  }

  var meta = JSON.parse($('sf-meta').textContent);
  var conns = JSON.parse($('sf-conns').textContent);
  var txns = JSON.parse($('sf-http').textContent);
  var pktRaw = $('sf-pkts').textContent;
  var ROLE = meta.roles, AN = meta.analysis;

  var connById = new Map();
  for (var ci = 0; ci < conns.length; ci++) connById.set(conns[ci][C_ID], conns[ci]);
  var txnsByConn = new Map();
  for (var ti = 0; ti < txns.length; ti++) {
    var tl = txnsByConn.get(txns[ti][H_CONN]);
    if (!tl) txnsByConn.set(txns[ti][H_CONN], tl = []);
    tl.push(txns[ti]);
  }

  /* sf-pkts holds one JSON line per connection; the index of where each
   * starts is built the first time a connection is opened. */
  var pktIndex = null;
  function details(id) {
    if (!pktIndex) {
      pktIndex = new Map();
      var pos = 0, n = pktRaw.length;
      while (pos < n) {
        var nl = pktRaw.indexOf('\n', pos);
        if (nl < 0) nl = n;
        if (nl > pos + 1) pktIndex.set(parseInt(pktRaw.slice(pos + 1, pos + 24), 10), [pos, nl]);
        pos = nl + 1;
      }
    }
    var r = pktIndex.get(id);
    return r ? JSON.parse(pktRaw.slice(r[0], r[1])) : null;
  }

  /* ------------------------------------------------------------ summary */
  function card(value, label, bad) {
    return el('div', { cls: 'card' + (bad ? ' bad' : '') }, [el('b', { text: value }), el('span', { text: label })]);
  }
  function drawSummary() {
    var box = $('sf-summary');
    var start = meta.frames ? new Date(meta.first_ts * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '\u2013';
    box.appendChild(card(num(meta.frames), 'frames (' + num(meta.tcp) + ' TCP, ' + num(meta.skipped) + ' skipped, ' +
      num(meta.filtered) + ' filtered)'));
    box.appendChild(card(num(meta.conns), 'TCP connections'));
    box.appendChild(card(num(meta.txns + meta.txns_unlisted), 'HTTP transactions'));
    box.appendChild(card(num(meta.anomalies), 'packets with anomalies', meta.anomalies > 0));
    box.appendChild(card(dur(meta.duration), 'capture duration'));
    box.appendChild(card(start, 'first frame'));
    var notes = $('sf-notes');
    if (meta.read_error) notes.appendChild(el('p', { text: 'The capture ends with an error: ' + meta.read_error + ' (everything before it was analysed).' }));
    if (meta.conns_unlisted) notes.appendChild(el('p', { text: num(meta.conns_unlisted) + ' connections past the first ' + num(meta.caps.conns) + ' are not listed (use --conn or -F jsonl).' }));
    if (meta.txns_unlisted) notes.appendChild(el('p', { text: num(meta.txns_unlisted) + ' HTTP transactions past the first ' + num(meta.caps.txns) + ' are not in the waterfall.' }));
    if (meta.elided_packets) notes.appendChild(el('p', { text: num(meta.elided_packets) + ' packets are counted but not drawn (report caps: ' + num(meta.caps.conn_packets) + ' per connection, ' + num(meta.caps.report_packets) + ' in all).' }));
  }

  /* -------------------------------------------------- connections table */
  var COLS = [
    { key: 'id', title: '#', num: true, v: function (c) { return c[C_ID]; } },
    { key: 'ep', title: 'client \u2192 server', v: function (c) { return c[C_CLI] + ':' + c[C_CPORT]; } },
    { key: 'close', title: 'close', v: function (c) { return c[C_CLOSE]; } },
    { key: 'zeek', title: 'Zeek', v: function (c) { return c[C_ZEEK]; } },
    { key: 'c2s', title: 'C\u2192S bytes', num: true, v: function (c) { return c[C_BC2S]; } },
    { key: 's2c', title: 'S\u2192C bytes', num: true, v: function (c) { return c[C_BS2C]; } },
    { key: 'pkts', title: 'packets', num: true, v: function (c) { return c[C_PKTS]; } },
    { key: 'start', title: 'start', num: true, v: function (c) { return c[C_START]; } },
    { key: 'dur', title: 'duration', num: true, v: function (c) { return c[C_DUR]; } },
    { key: 'http', title: 'HTTP', num: true, v: function (c) { return c[C_TXNS]; } },
    { key: 'anom', title: 'anomalies', num: true, v: function (c) { return c[C_ANOM]; } }
  ];
  var NCOLS = COLS.length;
  var view = { sort: 0, desc: false, filter: '', onlyAnom: false, page: 0, rows: conns.slice() };
  var opened = new Set();
  var unfolded = new Map();   /* conn id -> Set of fold keys opened */

  function searchText(c) {
    if (!c._s) {
      c._s = [c[C_ID], ep(c[C_CLI], c[C_CPORT]), ep(c[C_SRV], c[C_SPORT]), c[C_CLOSE], meta.closes[c[C_CLOSE]] || '',
        c[C_BY], c[C_ZEEK], c[C_HIST], c[C_END], c[C_TXNS] ? 'http' : '', c[C_ANOM] ? 'anomaly anomalies' : ''].join(' ').toLowerCase();
    }
    return c._s;
  }

  function applyView() {
    var toks = view.filter.toLowerCase().split(/\s+/).filter(Boolean);
    var rows = conns.filter(function (c) {
      if (view.onlyAnom && !c[C_ANOM]) return false;
      var s = searchText(c);
      for (var i = 0; i < toks.length; i++) if (s.indexOf(toks[i]) < 0) return false;
      return true;
    });
    var col = COLS[view.sort], sign = view.desc ? -1 : 1;
    rows.sort(function (a, b) {
      var x = col.v(a), y = col.v(b);
      if (x < y) return -sign;
      if (x > y) return sign;
      return a[C_ID] - b[C_ID];
    });
    view.rows = rows;
    var pages = Math.max(1, Math.ceil(rows.length / PAGE));
    if (view.page >= pages) view.page = pages - 1;
  }

  function drawHead() {
    var tr = el('tr');
    COLS.forEach(function (col, i) {
      var th = el('th', { cls: (col.num ? 'num' : '') + (view.sort === i ? ' sorted' + (view.desc ? ' desc' : '') : ''), text: col.title, 'data-col': col.key });
      th.addEventListener('click', function () {
        if (view.sort === i) view.desc = !view.desc; else { view.sort = i; view.desc = false; }
        applyView();
        drawHead();
        drawRows();
      });
      tr.appendChild(th);
    });
    var head = $('sf-head');
    head.textContent = '';
    head.appendChild(tr);
  }

  function closeTag(c) {
    var words = meta.closes[c[C_CLOSE]] || c[C_CLOSE];
    return el('span', { cls: 'tag k-' + c[C_CLOSE], title: words + (c[C_BY] ? ', started by the ' + c[C_BY] : ''),
      text: c[C_CLOSE].replace(/_/g, '-') + (c[C_BY] ? ' (' + c[C_BY] + ')' : '') });
  }

  function drawRows() {
    var body = $('sf-rows');
    body.textContent = '';
    var rows = view.rows, from = view.page * PAGE, to = Math.min(rows.length, from + PAGE);
    for (var i = from; i < to; i++) {
      var c = rows[i];
      var tr = el('tr', { cls: 'conn' + (opened.has(c[C_ID]) ? ' open' : ''), 'data-conn': c[C_ID] }, [
        el('td', { cls: 'num', text: c[C_ID] }),
        el('td', { cls: 'ep', text: ep(c[C_CLI], c[C_CPORT]) + ' \u2192 ' + ep(c[C_SRV], c[C_SPORT]) }),
        el('td', null, closeTag(c)),
        el('td', { title: 'history ' + c[C_HIST], text: c[C_ZEEK] }),
        el('td', { cls: 'num', text: num(c[C_BC2S]) }),
        el('td', { cls: 'num', text: num(c[C_BS2C]) }),
        el('td', { cls: 'num', text: num(c[C_PKTS]) }),
        el('td', { cls: 'num', text: c[C_START].toFixed(3) }),
        el('td', { cls: 'num', text: dur(c[C_DUR]) }),
        el('td', { cls: 'num', text: c[C_TXNS] ? c[C_TXNS] : '' }),
        el('td', { cls: 'num' + (c[C_ANOM] ? ' anom' : ''), text: c[C_ANOM] ? num(c[C_ANOM]) : '' })
      ]);
      tr.addEventListener('click', toggleConn.bind(null, c[C_ID]));
      body.appendChild(tr);
      if (opened.has(c[C_ID])) body.appendChild(detailRow(c));
    }
    if (!rows.length) body.appendChild(el('tr', null, el('td', { colspan: NCOLS, cls: 'empty', text: conns.length ? 'No connection matches the filter.' : 'No TCP connection in the capture.' })));
    var pages = Math.max(1, Math.ceil(rows.length / PAGE));
    $('sf-page').textContent = 'page ' + (view.page + 1) + ' of ' + pages;
    $('sf-prev').disabled = view.page === 0;
    $('sf-next').disabled = view.page >= pages - 1;
    $('sf-count').textContent = rows.length === conns.length ? num(conns.length) + ' connections'
      : num(rows.length) + ' of ' + num(conns.length) + ' connections';
  }

  function toggleConn(id) {
    if (opened.has(id)) opened.delete(id); else opened.add(id);
    drawRows();
  }

  /* Shows connection id: its page, opened, scrolled to. */
  function openConn(id) {
    var idx = -1;
    for (var i = 0; i < view.rows.length; i++) if (view.rows[i][C_ID] === id) { idx = i; break; }
    if (idx < 0) {
      view.filter = '';
      view.onlyAnom = false;
      $('sf-filter').value = '';
      $('sf-only-anom').checked = false;
      applyView();
      for (i = 0; i < view.rows.length; i++) if (view.rows[i][C_ID] === id) { idx = i; break; }
      if (idx < 0) return;
    }
    view.page = Math.floor(idx / PAGE);
    opened.add(id);
    drawRows();
    var row = document.querySelector('tr.conn[data-conn="' + id + '"]');
    if (row && row.scrollIntoView) row.scrollIntoView({ block: 'start' });
  }

  /* --------------------------------------------------- connection detail */
  function detailRow(c) {
    var td = el('td', { colspan: NCOLS, cls: 'detail-cell' });
    var tr = el('tr', { cls: 'detail-row', 'data-detail': c[C_ID] }, td);
    var d = details(c[C_ID]);
    var box = el('div', { cls: 'detail' });
    td.appendChild(box);
    var ladderWrap = el('div', { cls: 'ladder-wrap' });
    box.appendChild(ladderWrap);
    drawLadderInto(ladderWrap, c, d);
    box.appendChild(sidePanel(c, d));
    return tr;
  }

  function sidePanel(c, d) {
    var side = el('div', { cls: 'side' });
    var flags = [];
    if (c[C_BITS] & 1) flags.push('client guessed (no SYN seen)');
    if (c[C_BITS] & 2) flags.push('started before the capture');
    if (c[C_BITS] & 4) flags.push('reused ports');
    var kv = [
      ['client', ep(c[C_CLI], c[C_CPORT])], ['server', ep(c[C_SRV], c[C_SPORT])],
      ['handshake', c[C_HS] ? 'complete, iRTT ' + dur(c[C_IRTT]) : 'not complete'],
      ['close', (meta.closes[c[C_CLOSE]] || c[C_CLOSE]) + (c[C_BY] ? ', started by the ' + c[C_BY] : '')],
      ['packets', num(c[C_PC2S]) + ' client \u2192 server, ' + num(c[C_PS2C]) + ' server \u2192 client'],
      ['payload', bytes(c[C_BC2S]) + ' \u2192, ' + bytes(c[C_BS2C]) + ' \u2190'],
      ['frames', c[C_FIRST] + ' \u2026 ' + c[C_LAST] + ', ' + dur(c[C_DUR])],
      ['RTT median', dur(c[C_RTT])],
      ['Zeek', c[C_ZEEK] + ', history ' + (c[C_HIST] || '\u2013')],
      ['ended', c[C_END].replace(/_/g, ' ')]
    ];
    if (c[C_TUN]) kv.splice(2, 0, ['tunnel', c[C_TUN]]);
    if (flags.length) kv.push(['note', flags.join('; ')]);
    var dl = el('dl');
    kv.forEach(function (p) { dl.appendChild(el('dt', { text: p[0] })); dl.appendChild(el('dd', { text: p[1] })); });
    side.appendChild(el('h3', { text: 'Connection ' + c[C_ID] }));
    side.appendChild(dl);

    var list = txnsByConn.get(c[C_ID]);
    if (list && list.length) {
      side.appendChild(el('h3', { text: 'HTTP transactions (' + list.length + ')' }));
      var ul = el('ul', { cls: 'txns' });
      list.forEach(function (t) { ul.appendChild(el('li', { text: '#' + t[H_N] + ' ' + txnTitle(t) + timingWords(t) })); });
      side.appendChild(ul);
    }

    var an = [];
    if (d) d[D_PKTS].forEach(function (p) {
      if (!p[P_EXPL]) return;
      p[P_EXPL].forEach(function (x) { if (AN[x[0]][2]) an.push([p[P_FRAME], AN[x[0]][0], x[1]]); });
    });
    side.appendChild(el('h3', { text: 'Anomalies (' + num(c[C_ANOM]) + ' packets' + (d && d[D_ELIDED] ? ', listed among the packets kept' : '') + ')' }));
    if (!an.length) {
      side.appendChild(el('p', { cls: 'muted', text: c[C_ANOM] ? 'None among the packets kept in the report.' : 'None: no TCP analysis flag on this connection.' }));
    } else {
      var ol = el('ol', { cls: 'anoms' });
      an.slice(0, 500).forEach(function (a) {
        var li = el('li', { 'data-frame': a[0], title: 'show on the ladder' }, [el('b', { text: 'frame ' + a[0] + ' \u00b7 ' + a[1] }), ': ' + a[2]]);
        li.addEventListener('click', function () { highlight(c[C_ID], a[0]); });
        ol.appendChild(li);
      });
      side.appendChild(ol);
      if (an.length > 500) side.appendChild(el('p', { cls: 'muted', text: '\u2026 and ' + num(an.length - 500) + ' more.' }));
    }
    side.appendChild(el('h3', { text: 'Facts' }));
    side.appendChild(el('pre', { cls: 'facts', text: d ? d[D_FACTS] : 'not kept' }));
    return side;
  }

  function highlight(id, frame) {
    var svg = document.querySelector('svg.ladder[data-ladder-conn="' + id + '"]');
    if (!svg) return;
    var old = svg.querySelectorAll('.pkt.hl');
    for (var i = 0; i < old.length; i++) old[i].classList.remove('hl');
    var g = svg.querySelector('.pkt[data-frame="' + frame + '"]');
    if (g) {
      g.classList.add('hl');
      if (g.scrollIntoView) g.scrollIntoView({ block: 'center' });
    }
  }

  /* ------------------------------------------------------ ladder diagram */
  var L = { W: 880, GUT: 140, CX: 170, SX: 640, NOTE: 652, TOP: 54 };

  function roleClass(p) {
    var r = ROLE[p[P_ROLE]] ? ROLE[p[P_ROLE]][0] : '';
    if (p[P_AN] && hasAnomaly(p[P_AN])) return 'anomaly';
    if (r.indexOf('rst') === 0) return 'r-rst';
    if (r.indexOf('syn') === 0 || r === 'handshake_ack') return 'r-hs';
    if (r.indexOf('fin') === 0 || r === 'ack_of_fin' || r === 'last_ack') return 'r-close';
    if (p[P_LABEL]) return 'r-http';
    return '';
  }
  function hasAnomaly(bits) {
    for (var i = 0; i < AN.length; i++) if ((bits & (1 << i)) && AN[i][2]) return true;
    return false;
  }
  /* Data segments and pure ACKs with nothing to say: these fold. */
  function plain(p) {
    var r = ROLE[p[P_ROLE]] ? ROLE[p[P_ROLE]][0] : '';
    return (r === 'data' || r === 'ack') && !p[P_LABEL] && !hasAnomaly(p[P_AN]);
  }

  function phaseTitle(ph, c) {
    if (ph === 0) return 'connect \u00b7 3-way handshake' + (c[C_IRTT] !== null ? ' \u00b7 iRTT ' + dur(c[C_IRTT]) : '');
    if (ph === 1) return 'data';
    return 'disconnect \u00b7 ' + (meta.closes[c[C_CLOSE]] || c[C_CLOSE]) + (c[C_BY] ? ', started by the ' + c[C_BY] : '');
  }

  /* The rows of the diagram: phase separators, packets, folds, elisions. */
  function ladderItems(c, d, open) {
    var pk = d[D_PKTS], items = [], i, phase = -1;
    var seq = [];
    for (i = 0; i < pk.length; i++) {
      if (d[D_ELIDED] && i === d[D_AT]) seq.push({ kind: 'elided' });
      seq.push({ kind: 'pkt', p: pk[i] });
    }
    if (d[D_ELIDED] && d[D_AT] >= pk.length) seq.push({ kind: 'elided' });
    for (i = 0; i < seq.length; i++) {
      var it = seq[i];
      if (it.kind === 'pkt' && it.p[P_PHASE] !== phase) {
        phase = it.p[P_PHASE];
        items.push({ kind: 'sep', phase: phase });
      }
      if (it.kind !== 'pkt' || !plain(it.p)) { items.push(it); continue; }
      var j = i;
      while (j + 1 < seq.length && seq[j + 1].kind === 'pkt' && plain(seq[j + 1].p) && seq[j + 1].p[P_PHASE] === phase) j++;
      var key = String(it.p[P_FRAME]);
      if (j - i + 1 >= FOLD_MIN && !open.has(key)) {
        var k, segs = 0, acks = 0, by = 0;
        for (k = i; k <= i + FOLD_KEEP - 1; k++) items.push(seq[k]);
        for (k = i + FOLD_KEEP; k <= j - FOLD_KEEP; k++) {
          if (seq[k].p[P_LEN]) { segs++; by += seq[k].p[P_LEN]; } else acks++;
        }
        items.push({ kind: 'fold', key: key, n: j - i + 1 - 2 * FOLD_KEEP, segs: segs, acks: acks, bytes: by });
        for (k = j - FOLD_KEEP + 1; k <= j; k++) items.push(seq[k]);
      } else {
        for (k = i; k <= j; k++) items.push(seq[k]);
        if (j - i + 1 >= FOLD_MIN) items.push({ kind: 'refold', key: key });
      }
      i = j;
    }
    return items;
  }

  function arrow(g, x1, y1, x2, y2) {
    var dx = x2 - x1, dy = y2 - y1, len = Math.sqrt(dx * dx + dy * dy) || 1;
    var ux = dx / len, uy = dy / len, hl = 9, hw = 4.5;
    var bx = x2 - ux * hl, by = y2 - uy * hl;
    g.appendChild(sv('line', { x1: x1, y1: y1, x2: bx, y2: by }));
    g.appendChild(sv('polygon', { points: x2 + ',' + y2 + ' ' + (bx - uy * hw) + ',' + (by + ux * hw) + ' ' + (bx + uy * hw) + ',' + (by - ux * hw) }));
  }

  function drawLadderInto(wrap, c, d) {
    wrap.textContent = '';
    if (!d) {
      wrap.appendChild(el('p', { cls: 'muted', text: 'The packets of this connection are not in the report.' }));
      return;
    }
    var open = unfolded.get(c[C_ID]);
    if (!open) unfolded.set(c[C_ID], open = new Set());
    var items = ladderItems(c, d, open);
    var folds = items.filter(function (x) { return x.kind === 'fold'; }).length;
    var tools = el('div', { cls: 'ladder-tools' }, [
      el('b', { text: 'Ladder' }),
      el('span', { cls: 'muted', text: num(d[D_SEEN]) + ' packets' + (folds ? ', ' + folds + ' run(s) folded' : '') })
    ]);
    if (folds) {
      var ub = el('button', { type: 'button', text: 'unfold all' });
      ub.addEventListener('click', function (e) {
        e.stopPropagation();
        items.forEach(function (x) { if (x.kind === 'fold') open.add(x.key); });
        drawLadderInto(wrap, c, d);
      });
      tools.appendChild(ub);
    }
    if (open.size) {
      var fb = el('button', { type: 'button', text: 'fold all' });
      fb.addEventListener('click', function (e) { e.stopPropagation(); open.clear(); drawLadderInto(wrap, c, d); });
      tools.appendChild(fb);
    }
    wrap.appendChild(tools);

    var pk = d[D_PKTS], t0 = pk.length ? pk[0][P_T] : 0;
    var y = L.TOP + 12, rows = [];
    items.forEach(function (it) {
      var h = it.kind === 'pkt' ? (it.p[P_LABEL] ? 42 : 28) : it.kind === 'refold' ? 22 : 30;
      rows.push([it, y, h]);
      y += h;
    });
    var H = y + 10;
    var svg = sv('svg', { cls: 'ladder', width: L.W, height: H, viewBox: '0 0 ' + L.W + ' ' + H, 'data-ladder-conn': c[C_ID], role: 'img',
      'aria-label': 'ladder diagram of connection ' + c[C_ID] });
    svg.appendChild(sv('line', { cls: 'lifeline', x1: L.CX, y1: L.TOP - 6, x2: L.CX, y2: H - 4 }));
    svg.appendChild(sv('line', { cls: 'lifeline', x1: L.SX, y1: L.TOP - 6, x2: L.SX, y2: H - 4 }));
    [[L.CX, 'client', ep(c[C_CLI], c[C_CPORT])], [L.SX, 'server', ep(c[C_SRV], c[C_SPORT])]].forEach(function (h) {
      svg.appendChild(sv('g', { cls: 'hdr' }, [
        sv('rect', { x: h[0] - 95, y: 6, width: 190, height: 40, rx: 5 }),
        sv('text', { x: h[0], y: 22, 'text-anchor': 'middle', text: h[1] }),
        sv('text', { cls: 'addr', x: h[0], y: 38, 'text-anchor': 'middle', text: clip(h[2], 34) })
      ]));
    });
    svg.appendChild(sv('text', { x: 6, y: L.TOP + 4, 'font-size': 10.5, fill: '#8a94a6', text: 'frame' }));
    svg.appendChild(sv('text', { x: L.GUT - 4, y: L.TOP + 4, 'font-size': 10.5, fill: '#8a94a6', 'text-anchor': 'end', text: 'time' }));

    rows.forEach(function (r) {
      var it = r[0], top = r[1], h = r[2];
      if (it.kind === 'sep') {
        var title = phaseTitle(it.phase, c);
        svg.appendChild(sv('g', { cls: 'sep' }, [
          sv('line', { x1: 4, y1: top + 15, x2: L.W - 4, y2: top + 15 }),
          sv('rect', { x: L.CX + 12, y: top + 5, width: Math.min(L.SX - L.CX - 24, title.length * 7.4 + 16), height: 20, rx: 3 }),
          sv('text', { x: L.CX + 20, y: top + 19, text: title })
        ]));
      } else if (it.kind === 'pkt') {
        svg.appendChild(packetArrow(it.p, top, t0, c));
      } else if (it.kind === 'fold') {
        var txt = '\u22ee ' + num(it.segs) + ' segment' + (it.segs === 1 ? '' : 's') + ', ' + bytes(it.bytes) +
          (it.acks ? ', ' + num(it.acks) + ' ACK' + (it.acks === 1 ? '' : 's') : '') + ' \u2014 click to expand';
        var fg = sv('g', { cls: 'fold', 'data-fold': it.key, role: 'button' }, [
          sv('title', { text: num(it.n) + ' plain data segments and ACKs folded' }),
          sv('rect', { x: L.CX + 20, y: top + 4, width: L.SX - L.CX - 40, height: 22, rx: 11 }),
          sv('text', { x: (L.CX + L.SX) / 2, y: top + 19, 'text-anchor': 'middle', text: txt })
        ]);
        fg.addEventListener('click', function (e) { e.stopPropagation(); open.add(it.key); drawLadderInto(wrap, c, d); });
        svg.appendChild(fg);
      } else if (it.kind === 'refold') {
        var rg = sv('g', { cls: 'fold', 'data-refold': it.key, role: 'button' }, [
          sv('text', { x: (L.CX + L.SX) / 2, y: top + 14, 'text-anchor': 'middle', text: '\u25b4 fold this run' })
        ]);
        rg.addEventListener('click', function (e) { e.stopPropagation(); open.delete(it.key); drawLadderInto(wrap, c, d); });
        svg.appendChild(rg);
      } else if (it.kind === 'elided') {
        var why = d[D_WHY] === 1 ? 'the report keeps the first ' + num(meta.caps.conn_head) + ' and the last ' +
          num(meta.caps.conn_packets - meta.caps.conn_head) + ' packets of a connection'
          : d[D_WHY] === 2 ? 'memory cap of the report reached' : 'size cap of the report reached';
        svg.appendChild(sv('g', { cls: 'elided' }, [
          sv('rect', { x: 20, y: top + 4, width: L.W - 40, height: 22, rx: 4 }),
          sv('text', { x: L.W / 2, y: top + 19, 'text-anchor': 'middle', text: '\u2026 ' + num(d[D_ELIDED]) + ' packets not kept (' + why + ') \u2026' })
        ]));
      }
    });
    wrap.appendChild(svg);
    /* Separator labels get their measured width once the SVG is laid out. */
    var seps = svg.querySelectorAll('.sep');
    for (var si = 0; si < seps.length; si++) {
      var t = seps[si].querySelector('text'), rc = seps[si].querySelector('rect');
      var tw = t && t.getComputedTextLength ? t.getComputedTextLength() : 0;
      if (tw > 0) rc.setAttribute('width', Math.min(L.W - L.CX - 16, tw + 16));
    }
  }

  function packetArrow(p, top, t0, c) {
    var c2s = p[P_DIR] === 0, cls = roleClass(p);
    var g = sv('g', { cls: 'pkt ' + cls, 'data-frame': p[P_FRAME] });
    var role = ROLE[p[P_ROLE]] ? ROLE[p[P_ROLE]][1] : '';
    var lbl = '[' + flagWords(p[P_FLAGS]) + '] seq=' + p[P_SEQ] + ' ack=' + p[P_ACK] + ' len=' + p[P_LEN];
    var tip = 'frame ' + p[P_FRAME] + ', +' + dur(p[P_T] - t0) + ', ' + (c2s ? 'client \u2192 server' : 'server \u2192 client') +
      '\n' + lbl + ' win=' + p[P_WIN] + '\n' + role;
    if (p[P_LABEL]) tip += '\nHTTP: ' + p[P_LABEL];
    var names = [];
    if (p[P_EXPL]) p[P_EXPL].forEach(function (x) { tip += '\n\u26a0 ' + x[1]; });
    for (var i = 0; i < AN.length; i++) if (p[P_AN] & (1 << i)) names.push(AN[i][0].replace(/_/g, ' '));
    g.appendChild(sv('title', { text: tip }));
    g.appendChild(sv('text', { cls: 'gut fr', x: 6, y: top + 18, text: p[P_FRAME] }));
    g.appendChild(sv('text', { cls: 'gut', x: L.GUT - 4, y: top + 18, 'text-anchor': 'end', text: '+' + dur(p[P_T] - t0) }));
    var x1 = c2s ? L.CX : L.SX, x2 = c2s ? L.SX : L.CX;
    g.appendChild(sv('text', { cls: 'lbl', x: (L.CX + L.SX) / 2, y: top + 11, 'text-anchor': 'middle', text: lbl }));
    arrow(g, x1, top + 15, x2, top + 23);
    if (p[P_LABEL]) g.appendChild(sv('text', { cls: 'http', x: (L.CX + L.SX) / 2, y: top + 37, 'text-anchor': 'middle', text: clip(p[P_LABEL], 64) }));
    var note = names.length ? '\u26a0 ' + names.join(', ') : role;
    g.appendChild(sv('text', { cls: 'note', x: L.NOTE, y: top + 18, text: clip(note, 38) }));
    if (cls === 'anomaly') {
      var mx = (L.CX + L.SX) / 2 + (c2s ? 120 : -120), my = top + 19;
      g.appendChild(sv('circle', { cls: 'badge', cx: mx, cy: my, r: 7 }));
      g.appendChild(sv('text', { cls: 'badge-t', x: mx, y: my + 3.5, 'text-anchor': 'middle', text: '!' }));
    }
    return g;
  }

  /* ------------------------------------------------------- HTTP waterfall */
  function txnTitle(t) {
    var req = t[H_METHOD] !== null ? t[H_METHOD] + ' ' + clip(t[H_URI] || '', 120) : '(request not captured)';
    var resp = t[H_STATUS] ? t[H_STATUS] + ' ' + (t[H_REASON] || '') : 'no response';
    return req + ' \u2192 ' + resp;
  }
  function timingWords(t) {
    var parts = [];
    if (t[H_CONNECT] !== null) parts.push('connect ' + dur(t[H_CONNECT]));
    if (t[H_SEND] !== null) parts.push('send ' + dur(t[H_SEND]));
    if (t[H_WAIT] !== null) parts.push('wait ' + dur(t[H_WAIT]));
    if (t[H_RECV] !== null) parts.push('receive ' + dur(t[H_RECV]));
    return parts.length ? ' (' + parts.join(', ') + ')' : '';
  }
  /* [start, end] of each bar of a transaction, in capture seconds. */
  function bars(t) {
    var out = [];
    if (t[H_CONNECT] !== null && t[H_CSTART] !== null) out.push(['connect', t[H_CSTART], t[H_CSTART] + t[H_CONNECT]]);
    if (t[H_REQ0] !== null) out.push(['send', t[H_REQ0], t[H_REQ1]]);
    if (t[H_REQ1] !== null && t[H_RESP0] !== null && t[H_RESP0] >= t[H_REQ1]) out.push(['wait', t[H_REQ1], t[H_RESP0]]);
    if (t[H_RESP0] !== null) out.push(['receive', t[H_RESP0], t[H_RESP1]]);
    return out;
  }
  function span(list) {
    var lo = Infinity, hi = -Infinity;
    list.forEach(function (t) { bars(t).forEach(function (b) { if (b[1] < lo) lo = b[1]; if (b[2] > hi) hi = b[2]; }); });
    if (lo === Infinity) { lo = 0; hi = 1; }
    if (hi - lo < 1e-6) hi = lo + 1e-6;
    return [lo, hi];
  }
  var wf = { page: 0, zoom: false, order: null, all: null };

  function drawWaterfall() {
    var box = $('sf-waterfall');
    box.textContent = '';
    if (!wf.order) {
      wf.order = txns.slice().sort(function (a, b) {
        var x = a[H_REQ0] !== null ? a[H_REQ0] : a[H_RESP0], y = b[H_REQ0] !== null ? b[H_REQ0] : b[H_RESP0];
        return (x === null ? Infinity : x) - (y === null ? Infinity : y) || a[H_CONN] - b[H_CONN] || a[H_N] - b[H_N];
      });
      wf.all = span(wf.order);
    }
    var pages = Math.max(1, Math.ceil(wf.order.length / PAGE));
    if (wf.page >= pages) wf.page = pages - 1;
    var list = wf.order.slice(wf.page * PAGE, wf.page * PAGE + PAGE);
    var sp = wf.zoom ? span(list) : wf.all, lo = sp[0], w = sp[1] - sp[0];
    $('sf-wf-page').textContent = 'page ' + (wf.page + 1) + ' of ' + pages;
    $('sf-wf-prev').disabled = wf.page === 0;
    $('sf-wf-next').disabled = wf.page >= pages - 1;
    $('sf-wf-count').textContent = num(txns.length) + ' transactions';
    if (!list.length) {
      box.appendChild(el('div', { cls: 'empty', text: 'No HTTP transaction in the capture.' }));
      return;
    }
    var axis = el('div', { cls: 'wf-track' });
    for (var q = 0; q <= 4; q++) {
      axis.appendChild(el('span', { cls: 'wf-tick' + (q === 0 ? ' first' : q === 4 ? ' last' : ''), text: dur(lo + w * q / 4) }));
      axis.lastChild.style.left = (q * 25) + '%';
    }
    box.appendChild(el('div', { cls: 'wf-row axis' }, [el('div', { cls: 'wf-label', text: 'request \u2192 response (time from the first frame)' }), axis, el('div', { cls: 'wf-total', text: 'total' })]));
    list.forEach(function (t) {
      var track = el('div', { cls: 'wf-track' });
      var bs = bars(t), first = Infinity, last = -Infinity;
      bs.forEach(function (b) {
        var bar = el('span', { cls: 'bar ' + b[0], title: b[0] + ' ' + dur(b[2] - b[1]) });
        bar.style.left = ((b[1] - lo) / w * 100) + '%';
        bar.style.width = ((b[2] - b[1]) / w * 100) + '%';
        track.appendChild(bar);
        if (b[1] < first) first = b[1];
        if (b[2] > last) last = b[2];
      });
      var st = t[H_STATUS];
      var label = el('div', { cls: 'wf-label', title: txnTitle(t) + timingWords(t) + (t[H_HOST] ? '\nhost ' + t[H_HOST] : '') +
        (t[H_CTYPE] ? '\n' + t[H_CTYPE] : '') + '\nbody ' + num(t[H_BODY]) + ' bytes' + (t[H_COMPLETE] ? '' : ', incomplete') +
        (t[H_INTERIM].length ? '\ninterim ' + t[H_INTERIM].join(', ') : '') + (t[H_TUNNEL] ? '\ntunnel ' + t[H_TUNNEL] : '') +
        '\nframes: request ' + t[H_REQF] + ', response ' + t[H_RESPF0] + '\u2026' + t[H_RESPF] + '\nclick: open the connection' }, [
        el('span', { cls: 'c', text: '#' + t[H_CONN] + '.' + t[H_N] + ' ' }),
        t[H_METHOD] !== null ? t[H_METHOD] + ' ' + clip(t[H_URI] || '', 90) : '(no request)',
        ' \u2192 ',
        el('span', { cls: 'st e' + String(st).charAt(0), text: st ? String(st) : '\u2013' })
      ]);
      label.addEventListener('click', openConn.bind(null, t[H_CONN]));
      box.appendChild(el('div', { cls: 'wf-row', 'data-txn': t[H_CONN] + ':' + t[H_N], 'data-conn': t[H_CONN] },
        [label, track, el('div', { cls: 'wf-total', text: last > first ? dur(last - first) : '\u2013' })]));
    });
  }

  /* --------------------------------------------------------------- wiring */
  function main() {
    drawSummary();
    applyView();
    drawHead();
    var timer = null;
    $('sf-filter').addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { view.filter = $('sf-filter').value; view.page = 0; applyView(); drawRows(); }, 120);
    });
    $('sf-only-anom').addEventListener('change', function () { view.onlyAnom = this.checked; view.page = 0; applyView(); drawRows(); });
    $('sf-prev').addEventListener('click', function () { if (view.page > 0) { view.page--; drawRows(); } });
    $('sf-next').addEventListener('click', function () { view.page++; applyView(); drawRows(); });
    $('sf-wf-prev').addEventListener('click', function () { if (wf.page > 0) { wf.page--; drawWaterfall(); } });
    $('sf-wf-next').addEventListener('click', function () { wf.page++; drawWaterfall(); });
    $('sf-wf-zoom').addEventListener('change', function () { wf.zoom = this.checked; drawWaterfall(); });
    drawRows();
    drawWaterfall();
    /* #conn=N opens a connection (links, and the browser test). */
    var m = /(?:^|[#&])conn=(\d+)/.exec(location.hash);
    if (m && connById.has(Number(m[1]))) openConn(Number(m[1]));
    window.addEventListener('hashchange', function () {
      var h = /(?:^|[#&])conn=(\d+)/.exec(location.hash);
      if (h) openConn(Number(h[1]));
    });
    document.body.setAttribute('data-conns', String(conns.length));
    document.body.setAttribute('data-txns', String(txns.length));
    document.body.setAttribute('data-ready', '1');
  }

  try {
    main();
  } catch (e) {
    window.sfRecordError('exception: ' + (e && e.stack ? e.stack : e));
  }
})();
