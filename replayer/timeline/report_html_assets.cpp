// Stylesheet and script of the HTML report (docs/report-html.md). The script
// reads the JSON in <script id="reprobe-data"> (replayer/timeline/report_html_data.h)
// and draws the SVG timeline; it uses no network and no external code.
#include "replayer/timeline/report_html_assets.h"

namespace reprobe {

namespace {

constexpr std::string_view kCss = R"CSS(
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #ffffff; --band: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
header, main, footer { padding: 0 24px; }
header { border-bottom: 1px solid var(--line); background: var(--band); padding-top: 8px; padding-bottom: 8px; }
h1 { font-size: 20px; margin: 6px 0; }
h1 .file { font-weight: normal; color: var(--muted); font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 16px; }
h2 { font-size: 16px; margin: 20px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.lead { margin: 4px 0; font-size: 15px; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; background: #eff2f5; padding: 0 3px; border-radius: 3px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--band); }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
#verdicts tr.ok td:nth-child(2) { color: #1a7f37; font-weight: 600; }
#verdicts tr.bad td:nth-child(2) { color: #cf222e; }
#verdicts tr.selected td { background: #f3e8ff; }
table.kv th { background: var(--band); font-weight: 600; white-space: nowrap; }
.controls { display: flex; flex-wrap: wrap; gap: 8px 18px; align-items: center; margin: 6px 0; }
.controls select, .controls input[type=search] { font: inherit; padding: 2px 4px; }
.controls input[type=search] { width: 220px; }
.controls button { font: inherit; padding: 2px 10px; }
#legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12.5px; color: var(--fg); margin: 6px 0; }
#legend span { display: inline-flex; align-items: center; gap: 4px; }
.notes { color: var(--muted); font-size: 12.5px; margin: 4px 0; }
#timeline { overflow-x: auto; border: 1px solid var(--line); border-radius: 4px; }
#timeline svg { display: block; font: 12px system-ui, "DejaVu Sans", sans-serif; }
#timeline .lbl { fill: var(--fg); }
#timeline .lbl.target { font-weight: 700; }
#timeline .sub { fill: var(--muted); font-size: 10.5px; }
#timeline .axis text { fill: var(--muted); font-size: 10.5px; }
#timeline .cnt { font-size: 10px; fill: #1f2328; }
#timeline .mk { font-size: 10.5px; fill: #4a3a6b; }
footer { color: var(--muted); font-size: 12px; padding-top: 16px; padding-bottom: 16px; }
)CSS";

constexpr std::string_view kJs = R"JS(
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('reprobe-data').textContent);
  var S = D.strings, KIND = D.markKinds;
  var OUT = ['bound', 'deferred', 'failed', 'rejected', 'unfinished'];
  var COL = { bound: '#2da44e', deferred: '#e3a008', failed: '#cf222e', rejected: '#8c959f', unfinished: '#8250df' };
  var SVGNS = 'http://www.w3.org/2000/svg';
  var LABEL_W = 270, PAD_R = 16, AXIS_H = 34, ROW = 24, OVROW = 16, GAP_PX = 34, MAX_ARROWS = 80;
  var state = { overlay: -1, healthy: false, filter: '', linear: false };

  function el(tag, attrs, parent) {
    var n = document.createElementNS(SVGNS, tag);
    for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) n.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(n);
    return n;
  }
  function tip(n, text) { var t = el('title', {}, n); t.textContent = text; return n; }
  function txt(parent, x, y, s, cls, anchor) {
    var t = el('text', { x: x, y: y, 'class': cls || '' }, parent);
    if (anchor) t.setAttribute('text-anchor', anchor);
    t.textContent = s;
    return t;
  }
  function fmtT(ns) {
    var s = Math.floor(ns / 1e9), us = Math.floor((ns % 1e9) / 1e3);
    return s + '.' + String(us).padStart(6, '0') + ' s';
  }
  function fmtGap(ns) {
    if (ns < 1e3) return ns + ' ns';
    if (ns < 1e6) return (ns / 1e3).toFixed(1) + ' \u00b5s';
    if (ns < 1e9) return (ns / 1e6).toFixed(ns < 1e7 ? 2 : 0) + ' ms';
    return (ns / 1e9).toFixed(2) + ' s';
  }
  function plural(n, one, many) { return n + ' ' + (n === 1 ? one : many); }

  // Items of each timeline grouped by lane, computed once.
  var lanesN = D.lanes.length;
  function index(tl) {
    var by = [];
    for (var i = 0; i < lanesN; i++) by.push({ p: [], pr: [], m: [], mr: [], f: [], fr: [] });
    tl.p.forEach(function (x, i) { by[x[0]].p.push(i); });
    tl.pr.forEach(function (x) { by[x[0]].pr.push(x); });
    tl.m.forEach(function (x) { by[x[0]].m.push(x); });
    tl.mr.forEach(function (x) { by[x[0]].mr.push(x); });
    tl.f.forEach(function (x) { by[x[0]].f.push(x); });
    tl.fr.forEach(function (x) { by[x[0]].fr.push(x); });
    return by;
  }
  var IDX = D.timelines.map(index);
  var SAME = D.timelines.map(function (tl) {
    var m = {};
    (tl.same || []).forEach(function (l) { m[l] = true; });
    return m;
  });

  function instants(tl, out) {
    tl.p.forEach(function (x) { out.push(x[1], x[2]); });
    tl.pr.forEach(function (x) { out.push(x[1], x[2]); });
    tl.m.forEach(function (x) { if (KIND[x[2]] !== 'device_add') out.push(x[1]); });
    tl.mr.forEach(function (x) { out.push(x[1], x[2]); });
    tl.g.forEach(function (x) { out.push(x[0]); });
    tl.gr.forEach(function (x) { out.push(x[0], x[1]); });
    tl.w.forEach(function (x) { out.push(x[0], x[1]); });
    tl.f.forEach(function (x) { out.push(x[1], x[3]); });
  }

  // Piecewise-linear time scale: quiet stretches longer than 4% of the span
  // (and than 1 ms) are cut to GAP_PX so bursts of activity stay readable.
  function makeScale(width) {
    var pts = [];
    instants(D.timelines[0], pts);
    if (state.overlay > 0) instants(D.timelines[state.overlay], pts);
    if (!pts.length) pts.push(0, D.end || 1);
    pts.sort(function (a, b) { return a - b; });
    var lo = pts[0], hi = pts[pts.length - 1];
    if (hi <= lo) hi = lo + 1000;
    var span = hi - lo, pad = span * 0.01;
    lo = Math.max(0, lo - pad); hi = hi + pad; span = hi - lo;
    var segs = [], gaps = [];
    var thr = Math.max(span * 0.04, 1e6);
    var start = lo, prev = lo;
    if (!state.linear) {
      for (var i = 0; i < pts.length; i++) {
        var p = pts[i];
        if (p - prev > thr) { segs.push([start, prev]); gaps.push([prev, p]); start = p; }
        prev = Math.max(prev, p);
      }
    }
    segs.push([start, hi]);
    var busy = 0;
    segs.forEach(function (s) { busy += Math.max(s[1] - s[0], 1); });
    var avail = Math.max(width - gaps.length * GAP_PX, 50);
    var k = avail / busy, x = 0, bps = [];
    segs.forEach(function (s, j) {
      var w = Math.max(s[1] - s[0], 1) * k;
      bps.push({ t0: s[0], t1: s[1], x0: x, x1: x + w });
      x += w;
      if (j < gaps.length) x += GAP_PX;
    });
    function sx(t) {
      for (var i = 0; i < bps.length; i++) {
        var b = bps[i];
        if (t <= b.t1 || i === bps.length - 1) {
          if (t < b.t0) return i === 0 ? b.x0 : bps[i - 1].x1 + (b.x0 - bps[i - 1].x1) * 0.5;
          return b.x0 + (Math.min(t, b.t1) - b.t0) * (b.x1 - b.x0) / Math.max(b.t1 - b.t0, 1);
        }
      }
      return 0;
    }
    return { x: sx, bps: bps, gaps: gaps };
  }

  function niceStep(nsPerPx) {
    var raw = nsPerPx * 110, p = Math.pow(10, Math.floor(Math.log10(raw)));
    var m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }
  function tickLabel(t, step) {
    var dec = Math.max(0, Math.min(6, Math.ceil(-Math.log10(step / 1e9))));
    return (t / 1e9).toFixed(dec) + ' s';
  }

  function laneVisible(i) {
    var l = D.lanes[i];
    if (l[0] === 1) return IDX.some(function (ix) { var b = ix[i]; return b.m.length || b.mr.length; });
    if (l[0] === 0) return true;
    if (state.filter) {
      var f = state.filter;
      return S[l[1]].toLowerCase().indexOf(f) >= 0 || S[l[2]].toLowerCase().indexOf(f) >= 0;
    }
    return state.healthy || !l[4];
  }

  var MARK_DESC = {
    deferral: 'deferred', bind: 'bound', unbind: 'unbound', resource: 'registered', resource_gone: 'unregistered',
    module_request: 'request_module', module_load: 'module load', driver_register: 'driver_register',
    card_register: 'snd_card_register', late_initcall: 'late_initcall (triggers become live)',
    timeout_armed: 'deferred_probe_timeout armed', timeout_extended: 'deferred_probe_timeout extended',
    timeout_fired: 'deferred_probe_timeout fired', device_add: 'device_add', device_del: 'device_del'
  };

  function drawMark(g, kind, x, y, h, ov, label) {
    var c = ov ? '#6f42c1' : null, n;
    var mid = y + h / 2;
    switch (kind) {
      case 'deferral':
        n = el('path', { d: 'M' + (x - 5) + ' ' + y + 'L' + (x + 5) + ' ' + y + 'L' + x + ' ' + (y + 8) + 'Z', fill: c || '#9a3412', stroke: '#fff', 'stroke-width': 0.8 }, g); break;
      case 'bind':
        n = el('path', { d: 'M' + x + ' ' + (mid - 6) + 'L' + (x + 6) + ' ' + mid + 'L' + x + ' ' + (mid + 6) + 'L' + (x - 6) + ' ' + mid + 'Z', fill: c || '#116329', stroke: '#fff', 'stroke-width': 1 }, g); break;
      case 'unbind':
        n = el('path', { d: 'M' + x + ' ' + (mid - 6) + 'L' + (x + 6) + ' ' + mid + 'L' + x + ' ' + (mid + 6) + 'L' + (x - 6) + ' ' + mid + 'Z', fill: '#fff', stroke: c || '#57606a', 'stroke-width': 1.5 }, g); break;
      case 'resource':
        n = el('circle', { cx: x, cy: mid, r: 5, fill: c || '#0969da', stroke: '#fff', 'stroke-width': 1 }, g); break;
      case 'resource_gone':
        n = el('circle', { cx: x, cy: mid, r: 4.5, fill: '#fff', stroke: c || '#0969da', 'stroke-width': 1.5 }, g); break;
      case 'module_request':
        n = el('path', { d: 'M' + (x - 5) + ' ' + (y + h) + 'L' + (x + 5) + ' ' + (y + h) + 'L' + x + ' ' + (y + h - 9) + 'Z', fill: c || '#8250df' }, g); break;
      case 'module_load':
        n = el('rect', { x: x - 4, y: mid - 4, width: 8, height: 8, fill: c || '#8250df' }, g); break;
      case 'card_register':
        n = el('rect', { x: x - 5, y: mid - 5, width: 10, height: 10, fill: c || '#bf8700', stroke: '#fff', transform: 'rotate(45 ' + x + ' ' + mid + ')' }, g); break;
      case 'device_add': case 'device_del':
        n = el('circle', { cx: x, cy: mid, r: 2.5, fill: c || '#8c959f' }, g); break;
      default:
        n = el('line', { x1: x, x2: x, y1: y + 2, y2: y + h - 2, stroke: c || '#57606a', 'stroke-width': 2 }, g);
    }
    if (ov) n.setAttribute('class', 'ov');
    if (label) txt(g, x + 7, mid + 4, label, 'mk');
    return n;
  }

  function render() {
    var host = document.getElementById('timeline');
    var width = Math.max(host.clientWidth || 1100, 900);
    var plotW = width - LABEL_W - PAD_R;
    var sc = makeScale(plotW);
    var X = function (t) { return LABEL_W + sc.x(t); };
    var ov = state.overlay > 0 ? D.timelines[state.overlay] : null;
    var vis = [], healthyHidden = 0, deviceLanes = 0;
    for (var i = 0; i < lanesN; i++) {
      if (D.lanes[i][0] === 2) { deviceLanes++; if (D.lanes[i][4] && !laneVisible(i)) healthyHidden++; }
      if (laneVisible(i)) vis.push(i);
    }
    var visSet = {};
    vis.forEach(function (i) { visSet[i] = true; });
    function arrowCount(tl) {
      var n = 0;
      tl.g.forEach(function (t) { t[4].forEach(function (pi) { if (visSet[tl.p[pi][0]]) n++; }); });
      return n;
    }
    // Past MAX_ARROWS the arrows hide everything: retries get a small marker instead (hover names the trigger).
    state.arrowsObs = arrowCount(D.timelines[0]) <= MAX_ARROWS;
    state.arrowsOv = !ov || arrowCount(ov) <= MAX_ARROWS;
    var laneH = ROW + (ov ? OVROW + 2 : 0) + 8;
    var height = AXIS_H + vis.length * laneH + 8;
    var svg = el('svg', { id: 'timeline-svg', width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, role: 'img' });
    tip(svg, 'probe timeline, one lane per device');
    var defs = el('defs', {}, svg);
    OUT.forEach(function (o) {
      var pt = el('pattern', { id: 'hatch-' + o, width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' }, defs);
      el('rect', { width: 6, height: 6, fill: COL[o], opacity: 0.45 }, pt);
      el('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: COL[o], 'stroke-width': 3 }, pt);
    });
    [['arrow', '#0a3069'], ['arrow-ov', '#6f42c1']].forEach(function (a) {
      var mk = el('marker', { id: a[0], viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
      el('path', { d: 'M0 0L10 5L0 10Z', fill: a[1] }, mk);
    });

    // Axis and gaps.
    var axis = el('g', { 'class': 'axis' }, svg);
    el('line', { x1: LABEL_W, x2: width - PAD_R, y1: AXIS_H - 6, y2: AXIS_H - 6, stroke: '#8c959f' }, axis);
    sc.bps.forEach(function (b) {
      var w = b.x1 - b.x0;
      if (w < 30) return;
      var step = niceStep((b.t1 - b.t0) / w);
      for (var t = Math.ceil(b.t0 / step) * step; t <= b.t1; t += step) {
        var x = LABEL_W + b.x0 + (t - b.t0) * w / Math.max(b.t1 - b.t0, 1);
        el('line', { x1: x, x2: x, y1: AXIS_H - 10, y2: height, stroke: '#eaeef2' }, axis);
        txt(axis, x, AXIS_H - 13, tickLabel(t, step), '', 'middle');
      }
    });
    sc.gaps.forEach(function (gp) {
      var x0 = X(gp[0]) + 3, x1 = X(gp[1]) - 3;
      var r = el('rect', { x: x0, y: AXIS_H - 8, width: Math.max(x1 - x0, 2), height: height - AXIS_H + 8, fill: '#eef1f4', 'class': 'gap' }, axis);
      tip(r, 'quiet for ' + fmtGap(gp[1] - gp[0]) + ' (' + fmtT(gp[0]) + ' \u2192 ' + fmtT(gp[1]) + '), compressed');
      el('path', { d: 'M' + (x0 + 4) + ' ' + (AXIS_H - 2) + 'l4 -8M' + (x0 + 9) + ' ' + (AXIS_H - 2) + 'l4 -8', stroke: '#57606a' }, axis);
      txt(axis, (x0 + x1) / 2, AXIS_H - 22, '\u2248' + fmtGap(gp[1] - gp[0]), '', 'middle');
    });
    txt(axis, 8, AXIS_H - 13, 'lane', '');

    var laneY = {};
    var lanesG = el('g', { id: 'lanes' }, svg);
    vis.forEach(function (li, k) {
      var y = AXIS_H + k * laneH;
      laneY[li] = y;
      var L = D.lanes[li];
      var kind = L[0] === 0 ? 'core' : L[0] === 1 ? 'modules' : 'device';
      var g = el('g', { 'class': 'lane', 'data-lane': S[L[1]], 'data-kind': kind, 'data-healthy': L[4] ? '1' : '0' }, lanesG);
      if (k % 2 === 0) el('rect', { x: 0, y: y, width: width, height: laneH, fill: '#fbfcfd' }, g);
      el('line', { x1: 0, x2: width, y1: y + laneH, y2: y + laneH, stroke: '#eaeef2' }, g);
      var name = S[L[1]];
      if (name.length > 34) name = name.slice(0, 33) + '\u2026';
      var lt = txt(g, 8, y + 14, (L[3] ? '\u2605 ' : '') + name, 'lbl' + (L[3] ? ' target' : ''));
      tip(lt, S[L[1]] + (L[3] ? ' (target)' : ''));
      var sub = kind === 'core' ? 'triggers, deferred work, timeout' : kind === 'modules' ? 'module requests and loads'
        : S[L[2]] + ' \u00b7 ' + plural(L[5], 'attempt', 'attempts') + (L[6] ? ' \u00b7 ' + L[6] + ' deferred' : '') + (L[7] ? '' : ' \u00b7 never bound');
      var st = txt(g, 8, y + 27, sub.length > 44 ? sub.slice(0, 43) + '\u2026' : sub, 'sub');
      if (sub.length > 44) tip(st, sub);
      drawRow(g, li, 0, y + 2, ROW - 2, false, X);
      if (ov) {
        var oy = y + ROW + 2;
        el('rect', { x: LABEL_W, y: oy, width: plotW, height: OVROW, fill: '#f5f0ff', 'class': 'ovrow' }, g);
        txt(g, LABEL_W - 6, oy + 11, 'replay', 'sub', 'end');
        drawRow(g, li, state.overlay, oy + 1, OVROW - 2, true, X);
      }
    });

    // Vertical lines across all lanes: late_initcall and the timeout.
    var vl = el('g', { id: 'global-marks' }, svg);
    function globals(tl, ovl) {
      tl.m.forEach(function (m) {
        var k = KIND[m[2]];
        if (m[0] !== 0 || (k !== 'timeout_fired' && k !== 'late_initcall')) return;
        var x = X(m[1]);
        var ln = el('line', { x1: x, x2: x, y1: AXIS_H - 6, y2: height, stroke: ovl ? '#6f42c1' : (k === 'timeout_fired' ? '#cf222e' : '#57606a'),
          'stroke-width': 1.5, 'stroke-dasharray': ovl ? '2 3' : (k === 'timeout_fired' ? '6 3' : '3 3'), 'class': ovl ? 'ov' : '' }, vl);
        tip(ln, (ovl ? 'replay: ' : '') + MARK_DESC[k] + ' at ' + fmtT(m[1]));
        txt(vl, x + 3, AXIS_H + 10 + (ovl ? 10 : 0), k === 'timeout_fired' ? 'timeout' : 'late_initcall', 'mk');
      });
    }
    globals(D.timelines[0], false);
    if (ov) globals(ov, true);

    // Trigger -> retry arrows.
    var ar = el('g', { id: 'arrows' }, svg);
    function arrows(tl, ovl) {
      if (laneY[0] === undefined) return;
      var y0 = laneY[0] + (ovl ? ROW + 2 + OVROW / 2 : ROW / 2);
      tl.g.forEach(function (t) {
        t[4].forEach(function (pi) {
          var p = tl.p[pi];
          if (laneY[p[0]] === undefined) return;
          var x0 = X(t[0]), x1 = X(p[1]);
          var y1 = laneY[p[0]] + (ovl ? ROW + 2 + OVROW / 2 : ROW / 2);
          var cx = x0 + Math.max(12, (x1 - x0) / 2);
          var path = el('path', { d: 'M' + x0 + ' ' + y0 + 'C' + cx + ' ' + y0 + ' ' + (x1 - 14) + ' ' + y1 + ' ' + (x1 - 1) + ' ' + y1,
            fill: 'none', stroke: ovl ? '#6f42c1' : '#0a3069', 'stroke-width': 1.2, opacity: 0.7,
            'marker-end': 'url(#' + (ovl ? 'arrow-ov' : 'arrow') + ')', 'class': 'retry-arrow' + (ovl ? ' ov' : '') }, ar);
          if (ovl) path.setAttribute('stroke-dasharray', '4 2');
          tip(path, (ovl ? 'replay: ' : '') + 'trigger (' + S[t[1]] + ') at ' + fmtT(t[0]) + ' \u2192 retry of ' + S[D.lanes[p[0]][1]] + ' at ' + fmtT(p[1]));
        });
      });
    }
    if (state.arrowsObs) arrows(D.timelines[0], false);
    if (ov && state.arrowsOv) arrows(ov, true);

    host.replaceChildren(svg);
    var btn = document.getElementById('toggle-healthy');
    var healthyTotal = D.lanes.filter(function (l) { return l[0] === 2 && l[4]; }).length;
    btn.textContent = state.healthy ? 'Collapse ' + plural(healthyTotal, 'healthy device', 'healthy devices') : 'Show ' + plural(healthyTotal, 'healthy device', 'healthy devices');
    btn.disabled = healthyTotal === 0;
    var shown = vis.filter(function (i) { return D.lanes[i][0] === 2; }).length;
    document.getElementById('notes').textContent = 'Showing ' + shown + ' of ' + plural(deviceLanes, 'device lane', 'device lanes') +
      (healthyHidden ? '; ' + plural(healthyHidden, 'healthy device is', 'healthy devices are') + ' collapsed (bound on the first attempt, never deferred)' : '') +
      (state.filter ? '; filter "' + state.filter + '"' : '') + '. Time runs left to right' + (sc.gaps.length ? '; ' + plural(sc.gaps.length, 'quiet stretch is', 'quiet stretches are') + ' compressed (grey bands, hover for the length)' : '') +
      '. Hover any bar or mark for details.' + (ov ? ' Purple rows: the replay of ' + S[ov.name] + ' on the same lanes.' : '') +
      (!state.arrowsObs || !state.arrowsOv ? ' Too many trigger\u2192retry arrows to draw (over ' + MAX_ARROWS + '): a \u25b8 before a probe marks a retry (hover: its trigger); filter to fewer devices to see the arrows.' : '');
    var rows = document.querySelectorAll('#verdicts tbody tr');
    for (var r = 0; r < rows.length; r++) rows[r].classList.toggle('selected', !!ov && rows[r].getAttribute('data-policy') === S[ov.name]);
  }

  function drawRow(g, li, ti, y, h, ovl, X) {
    var tl = D.timelines[ti], b = IDX[ti][li];
    if (ovl && SAME[ti] && SAME[ti][li]) {
      txt(g, LABEL_W + 6, y + h - 3, 'same attempts and outcomes as the capture (times may shift; left out to keep the page small)', 'sub ov');
      return;
    }
    if (ovl && D.lanes[li][0] === 2 && D.lanes[li][4]) {
      txt(g, LABEL_W + 6, y + h - 3, 'healthy: bound on the first attempt under every policy', 'sub ov');
      return;
    }
    var pre = ovl ? 'replay ' + S[tl.name] + ': ' : '';
    var bar = ovl ? h - 2 : Math.round(h * 0.55);
    if (li === 0) {
      tl.w.forEach(function (w) {
        var x0 = X(w[0]), r = el('rect', { x: x0, y: y + 1, width: Math.max(X(w[1]) - x0, 2), height: h - 2, fill: ovl ? '#e2d9f3' : '#c8e1ff', 'class': ovl ? 'ov' : '' }, g);
        tip(r, pre + 'deferred_probe_work_func ' + fmtT(w[0]) + ' \u2192 ' + fmtT(w[1]) + ' (' + fmtGap(w[1] - w[0]) + ')' + (w[2] ? '' : ', still running at the end'));
      });
      tl.wr.forEach(function (w) {
        var x0 = X(w[0]), r = el('rect', { x: x0, y: y + 1, width: Math.max(X(w[1]) - x0, 2), height: h - 2, fill: '#c8e1ff', opacity: 0.6, 'class': ovl ? 'ov' : '' }, g);
        tip(r, pre + w[2] + ' deferred-work rounds folded, ' + fmtT(w[0]) + ' \u2192 ' + fmtT(w[1]));
      });
      tl.g.forEach(function (t) {
        var x = X(t[0]);
        var ln = el('line', { x1: x, x2: x, y1: y, y2: y + h, stroke: t[3] ? '#afb8c1' : (ovl ? '#6f42c1' : '#0a3069'), 'stroke-width': 2, 'class': 'trigger' + (ovl ? ' ov' : '') }, g);
        tip(ln, pre + (t[3] ? 'ignored trigger (before late_initcall): ' : 'trigger: ') + S[t[1]] + (t[2] ? ' #' + t[2] : '') + ' at ' + fmtT(t[0]) +
          (t[4].length ? ' \u2192 ' + plural(t[4].length, 'retry', 'retries') : ''));
      });
      tl.gr.forEach(function (t) {
        var x0 = X(t[0]), r = el('rect', { x: x0, y: y, width: Math.max(X(t[1]) - x0, 3), height: h, fill: 'url(#hatch-rejected)', 'class': ovl ? 'ov' : '' }, g);
        tip(r, pre + t[2] + ' triggers folded (' + t[4].map(function (c) { return S[c]; }).join(', ') + '), ' + fmtT(t[0]) + ' \u2192 ' + fmtT(t[1]) + ', ' + plural(t[3], 'retry', 'retries'));
      });
    }
    b.f.forEach(function (f) {
      var x0 = X(f[1]), x1 = X(f[3]);
      var r = el('rect', { x: x0, y: y + bar + 1, width: Math.max(x1 - x0, 2), height: ovl ? 2 : 5, fill: '#1b7c83', 'class': 'fw' + (ovl ? ' ov' : '') }, g);
      tip(r, pre + 'firmware ' + S[f[4]] + ' (' + (f[5] ? 'request_firmware_nowait' + (S[f[8]] ? ', callback ' + S[f[8]] : '') : 'request_firmware') + '): ' +
        fmtT(f[1]) + ' \u2192 ' + (f[7] ? fmtT(f[2]) + ', ret ' + f[6] : 'no answer by the end') + (f[3] !== f[2] ? '; callback until ' + fmtT(f[3]) : ''));
    });
    b.fr.forEach(function (f) {
      var x0 = X(f[1]);
      tip(el('rect', { x: x0, y: y + bar + 1, width: Math.max(X(f[2]) - x0, 2), height: 5, fill: '#1b7c83', opacity: 0.5 }, g), pre + f[3] + ' firmware requests folded');
    });
    b.p.forEach(function (pi) {
      var p = tl.p[pi], o = OUT[p[3]], x0 = X(p[1]);
      var r = el('rect', { x: x0, y: y, width: Math.max(X(p[2]) - x0, 3), height: bar, rx: 1.5, fill: COL[o], 'class': 'probe ' + o + (ovl ? ' ov' : '') }, g);
      if (ovl) { r.setAttribute('stroke', '#4c2889'); r.setAttribute('stroke-width', 0.8); }
      var why = p[5] >= 0 ? 'retry after trigger ' + S[tl.g[p[5]][1]] + ' at ' + fmtT(tl.g[p[5]][0]) : '';
      tip(r, pre + 'probe ' + S[p[4]] + ': ' + o + ', ' + fmtT(p[1]) + ' \u2192 ' + fmtT(p[2]) + ' (' + fmtGap(p[2] - p[1]) + ')' + (why ? '; ' + why : ''));
      if (p[5] >= 0 && !(ovl ? state.arrowsOv : state.arrowsObs)) {
        var m = el('path', { d: 'M' + (x0 - 6) + ' ' + y + 'L' + x0 + ' ' + (y + bar / 2) + 'L' + (x0 - 6) + ' ' + (y + bar) + 'Z',
          fill: ovl ? '#6f42c1' : '#0a3069', 'class': 'retry-mark' + (ovl ? ' ov' : '') }, g);
        tip(m, pre + why);
      }
    });
    b.pr.forEach(function (p) {
      var n = p[3] + p[4] + p[5] + p[6] + p[7], dom = 0;
      for (var k = 1; k < 5; k++) if (p[3 + k] > p[3 + dom]) dom = k;
      var x0 = X(p[1]), w = Math.max(X(p[2]) - x0, 4);
      var r = el('rect', { x: x0, y: y, width: w, height: bar, fill: 'url(#hatch-' + OUT[dom] + ')', stroke: COL[OUT[dom]], 'class': 'run' + (ovl ? ' ov' : '') }, g);
      var parts = [];
      for (var q = 0; q < 5; q++) if (p[3 + q]) parts.push(p[3 + q] + ' ' + OUT[q]);
      tip(r, pre + n + ' probe attempts folded, ' + fmtT(p[1]) + ' \u2192 ' + fmtT(p[2]) + ': ' + parts.join(', '));
      if (w > 26) txt(g, x0 + 3, y + bar - 2, '\u00d7' + n, 'cnt');
    });
    var lastLabelX = -1e9;
    b.m.forEach(function (m) {
      var k = KIND[m[2]], x = X(m[1]);
      if (li === 0 && (k === 'timeout_fired' || k === 'late_initcall')) return;  // drawn across all lanes
      if (k === 'device_add' && !ovl && b.p.length) return;
      var label = null;
      if ((li === 1 || (li === 0 && k !== 'driver_register')) && x - lastLabelX > 90 && S[m[3]]) { label = S[m[3]]; lastLabelX = x; }
      var n = drawMark(g, k, x, k === 'deferral' ? y - 1 : y, h, ovl, label);
      tip(n, pre + MARK_DESC[k] + (S[m[3]] ? ': ' + S[m[3]] : '') + ' at ' + fmtT(m[1]));
    });
    b.mr.forEach(function (m) {
      var k = KIND[m[3]], x = X(m[1]);
      var n = drawMark(g, k, x, k === 'deferral' ? y - 1 : y, h, ovl, null);
      n.setAttribute('opacity', 0.75);
      txt(g, x + 6, y + 8, '\u00d7' + m[4], 'cnt');
      tip(n, pre + m[4] + ' \u00d7 ' + MARK_DESC[k] + ' folded, ' + fmtT(m[1]) + ' \u2192 ' + fmtT(m[2]) + (m[5].length ? ': ' + m[5].map(function (s) { return S[s]; }).join(' | ') : ''));
    });
  }

  function legend() {
    var L = document.getElementById('legend');
    function item(draw, text) {
      var s = document.createElement('span');
      var svg = el('svg', { width: 22, height: 14, viewBox: '0 0 22 14' });
      draw(svg);
      s.appendChild(svg);
      s.appendChild(document.createTextNode(text));
      L.appendChild(s);
    }
    OUT.forEach(function (o) { item(function (s) { el('rect', { x: 1, y: 3, width: 20, height: 8, rx: 1.5, fill: COL[o] }, s); }, 'probe ' + o); });
    item(function (s) { el('rect', { x: 1, y: 3, width: 20, height: 8, fill: 'url(#hatch-deferred)', stroke: COL.deferred }, s); }, 'folded attempts (\u00d7count)');
    item(function (s) { drawMark(s, 'deferral', 11, 2, 10, false); }, 'deferral (hover: reason)');
    item(function (s) { drawMark(s, 'bind', 11, 1, 12, false); }, 'bind');
    item(function (s) { drawMark(s, 'resource', 11, 1, 12, false); }, 'component/DAI/resource registered');
    item(function (s) { el('rect', { x: 1, y: 5, width: 20, height: 4, fill: '#1b7c83' }, s); }, 'firmware request \u2192 callback');
    item(function (s) { el('line', { x1: 11, x2: 11, y1: 0, y2: 14, stroke: '#0a3069', 'stroke-width': 2 }, s); }, 'trigger');
    item(function (s) { el('path', { d: 'M1 3C10 3 10 11 20 11', fill: 'none', stroke: '#0a3069' }, s); }, 'trigger \u2192 retry');
    item(function (s) { el('rect', { x: 1, y: 2, width: 20, height: 10, fill: '#c8e1ff' }, s); }, 'deferred-work round');
    item(function (s) { drawMark(s, 'module_request', 11, 1, 12, false); }, 'module request');
    item(function (s) { drawMark(s, 'module_load', 11, 1, 12, false); }, 'module load');
    item(function (s) { drawMark(s, 'card_register', 11, 1, 12, false); }, 'sound card registered');
    item(function (s) { el('line', { x1: 11, x2: 11, y1: 0, y2: 14, stroke: '#cf222e', 'stroke-width': 1.5, 'stroke-dasharray': '4 2' }, s); }, 'deferred_probe_timeout fired');
    item(function (s) { el('rect', { x: 1, y: 2, width: 20, height: 10, fill: '#f5f0ff', stroke: '#6f42c1' }, s); }, 'replayed policy (overlay row)');
  }

  var sel = document.getElementById('policy');
  if (!D.policies.length) {
    sel.disabled = true;
    sel.options[0].textContent = '(no replayed timelines in this report)';
  }
  sel.addEventListener('change', function () { state.overlay = parseInt(sel.value, 10); render(); });
  document.getElementById('filter').addEventListener('input', function (e) { state.filter = e.target.value.trim().toLowerCase(); render(); });
  document.getElementById('toggle-healthy').addEventListener('click', function () { state.healthy = !state.healthy; render(); });
  document.getElementById('linear').addEventListener('change', function (e) { state.linear = e.target.checked; render(); });
  var rows = document.querySelectorAll('#verdicts tbody tr');
  for (var r = 0; r < rows.length; r++) {
    rows[r].addEventListener('click', function () {
      var p = this.getAttribute('data-policy'), i = D.policies.indexOf(p);
      if (i >= 0) { sel.value = String(i + 1); state.overlay = i + 1; render(); }
    });
  }
  legend();
  render();
})();
)JS";

}  // namespace

std::string_view report_html_css() { return kCss; }
std::string_view report_html_js() { return kJs; }

}  // namespace reprobe
