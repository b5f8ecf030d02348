#!/usr/bin/env python3
"""diff_h2.py - HTTP/2 differential: synfin's streams against tshark's http2 dissector.

usage: diff_h2.py SYNFIN CAPTURE... --known FILE [--root DIR] [--verbose]

Per connection (tcp.stream), from tshark -T json (-o tcp.reassemble_out_of_order:TRUE):
every HEADERS frame with :method gives (stream, method, path), every
HEADERS with :status gives (stream, status) (interim 1xx included), every
PUSH_PROMISE gives (promised stream, method, path); synfin's http records
with a "stream" give the same from request / response / interim.  The sorted
lists must be equal.  Every remaining difference must be listed in the
known-differences file (capture, conn or "-", kind, reason; tab-separated);
a listed difference that no longer occurs is reported too.  The first
output line is the score.

Connection facts (the conn record's "http2" object), from tshark's frames
of each side: the first SETTINGS (its parameters in order) and the peer's
first SETTINGS ACK after it, the PINGs and the frames of their ACKs (paired
by opaque data), the last GOAWAY of each side (last stream id, error code),
WINDOW_UPDATE counts, and the flow-control stalls recomputed here from
tshark's DATA lengths, END_STREAM flags, INITIAL_WINDOW_SIZE settings and
WINDOW_UPDATE increments under the rule of docs/http.md (a window used up
by a DATA frame without END_STREAM, then opened by the peer, then DATA
again from the sender).  A server SETTINGS sent before the client's preface
is not dissected by tshark 4.0 (h2c prior knowledge): that side's SETTINGS
are then not comparable and are counted apart.
"""
import argparse
import json
import os
import subprocess
import sys
from collections import defaultdict


def pairs_hook(pairs):
    # tshark repeats keys (several http2.stream in one layer): keep them all.
    d = {}
    for k, v in pairs:
        if k in d:
            if not isinstance(d[k], list) or not getattr(d[k], "_multi", False):
                m = Multi([d[k]])
                d[k] = m
            d[k].append(v)
        else:
            d[k] = v
    return d


class Multi(list):
    _multi = True


def items(v):
    if isinstance(v, Multi):
        return list(v)
    if isinstance(v, list):
        return v
    return [v]


def walk_streams(layer):
    """Every http2.stream object (one per frame) under an http2 layer."""
    for obj in items(layer):
        if not isinstance(obj, dict):
            continue
        for s in items(obj.get("http2.stream", [])):
            if isinstance(s, dict):
                yield s


def headers_of(s):
    out = []
    for h in items(s.get("http2.header", [])):
        if isinstance(h, dict):
            n, v = h.get("http2.header.name"), h.get("http2.header.value")
            if isinstance(n, str):
                out.append((n, v if isinstance(v, str) else ""))
    return out


def tshark_h2(cap):
    out = subprocess.run(["tshark", "-r", cap, "-o", "tcp.reassemble_out_of_order:TRUE", "-T", "json",
                          "-J", "tcp http2", "-Y", "http2"], capture_output=True, text=True,
                         errors="replace").stdout
    res = defaultdict(lambda: {"req": [], "status": []})
    if not out.strip():
        return res
    for pkt in json.loads(out, object_pairs_hook=pairs_hook):
        layers = pkt["_source"]["layers"]
        tcp = items(layers.get("tcp"))[0]
        conn = int(tcp["tcp.stream"])
        for s in walk_streams(layers.get("http2", [])):
            try:
                typ = int(s.get("http2.type", "-1"))
                sid = int(s.get("http2.streamid", "0"))
            except (TypeError, ValueError):
                continue
            hd = dict(headers_of(s))
            if typ == 5:
                try:
                    sid = int(s.get("http2.push_promise.promised_stream_id", "0"))
                except (TypeError, ValueError):
                    pass
            if typ in (1, 5) and ":method" in hd:
                res[conn]["req"].append((sid, hd[":method"], hd.get(":path", "")))
            if typ == 1 and ":status" in hd:
                res[conn]["status"].append((sid, int(hd[":status"]) if hd[":status"].isdigit() else 0))
    return res


def tshark_facts(cap):
    """Per tcp.stream: the frames of each side, as (frame, srcport, type, flags, stream, fields)."""
    out = subprocess.run(["tshark", "-r", cap, "-o", "tcp.reassemble_out_of_order:TRUE", "-T", "json",
                          "-J", "frame tcp http2", "-Y", "http2"], capture_output=True, text=True,
                         errors="replace").stdout
    res = defaultdict(list)
    if not out.strip():
        return res
    for pkt in json.loads(out, object_pairs_hook=pairs_hook):
        layers = pkt["_source"]["layers"]
        tcp = items(layers.get("tcp"))[0]
        frame = int(items(layers.get("frame"))[0]["frame.number"])
        for s in walk_streams(layers.get("http2", [])):
            try:
                typ = int(s.get("http2.type", "-1"))
                sid = int(s.get("http2.streamid", "0"))
                flags = int(s.get("http2.flags", "0"), 16)
                length = int(s.get("http2.length", "0"))
            except (TypeError, ValueError):
                continue
            res[int(tcp["tcp.stream"])].append((frame, int(tcp["tcp.srcport"]), typ, flags, sid, length, s))
    return res


def settings_params(s):
    out = []
    for st in items(s.get("http2.settings", [])):
        if not isinstance(st, dict):
            continue
        try:
            sid = int(st.get("http2.settings.id", "-1"), 0)
        except (TypeError, ValueError):
            continue
        val = next((v for k, v in st.items() if k != "http2.settings.id" and isinstance(v, str)), None)
        out.append((sid, int(val) if val is not None and val.isdigit() else val))
    return out


SETTING_IDS = {"HEADER_TABLE_SIZE": 1, "ENABLE_PUSH": 2, "MAX_CONCURRENT_STREAMS": 3,
               "INITIAL_WINDOW_SIZE": 4, "MAX_FRAME_SIZE": 5, "MAX_HEADER_LIST_SIZE": 6,
               "ENABLE_CONNECT_PROTOCOL": 8, "NO_RFC7540_PRIORITIES": 9}


def expected_facts(frames, client_port):
    """What the conn record's http2 object must say, from tshark's frames."""
    side = lambda port: 0 if port == client_port else 1
    first = {0: None, 1: None}
    ack = {0: None, 1: None}
    pings, pending = [], {}
    goaway = {}
    wu = [0, 0]
    init = [65535, 65535]
    conn_w = [dict(size=65535, blocked=None, opened=None), dict(size=65535, blocked=None, opened=None)]
    streams = {}
    stalls = []

    def spend(w, d, sid, n, end, frame):
        if w["opened"]:
            stalls.append((sid, d, w["opened"][0], w["opened"][1], frame))
            w["opened"] = None
        w["size"] -= n
        if w["size"] <= 0 and not end and not w["blocked"]:
            w["blocked"] = frame

    def update(w, inc, frame):
        w["size"] += inc
        if w["blocked"] and w["size"] > 0:
            w["opened"] = (w["blocked"], frame)
            w["blocked"] = None

    for frame, port, typ, flags, sid, length, s in frames:
        d = side(port)
        if typ == 4 and not flags & 1:
            params = settings_params(s)
            if first[d] is None:
                first[d] = (frame, params)
            for pid, v in params:
                if pid == 4 and isinstance(v, int):
                    for st in streams.values():
                        st[1 - d]["size"] += v - init[1 - d]
                    init[1 - d] = v
        elif typ == 4 and first[1 - d] is not None and ack[1 - d] is None:
            ack[1 - d] = frame
        elif typ == 6:
            data = s.get("http2.pong" if flags & 1 else "http2.ping")
            if not flags & 1:
                pings.append([d, frame, None])
                pending[d] = (data, len(pings) - 1)
            elif d ^ 1 in pending and pending[d ^ 1][0] == data:
                pings[pending.pop(d ^ 1)[1]][2] = frame
        elif typ == 7:
            goaway[d] = (frame, int(s.get("http2.goaway.last_stream_id", "0")), int(s.get("http2.goaway.error", "0")))
        elif typ == 8:
            wu[d] += 1
            inc = int(s.get("http2.window_update.window_size_increment", "0"))
            if sid == 0:
                update(conn_w[1 - d], inc, frame)
            elif sid in streams:
                update(streams[sid][1 - d], inc, frame)
        elif typ == 0:
            st = streams.setdefault(sid, [dict(size=init[0], blocked=None, opened=None),
                                          dict(size=init[1], blocked=None, opened=None)])
            end = bool(flags & 1)
            spend(conn_w[d], d, 0, length, end, frame)
            spend(st[d], d, sid, length, end, frame)
        if typ in (0, 1) and sid and sid not in streams:
            streams[sid] = [dict(size=init[0], blocked=None, opened=None),
                            dict(size=init[1], blocked=None, opened=None)]
    return {"settings": first, "acks": ack, "pings": pings, "goaway": goaway, "wu": wu,
            "stalls": stalls}


def synfin_facts(synfin, cap):
    out = subprocess.run([synfin, "-F", "jsonl", "-r", cap], capture_output=True, text=True,
                         errors="replace").stdout
    res = {}
    for line in out.splitlines():
        if '"type":"conn"' not in line[:20]:
            continue
        try:
            c = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "http2" in c:
            res[c["conn"]] = (c["client"]["port"] if isinstance(c.get("client"), dict) else c.get("client_port"), c["http2"])
    return res


def compare_facts(want, h, first_c2s_frame):
    """Lists of (kind, message) where synfin's http2 object differs from want."""
    bad = []
    for d, name in ((0, "client"), (1, "server")):
        ours = h["settings"][name]
        theirs = want["settings"][d]
        if theirs is None and ours is not None and (first_c2s_frame is None or ours["frame"] < first_c2s_frame):
            continue   # sent before the client's preface: not dissected by tshark 4.0
        got = None if ours is None else (ours["frame"], [(SETTING_IDS.get(k, int(k, 0) if k.startswith("0x") else -1), v)
                                                         for k, v in ours["values"].items()])
        if got != theirs:
            bad.append(("settings", "%s SETTINGS: tshark %s synfin %s" % (name, theirs, got)))
        elif ours is not None and (ours["ack_frame"] or None) != want["acks"][d]:
            bad.append(("settings", "%s SETTINGS ACK: tshark %s synfin %s" % (name, want["acks"][d], ours["ack_frame"])))
    got = [[0 if p["by"] == "client" else 1, p["frame"], p["ack_frame"]] for p in h["ping_rtts"]]
    if h["pings"] != len(want["pings"]) or got != want["pings"][:len(got)]:
        bad.append(("pings", "PINGs: tshark %s synfin %d %s" % (want["pings"][:8], h["pings"], got)))
    got = {0 if g["by"] == "client" else 1: (g["frame"], g["last_stream"], g["error_code"]) for g in h["goaway"]}
    if got != want["goaway"]:
        bad.append(("goaway", "GOAWAY: tshark %s synfin %s" % (want["goaway"], got)))
    if [h["client_window_updates"], h["server_window_updates"]] != want["wu"]:
        bad.append(("window_updates", "WINDOW_UPDATEs: tshark %s synfin %s" % (
            want["wu"], [h["client_window_updates"], h["server_window_updates"]])))
    got = [(x["stream"], 0 if x["sender"] == "client" else 1, x["blocked_frame"], x["update_frame"], x["resume_frame"])
           for x in h["stalls"]]
    if h["flow_control_stalls"] != len(want["stalls"]) or got != want["stalls"][:len(got)]:
        bad.append(("stalls", "stalls: tshark-derived %d %s synfin %d %s" % (
            len(want["stalls"]), want["stalls"][:4], h["flow_control_stalls"], got[:4])))
    return bad


def synfin_h2(synfin, cap):
    out = subprocess.run([synfin, "-F", "jsonl", "-r", cap], capture_output=True, text=True,
                         errors="replace").stdout
    res = defaultdict(lambda: {"req": [], "status": []})
    for line in out.splitlines():
        if '"type":"http"' not in line[:20]:
            continue
        try:
            t = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "stream" not in t:
            continue
        c, sid = t["conn"], t["stream"]
        q, r = t.get("request"), t.get("response")
        if q and q.get("method"):
            res[c]["req"].append((sid, q["method"], q.get("uri") or ""))
        if r:
            for i in r.get("interim", []):
                res[c]["status"].append((sid, i["status"]))
            if r.get("status"):
                res[c]["status"].append((sid, r["status"]))
    return res


def load_known(path):
    known = {}
    if path and os.path.exists(path):
        for line in open(path, encoding="utf-8"):
            if not line.strip() or line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            if len(f) >= 4:
                known[(f[0], f[1], f[2])] = f[3]
    return known


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("synfin")
    ap.add_argument("captures", nargs="+")
    ap.add_argument("--known")
    ap.add_argument("--root", default=".")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    known = load_known(a.known)
    seen = set()
    problems = []
    caps = conns = reqs = stats = agree_r = agree_s = fcc = fok = 0
    for cap in a.captures:
        ts = tshark_h2(cap)
        if not ts:
            continue
        caps += 1
        sf = synfin_h2(a.synfin, cap)
        name = os.path.relpath(cap, a.root) if os.path.isabs(cap) or cap.startswith("..") else cap
        tf = tshark_facts(cap)
        for c, (cport, h) in sorted(synfin_facts(a.synfin, cap).items()):
            if c not in tf:
                continue
            fcc += 1
            first_c2s = next((f[0] for f in tf[c] if f[1] == cport), None)
            bad = compare_facts(expected_facts(tf[c], cport), h, first_c2s)
            if not bad:
                fok += 1
            for kind, msg in bad:
                key = (name, str(c), kind)
                if key in known:
                    seen.add(key)
                    continue
                problems.append("%s conn %d %s" % (name, c, msg))
        for c in sorted(set(ts) | set(sf)):
            conns += 1
            for kind in ("req", "status"):
                want, got = sorted(ts[c][kind]), sorted(sf[c][kind])
                n = len(want)
                ok = sum(min(want.count(x), got.count(x)) for x in set(want))
                if kind == "req":
                    reqs += n
                    agree_r += ok
                else:
                    stats += n
                    agree_s += ok
                if want != got:
                    key = (name, str(c), kind)
                    if key in known:
                        seen.add(key)
                        continue
                    problems.append("%s conn %d %s: tshark %s synfin %s" % (name, c, kind, want[:6], got[:6]))
    for k in known:
        if k not in seen and any(k[0] == (os.path.relpath(p, a.root) if os.path.isabs(p) or p.startswith("..") else p)
                                 for p in a.captures):
            problems.append("stale known difference: %s" % "\t".join(k))
    print("h2: %d captures, %d connections; requests %d/%d, statuses %d/%d agree with tshark; "
          "connection facts (SETTINGS, PING, GOAWAY, WINDOW_UPDATE, stalls) %d/%d; %d problem(s)"
          % (caps, conns, agree_r, reqs, agree_s, stats, fok, fcc, len(problems)))
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
