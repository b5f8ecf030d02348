#!/usr/bin/env python3
"""har_check.py - validates a HAR file against the HAR 1.2 specification (stdlib only).

usage: har_check.py FILE.har [--min-entries N]

The checks follow the HAR 1.2 spec (http://www.softwareishard.com/blog/har-12-spec/)
and the JSON schema published with it (ahmadnassri/har-schema): required
members and their types, non-negative sizes or -1, timings (send, wait,
receive required and >= 0; blocked, dns, connect, ssl >= -1), an ISO 8601
startedDateTime, and `time` equal to the sum of the applicable timings.
Exit status 0 when valid; otherwise one line per problem.
"""
import json
import re
import sys

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$")
problems = []


def need(obj, key, types, where):
    if not isinstance(obj, dict) or key not in obj:
        problems.append("%s: missing %s" % (where, key))
        return None
    v = obj[key]
    if isinstance(v, bool) or not isinstance(v, types):
        problems.append("%s.%s: %r is not %s" % (where, key, v, types))
        return None
    return v


def opt(obj, key, types, where):
    if key in obj and (isinstance(obj[key], bool) or not isinstance(obj[key], types)):
        problems.append("%s.%s: %r is not %s" % (where, key, obj[key], types))


def pairs(lst, where, extra=()):
    if lst is None:
        return
    for i, p in enumerate(lst):
        w = "%s[%d]" % (where, i)
        need(p, "name", str, w)
        need(p, "value", str, w)
        for k in extra:
            opt(p, k, str, w)


def size(obj, key, where):
    v = need(obj, key, int, where)
    if v is not None and v < -1:
        problems.append("%s.%s: %d < -1" % (where, key, v))


def entry(e, i):
    w = "entries[%d]" % i
    s = need(e, "startedDateTime", str, w)
    if s is not None and not ISO.match(s):
        problems.append("%s.startedDateTime: %r is not ISO 8601" % (w, s))
    t = need(e, "time", (int, float), w)
    if t is not None and t < 0:
        problems.append("%s.time: negative" % w)
    rq = need(e, "request", dict, w)
    if rq is not None:
        ww = w + ".request"
        need(rq, "method", str, ww)
        need(rq, "url", str, ww)
        need(rq, "httpVersion", str, ww)
        pairs(need(rq, "cookies", list, ww), ww + ".cookies", ("path", "domain", "expires"))
        pairs(need(rq, "headers", list, ww), ww + ".headers")
        pairs(need(rq, "queryString", list, ww), ww + ".queryString")
        size(rq, "headersSize", ww)
        size(rq, "bodySize", ww)
        if "postData" in rq:
            need(rq["postData"], "mimeType", str, ww + ".postData")
    rs = need(e, "response", dict, w)
    if rs is not None:
        ww = w + ".response"
        need(rs, "status", int, ww)
        need(rs, "statusText", str, ww)
        need(rs, "httpVersion", str, ww)
        pairs(need(rs, "cookies", list, ww), ww + ".cookies", ("path", "domain", "expires"))
        pairs(need(rs, "headers", list, ww), ww + ".headers")
        c = need(rs, "content", dict, ww)
        if c is not None:
            v = need(c, "size", int, ww + ".content")
            if v is not None and v < 0:
                problems.append("%s.content.size: negative" % ww)
            opt(c, "compression", int, ww + ".content")
            need(c, "mimeType", str, ww + ".content")
            opt(c, "text", str, ww + ".content")
            opt(c, "encoding", str, ww + ".content")
        need(rs, "redirectURL", str, ww)
        size(rs, "headersSize", ww)
        size(rs, "bodySize", ww)
    need(e, "cache", dict, w)
    tm = need(e, "timings", dict, w)
    if tm is not None:
        total = 0.0
        for k in ("send", "wait", "receive"):
            v = need(tm, k, (int, float), w + ".timings")
            if v is not None:
                if v < 0:
                    problems.append("%s.timings.%s: negative" % (w, k))
                total += v
        for k in ("blocked", "dns", "connect", "ssl"):
            opt(tm, k, (int, float), w + ".timings")
            if k in tm and isinstance(tm[k], (int, float)):
                if tm[k] < -1:
                    problems.append("%s.timings.%s < -1" % (w, k))
                elif tm[k] > 0 and k != "ssl":   # ssl is included in connect
                    total += tm[k]
        if t is not None and abs(total - t) > 0.002:
            problems.append("%s.time %s != sum of timings %s" % (w, t, total))
    opt(e, "serverIPAddress", str, w)
    opt(e, "connection", str, w)
    opt(e, "pageref", str, w)


def main():
    path = sys.argv[1]
    min_entries = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--min-entries" else 0
    try:
        har = json.load(open(path))
    except (OSError, ValueError) as e:
        print("not JSON: %s" % e)
        return 1
    log = need(har, "log", dict, "")
    if log is None:
        print("\n".join(problems))
        return 1
    v = need(log, "version", str, "log")
    if v is not None and v != "1.2":
        problems.append("log.version %r" % v)
    cr = need(log, "creator", dict, "log")
    if cr is not None:
        need(cr, "name", str, "log.creator")
        need(cr, "version", str, "log.creator")
    if "pages" in log:
        need(log, "pages", list, "log")
    entries = need(log, "entries", list, "log") or []
    for i, e in enumerate(entries):
        entry(e, i)
    if len(entries) < min_entries:
        problems.append("%d entries, expected at least %d" % (len(entries), min_entries))
    if problems:
        print("\n".join(problems[:40]))
        return 1
    print("valid HAR 1.2, %d entries" % len(entries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
