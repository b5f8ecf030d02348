#!/usr/bin/env python3
"""tests/tools/check_tls_captures.py - checks the bundled TLS and h2c captures
(captures/tls/, captures/h2/, made by scripts/make-tls-captures.sh and
scripts/make-h2-captures.sh) against tshark: each file must show what its
script meant to record.

    check_tls_captures.py [--root DIR] [--tshark PATH] [--dump]

For every capture tshark reads it (TLS files with -o tls.keylog_file:NAME.keys;
the .pcapng carries its keys in a Decryption Secrets Block) and the tool
collects, over all frames, the TLS handshake types, SNI, ALPN, negotiated
version and suite, alerts, decrypted HTTP/1.x request URIs and status codes,
HTTP/2 frame types and :path values, the ALPN protocol the server chose, and the number of TCP connections.
EXPECT below says, per capture, what must be there (and a few things that
must not).  A capture on disk without an entry, an entry without its file,
or a field tshark does not know is a failure, never a skip.  Exit 0 when
everything holds, 1 otherwise; one line per problem on stderr.
"""
import argparse
import os
import subprocess
import sys

FIELDS = [
    "tcp.stream", "tls.handshake.type", "tls.handshake.extensions_server_name",
    "tls.handshake.extensions_alpn_str", "tls.handshake.extensions.supported_version",
    "tls.handshake.version", "tls.handshake.ciphersuite", "tls.alert_message.desc",
    "http.request.method", "http.request.uri", "http.response.code", "http2.type",
    "http2.headers.path", "tls.record.content_type",
]
# what each collected key is made of
KEYS = {
    "hs": "tls.handshake.type", "sni": "tls.handshake.extensions_server_name",
    "alert": "tls.alert_message.desc",
    "method": "http.request.method", "uri": "http.request.uri",
    "status": "http.response.code", "h2": "http2.type", "h2path": "http2.headers.path",
}
# Handshake types: 1 ClientHello 2 ServerHello 4 NewSessionTicket 8
# EncryptedExtensions 11 Certificate 12 ServerKeyExchange 13
# CertificateRequest 14 ServerHelloDone 15 CertificateVerify 16
# ClientKeyExchange 20 Finished.  Alerts: 0 close_notify, 48 unknown_ca.
# HTTP/2 types: 0 DATA 1 HEADERS 3 RST_STREAM 4 SETTINGS 6 PING 7 GOAWAY
# 8 WINDOW_UPDATE.  Suites: 0x1301 AES_128_GCM 0x1302 AES_256_GCM 0x1303
# CHACHA20, 0xc02f ECDHE-RSA-AES128-GCM-SHA256, 0xc013 ECDHE-RSA-AES128-SHA,
# 0xc027 ECDHE-RSA-AES128-SHA256, 0xc030 ECDHE-RSA-AES256-GCM-SHA384,
# 0xcca8 ECDHE-RSA-CHACHA20-POLY1305, 0xc028 ECDHE-RSA-AES256-SHA384.
T13 = {"hs": {"1", "2", "8", "11", "15", "20"}, "ver": "0x0304", "sni": {"synfin.test"}}
T12 = {"hs": {"1", "2", "11", "12", "14", "16", "20"}, "ver": "0x0303", "sni": {"synfin.test"}}
GET_INDEX = {"method": {"GET"}, "uri": {"/index.html"}, "status": {"200"}}
H1 = {"alpn": {"http/1.1"}}


def spec(*parts, **kw):
    out = {}
    for p in parts + (kw,):
        for k, v in p.items():
            out[k] = set(v) | out.get(k, set()) if isinstance(v, set) else v
    return out


EXPECT = {
    "tls/tls13-aes128gcm.pcap": spec(T13, H1, GET_INDEX, suite="0x1301", conns=1),
    "tls/tls13-aes256gcm.pcap": spec(T13, H1, GET_INDEX, suite="0x1302", conns=1),
    "tls/tls13-chacha20.pcap": spec(T13, H1, GET_INDEX, suite="0x1303", conns=1),
    "tls/tls12-ecdhe-rsa-aes128gcm.pcap": spec(T12, H1, GET_INDEX, suite="0xc02f", conns=1),
    "tls/tls12-ecdhe-rsa-aes128-sha.pcap": spec(T12, H1, GET_INDEX, suite="0xc013", conns=1),
    "tls/tls12-ecdhe-rsa-aes128-sha256.pcap": spec(T12, H1, GET_INDEX, suite="0xc027", conns=1),
    "tls/tls12-chacha20.pcap": spec(T12, H1, GET_INDEX, suite="0xcca8", conns=1),
    # s_client -no_etm: CBC MAC-then-encrypt with HMAC-SHA384 (no ALPN offered)
    "tls/tls12-cbc-sha384-no-etm.pcap": spec(T12, GET_INDEX, suite="0xc028", conns=1, no_alpn=True),
    # TLS 1.0 from openssl s_server -www on 4433 (decode as TLS): its GET / request
    "tls/tls10-cbc-sha.pcap": spec({"hs": {"1", "2", "11", "12", "14", "16", "20"}, "method": {"GET"},
                                    "uri": {"/"}}, ver="0x0301", sni={"synfin.test"}, suite="0xc013",
                                   conns=1, no_alpn=True),
    # openssl s_client offers no ALPN
    "tls/tls13-sclient.pcap": spec(T13, GET_INDEX, suite="0x1302", conns=1, no_alpn=True),
    # second connection resumes: one Certificate message in two handshakes
    "tls/tls13-resumption.pcap": spec(T13, GET_INDEX, {"hs": {"4"}}, suite="0x1302", conns=2,
                                      certs=1, no_alpn=True),
    "tls/tls12-resumption.pcap": spec(T12, GET_INDEX, {"hs": {"4"}}, suite="0xc030", conns=2,
                                      certs=1, no_alpn=True),
    # two ServerHellos in one connection, the first a HelloRetryRequest
    "tls/tls13-hrr.pcap": spec(T13, H1, GET_INDEX, suite="0x1302", conns=1, server_hellos=2),
    "tls/tls13-client-cert.pcap": spec(T13, H1, GET_INDEX, {"hs": {"13"}}, suite="0x1302",
                                       conns=1, certs=2),
    # curl rejects the server certificate: handshake, fatal unknown_ca, no HTTP
    "tls/tls-alert-unknown-ca.pcap": spec({"hs": {"1", "2", "8", "11", "15", "20"}},
                                          ver="0x0304", sni={"synfin.test"}, alert={"48"},
                                          suite="0x1302", conns=1, no_http=True),
    "tls/tls-close-notify.pcap": spec(T13, H1, GET_INDEX, alert={"0"}, suite="0x1302", conns=1),
    "tls/tls-no-close-notify.pcap": spec(T13, H1, GET_INDEX, suite="0x1302", conns=1,
                                         no_alert=True),
    # CONNECT in clear, then TLS inside the same TCP connection
    "tls/tls-connect-proxy.pcap": spec(T13, H1, GET_INDEX, {"method": {"CONNECT"},
                                                            "uri": {"synfin.test:443"}},
                                       suite="0x1302", conns=1),
    "tls/tls13-large.pcap": spec(T13, H1, {"method": {"GET"}, "uri": {"/large.bin"},
                                           "status": {"200"}}, suite="0x1302", conns=1,
                                 min_app_records=16),
    "tls/tls13-alpn-h2.pcap": spec(T13, alpn={"h2"}, h2={"0", "1", "4"},
                                   h2path={"/index.html", "/index.html?2"}, suite="0x1302",
                                   conns=1),
    # the second connection resumes and sends its GET as 0-RTT data: EndOfEarlyData (5)
    "tls/tls13-early-data.pcap": spec(T13, GET_INDEX, {"hs": {"4", "5"}}, suite="0x1302", conns=2,
                                      certs=1, no_alpn=True),
    # openssl s_client's K: a KeyUpdate each way (type 24) between two requests
    "tls/tls13-keyupdate.pcap": spec(T13, {"hs": {"4", "24"}, "method": {"GET"},
                                           "uri": {"/index.html", "/index.html?2"}, "status": {"200"}},
                                     suite="0x1302", conns=1, no_alpn=True),
    # keys come from the file itself (no -o tls.keylog_file)
    "tls/tls13-dsb.pcapng": spec(T13, H1, GET_INDEX, suite="0x1301", conns=1),
    "h2/h2c-prior-knowledge.pcap": spec(h2={"0", "1", "4"}, h2path={"/index.html"}, conns=1),
    # HTTP/1.1 GET with Upgrade: h2c, a 101, then the response on stream 1
    "h2/h2c-upgrade.pcap": spec(method={"GET"}, uri={"/index.html"}, status={"101"},
                                h2={"0", "1", "4"}, conns=1),
    "h2/h2c-concurrent.pcap": spec(h2={"0", "1", "4", "7"},
                                   h2path={"/a%d.txt" % i for i in range(1, 7)}, conns=1),
    "h2/h2c-large.pcap": spec(h2={"0", "1", "4", "8"}, h2path={"/large.bin"}, conns=1,
                              min_data_frames=16),
    "h2/h2c-small-window.pcap": spec(h2={"0", "1", "4", "7", "8"}, h2path={"/medium.bin"},
                                     conns=1, min_window_updates=8),
    "h2/h2c-ping-rst-goaway.pcap": spec(h2={"0", "1", "3", "4", "6", "7", "8"},
                                        h2path={"/large.bin", "/index.html"}, conns=1),
}
DECODE = ["-d", "tcp.port==8444,tls", "-d", "tcp.port==9443,tls", "-d", "tcp.port==4433,tls", "-d", "tcp.port==3128,http",
          "-d", "tcp.port==8080,http2", "-d", "tcp.port==8082,http"]


def known_fields(tshark):
    out = subprocess.run([tshark, "-G", "fields"], capture_output=True, text=True, check=True)
    return {line.split("\t")[2] for line in out.stdout.splitlines() if line.startswith("F\t")}


def collect(tshark, path, keys):
    cmd = [tshark, "-n", "-r", path, "-o", "tcp.reassemble_out_of_order:TRUE"] + DECODE
    if keys:
        cmd += ["-o", "tls.keylog_file:" + keys]
    cmd += ["-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=|"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1:] or ["tshark failed"])
    got = {k: set() for k in KEYS}
    got.update(alpn=set(), streams=set(), ver=set(), suite=set(), certs=0, server_hellos=0,
               app_records=0, data_frames=0, window_updates=0)
    for line in out.stdout.splitlines():
        row = dict(zip(FIELDS, (c.split("|") if c else [] for c in line.split("\t"))))
        for k, f in KEYS.items():
            got[k].update(v for v in row.get(f, []) if v)
        got["streams"].update(row.get("tcp.stream", []))
        hs = row.get("tls.handshake.type", [])
        # the server's choice (ServerHello in 1.2, EncryptedExtensions in
        # 1.3), not the client's offer list
        if hs and "1" not in hs:
            got["alpn"].update(row.get("tls.handshake.extensions_alpn_str", []))
        got["certs"] += hs.count("11")
        got["server_hellos"] += hs.count("2")
        if "2" in hs:
            # the ServerHello says the outcome: suite, and version (1.3 in
            # supported_versions, else the legacy field)
            got["suite"].update(row.get("tls.handshake.ciphersuite", [])[-1:])
            sv = row.get("tls.handshake.extensions.supported_version", [])
            got["ver"].update(sv[-1:] if sv else row.get("tls.handshake.version", [])[-1:])
        got["app_records"] += row.get("tls.record.content_type", []).count("23")
        h2 = row.get("http2.type", [])
        got["data_frames"] += h2.count("0")
        got["window_updates"] += h2.count("8")
    return got


def check(name, want, got):
    bad = []
    if "alpn" in want and got["alpn"] != want["alpn"]:
        bad.append("alpn: want %s, tshark shows %s" % (sorted(want["alpn"]), sorted(got["alpn"])))
    for k in list(KEYS) + ["sni"]:
        if k in want and not want[k] <= got[k]:
            bad.append("%s: want %s, tshark shows %s" % (k, sorted(want[k]), sorted(got[k])))
    for k in ("ver", "suite"):
        if k in want and got[k] != {want[k]}:
            bad.append("%s: want %s, tshark shows %s" % (k, want[k], sorted(got[k])))
    if len(got["streams"]) != want["conns"]:
        bad.append("connections: want %d, tshark shows %d" % (want["conns"], len(got["streams"])))
    for k in ("certs", "server_hellos"):
        if k in want and got[k] != want[k]:
            bad.append("%s: want %d, tshark shows %d" % (k, want[k], got[k]))
    for k in ("app_records", "data_frames", "window_updates"):
        if "min_" + k in want and got[k] < want["min_" + k]:
            bad.append("%s: want >= %d, tshark shows %d" % (k, want["min_" + k], got[k]))
    if want.get("no_alpn") and got["alpn"]:
        bad.append("alpn: want none, tshark shows %s" % sorted(got["alpn"]))
    if want.get("no_alert") and got["alert"]:
        bad.append("alert: want none, tshark shows %s" % sorted(got["alert"]))
    if want.get("no_http") and (got["method"] or got["h2"]):
        bad.append("http: want none decrypted, tshark shows %s" % sorted(got["method"]))
    if name.startswith("tls/") and "hs" in want and not got["method"] | got["h2"] \
            and not want.get("no_http"):
        bad.append("no HTTP decrypted")
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=".")
    ap.add_argument("--tshark", default="tshark")
    ap.add_argument("--dump", action="store_true", help="print what tshark shows")
    a = ap.parse_args()
    cap = os.path.join(a.root, "captures")
    fails = 0
    missing = [f for f in FIELDS if f not in known_fields(a.tshark)]
    for f in missing:
        print("check_tls_captures: tshark lacks field %s" % f, file=sys.stderr)
        fails += 1
    on_disk = sorted(os.path.join(d, f) for d in ("tls", "h2")
                     for f in os.listdir(os.path.join(cap, d)) if ".pcap" in f)
    for name in sorted(set(on_disk) - set(EXPECT)):
        print("check_tls_captures: %s: no expectation in EXPECT" % name, file=sys.stderr)
        fails += 1
    for name, want in sorted(EXPECT.items()):
        path = os.path.join(cap, name)
        keys = os.path.splitext(path)[0] + ".keys" if name.endswith(".pcap") and \
            name.startswith("tls/") else None
        if not os.path.exists(path) or (keys and not os.path.exists(keys)):
            print("check_tls_captures: %s: file or key log missing" % name, file=sys.stderr)
            fails += 1
            continue
        try:
            got = collect(a.tshark, path, keys)
        except RuntimeError as e:
            print("check_tls_captures: %s: %s" % (name, e), file=sys.stderr)
            fails += 1
            continue
        if a.dump:
            print(name, {k: (sorted(v) if isinstance(v, set) else v) for k, v in got.items()})
        for b in check(name, want, got):
            print("check_tls_captures: %s: %s" % (name, b), file=sys.stderr)
            fails += 1
    print("check_tls_captures: %d captures, %d problems" % (len(EXPECT), fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
