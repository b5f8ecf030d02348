#!/usr/bin/env python3
"""diff_tls.py - per TCP connection, the TLS facts synfin reads without keys against tshark's.

Usage: diff_tls.py SYNFIN CAPTURE... [--known TSV] [--root DIR] [--report FILE]

Per tcp.stream with a ClientHello or ServerHello in tshark or synfin:
SNI (tls.handshake.extensions_server_name of the ClientHello), offered ALPN
(tls.handshake.extensions_alpn_str of the ClientHello, joined with ','),
chosen version (the ServerHello's supported_versions, else its
tls.handshake.version), chosen suite (tls.handshake.ciphersuite) and chosen
ALPN, of the last ServerHello (after a HelloRetryRequest, the real one);
the fingerprints tls.handshake.ja3 and ja3_full of the first ClientHello,
ja3s and ja3s_full of the last ServerHello; the certificates of the
plaintext Certificate messages in frame order (frame, DER length, SHA-256
of tls.handshake.certificate, x509af.serialNumber, x509ce.dNSName of the
subjectAltName, x509af.utcTime of the validity: "certs"); the alert
records (frame, and for a plaintext one tls.alert_message.level and desc;
an encrypted one has neither: "alerts").
A difference listed in --known (capture path relative to --root, or to the
repository for a bundled one, conn,
field, reason) is accepted.  Exit 1 on any other difference.
"""
import hashlib
import json
import os
import subprocess
import sys


def tshark_rows(cap, filt, fields, aggregator=","):
    cmd = ["tshark", "-n", "-r", cap, "-Y", filt, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=" + aggregator]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    for line in out.splitlines():
        yield line.split("\t")


def tshark_facts(cap):
    facts = {}
    for r in tshark_rows(cap, "tls.handshake.type==1 && tcp",
                         ["tcp.stream", "tls.handshake.extensions_server_name", "tls.handshake.extensions_alpn_str"]):
        s = int(r[0])
        if s in facts:
            continue   # the second ClientHello after a HelloRetryRequest repeats the first's
        facts[s] = {"sni": r[1].split(",")[0] or None, "alpn_offered": r[2]}
    for r in tshark_rows(cap, "tls.handshake.type==2 && tcp",
                         ["tcp.stream", "tls.handshake.version", "tls.handshake.extensions.supported_version",
                          "tls.handshake.ciphersuite", "tls.handshake.extensions_alpn_str"]):
        s = int(r[0])
        f = facts.setdefault(s, {"sni": None, "alpn_offered": ""})
        f["version"] = (r[2] or r[1]).split(",")[-1]
        f["cipher_suite"] = r[3].split(",")[-1]
        f["alpn"] = r[4]
    # The JA3 strings hold commas: another aggregator, and a query of their own.
    for r in tshark_rows(cap, "(tls.handshake.type==1 || tls.handshake.type==2) && tcp",
                         ["tcp.stream", "tls.handshake.ja3", "tls.handshake.ja3_full",
                          "tls.handshake.ja3s", "tls.handshake.ja3s_full"], aggregator="|"):
        s = int(r[0])
        f = facts.get(s)
        if f is None:
            continue
        if r[1] and "ja3" not in f:
            f["ja3"], f["ja3_full"] = r[1].split("|")[0], r[2].split("|")[0]
        if r[3]:
            f["ja3s"], f["ja3s_full"] = r[3].split("|")[-1], r[4].split("|")[-1]
    for r in tshark_rows(cap, "tls.handshake.type==11 && tcp",
                         ["tcp.stream", "frame.number", "tls.handshake.certificate", "x509af.serialNumber",
                          "x509ce.dNSName", "x509af.utcTime", "x509af.generalizedTime"], aggregator="|"):
        s = int(r[0])
        f = facts.setdefault(s, {"sni": None, "alpn_offered": ""})
        ders = [d for d in r[2].split("|") if d]
        f.setdefault("certs", []).append(cert_row(
            int(r[1]), [(len(d) // 2, hashlib.sha256(bytes.fromhex(d.replace(":", ""))).hexdigest()) for d in ders],
            split(r[3]), split(r[4]), [utc_iso(t) for t in split(r[5])] + [gen_iso(t) for t in split(r[6])]))
    for r in tshark_rows(cap, "tls.record.content_type==21 && tcp",
                         ["tcp.stream", "frame.number", "tls.record.content_type",
                          "tls.alert_message.level", "tls.alert_message.desc"], aggregator="|"):
        s = int(r[0])
        f = facts.get(s)
        if f is None:
            continue
        n = r[2].split("|").count("21")
        levels, descs = split(r[3]), split(r[4])
        for i in range(n):
            if i < len(levels):
                f.setdefault("alerts", []).append("%s:%s:%s" % (r[1], levels[i], descs[i]))
            else:
                f.setdefault("alerts", []).append("%s:encrypted" % r[1])
    return facts


def split(v):
    return [x for x in v.split("|") if x]


MONTHS = {m: i + 1 for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}


def utc_iso(t):
    # tshark's x509af.utcTime: "2026-12-02 06:56:19 (UTC)"; synfin: "2026-12-02T06:56:19Z"
    return t.replace(" (UTC)", "").replace(" ", "T") + "Z"


def gen_iso(t):
    # x509af.generalizedTime (FT_ABSOLUTE_TIME): "Apr 15, 2024 23:59:59.000000000 UTC"
    p = t.replace(",", "").split()
    if len(p) < 4 or p[0] not in MONTHS:
        return t
    return "%s-%02d-%02dT%sZ" % (p[2], MONTHS[p[0]], int(p[1]), p[3].split(".")[0])


class CertMsg:
    """One Certificate message.  Exact per certificate: the frame (the one
    completing its record, as tshark shows it), DER length and SHA-256.
    tshark flattens the x509 fields of a frame, including those of other
    certificates in it (an OCSP response's, authorityCertSerialNumber), so
    synfin's serials, SAN names and validity dates must appear in tshark's
    lists in order (names exactly, unless synfin cut a SAN that was too long)."""

    def __init__(self, frame, ders, serials, names, times, cut=False):
        self.frame, self.ders, self.serials, self.names, self.times, self.cut = frame, ders, serials, names, times, cut

    def why_not(self, other):
        """other is synfin's; None when they agree, else the first difference."""
        if self.frame != other.frame:
            return "frame %s/%s" % (self.frame, other.frame)
        if self.ders != other.ders:
            return "certificates (length/sha256) %s / %s" % (self.ders, other.ders)
        if not subseq(other.serials, self.serials):
            return "serials %s / %s" % (self.serials, other.serials)
        if other.cut:
            if self.names[:len(other.names)] != other.names:
                return "SAN names (cut) %s / %s" % (self.names[:len(other.names)], other.names)
        elif self.names != other.names:
            return "SAN names %s / %s" % (self.names, other.names)
        if not subseq(sorted(other.times), sorted(self.times)):
            return "validity %s / %s" % (self.times, other.times)
        return None

    def __repr__(self):
        return "frame %d: %s" % (self.frame, ";".join("%d/%s" % d for d in self.ders))


def subseq(a, b):
    it = iter(b)
    return all(x in it for x in a)


def cert_row(frame, ders, serials, names, times, cut=False):
    return CertMsg(frame, ders, serials, names, times, cut)


def synfin_facts(synfin, cap):
    out = subprocess.run([synfin, "-F", "jsonl", "-r", cap], capture_output=True, text=True).stdout
    facts = {}
    for line in out.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("type") != "conn" or "tls" not in rec:
            continue
        t = rec["tls"]
        if not t["client_hello"] and not t["server_hello"]:
            continue
        f = {"sni": t["sni"], "alpn_offered": t["alpn_offered"]}
        for k in ("ja3", "ja3_full", "ja3s", "ja3s_full"):
            if t.get(k):
                f[k] = t[k]
        msgs = {}
        for side in ("client_certificates", "server_certificates"):
            if side + "_frame" in t:
                msgs.setdefault(t[side + "_frame"], [])   # an empty Certificate message too
            for c in t.get(side, []):
                msgs.setdefault(c["frame"], []).append(c)
        if msgs:
            f["certs"] = []
            for fr in sorted(msgs):
                cs = msgs[fr]
                f["certs"].append(cert_row(
                    fr, [(c["length"], c["sha256"]) for c in cs],
                    [c.get("serial") or "" for c in cs if c["parsed"]],
                    [n for c in cs if c["parsed"] for n in c["san"] if not is_ip(n)],
                    [x for c in cs if c["parsed"] for x in (c["not_before"], c["not_after"]) if x],
                    any(c.get("san_cut") for c in cs)))
        alerts = []
        for a in t.get("alert_list", []):
            if a["encrypted"]:
                alerts.append("%d:encrypted" % a["frame"])
            else:
                alerts.append("%d:%d:%d" % (a["frame"], {"warning": 1, "fatal": 2}.get(a["level"], 0), a["code"]))
        if alerts:
            f["alerts"] = alerts
        if t["server_hello"]:
            f["version"] = t["version"]
            f["cipher_suite"] = t["cipher_suite"]
            f["alpn"] = t["alpn"]
        facts[rec["conn"]] = f
    return facts


def is_ip(n):
    return n.replace(".", "").isdigit() or ":" in n


def main(argv):
    known, root, report, args = {}, ".", None, []
    i = 1
    while i < len(argv):
        if argv[i] in ("--known", "--root", "--report"):
            if argv[i] == "--known":
                for line in open(argv[i + 1]):
                    if line.startswith("#") or not line.strip():
                        continue
                    p = line.rstrip("\n").split("\t")
                    known[(p[0], int(p[1]), p[2])] = p[3] if len(p) > 3 else ""
            elif argv[i] == "--root":
                root = argv[i + 1]
            else:
                report = argv[i + 1]
            i += 2
        else:
            args.append(argv[i])
            i += 1
    synfin, caps = args[0], args[1:]
    conns = agree = accepted = 0
    fp_pairs = fp_equal = 0   # connections where both sides have a JA3 or JA3S, and where those agree
    cert_msgs = cert_equal = alert_n = alert_equal = 0
    problems = []
    for cap in caps:
        rel = os.path.relpath(cap, root)
        if rel.startswith(".."):
            rel = os.path.relpath(cap)   # a bundled capture: named from the repository
        want, got = tshark_facts(cap), synfin_facts(synfin, cap)
        for s in sorted(set(want) | set(got)):
            conns += 1
            w, g = want.get(s), got.get(s)
            bad = []
            if w is None or g is None:
                bad.append(("tls", "tshark" if w else "synfin", "only"))
            else:
                for k in ("sni", "alpn_offered", "version", "cipher_suite", "alpn",
                          "ja3", "ja3_full", "ja3s", "ja3s_full", "alerts"):
                    if w.get(k) != g.get(k):
                        bad.append((k, w.get(k), g.get(k)))
                wc, gc = w.get("certs", []), g.get("certs", [])
                if len(wc) != len(gc):
                    bad.append(("certs", wc, gc))
                else:
                    for a, b in zip(wc, gc):
                        why = a.why_not(b)
                        if why:
                            bad.append(("certs", why, ""))
                            break
            if w is not None and g is not None:
                keys = [k for k in ("ja3", "ja3s") if k in w or k in g]
                if keys:
                    fp_pairs += 1
                    fp_equal += all(w.get(k) == g.get(k) and w.get(k + "_full") == g.get(k + "_full") for k in keys)
            if w is not None and g is not None:
                wc, gc = w.get("certs", []), g.get("certs", [])
                cert_msgs += max(len(wc), len(gc))
                cert_equal += sum(1 for a, b in zip(wc, gc) if a.why_not(b) is None)
                wa, ga = w.get("alerts", []), g.get("alerts", [])
                alert_n += max(len(wa), len(ga))
                alert_equal += sum(1 for a, b in zip(wa, ga) if a == b)
            if not bad:
                agree += 1
                continue
            if all((rel, s, b[0]) in known for b in bad):
                accepted += 1
                continue
            for b in bad:
                if (rel, s, b[0]) not in known:
                    problems.append("%s\t%d\t%s\ttshark=%s synfin=%s" % (rel, s, b[0], b[1], b[2]))
    print("diff_tls: %d/%d connections agree, %d with listed differences, %d problems; JA3/JA3S equal on %d/%d; "
          "Certificate messages equal %d/%d; alerts equal %d/%d"
          % (agree, conns, accepted, len(problems), fp_equal, fp_pairs, cert_equal, cert_msgs, alert_equal, alert_n))
    if report:
        with open(report, "w") as f:
            f.write("\n".join(problems) + ("\n" if problems else ""))
    for p in problems[:40]:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
