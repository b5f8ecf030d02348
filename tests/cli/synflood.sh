# A SYN flood in bounded memory (issue 10, item 2): 100,000 SYNs from distinct
# sources (bench/gen_synflood.py), every 10th refused, every 7th other one sent
# again 1 s later.  With defaults every SYN is one tcp.stream of tshark's; with a
# small --memcap the state stays under the cap, the released connections are
# written with end_reason memcap, and the summary still accounts for every frame
# and every connection; --syn-timeout ends attempts.
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d "$TMP/synflood.XXXXXX")
cap=$TMP/flood.pcap
python3 bench/gen_synflood.py "$cap" --count 100000 --refused 10 --retrans 7 2>"$TMP/gen"
# the generator's own count of what it wrote: connections=.. unanswered=.. refused=.. frames=..
eval "$(tr ' ' '\n' <"$TMP/gen" | grep -E '^(connections|unanswered|refused|retransmitted|frames)=')"
[ "$frames" = 122857 ] || fail "generator: $frames frames, want 122857"

# check.py JSONL MEMCAP: the account of a jsonl run, printed as NAME=VALUE lines
cat >"$TMP/check.py" <<'EOF'
import json, re, sys
memcap = int(sys.argv[2])
# conn records are read with patterns, not parsed: 100,000 of them
conn_pat = re.compile(r'^\{"type":"conn","conn":(\d+),.*?,"packets":(\d+),.*?"close":\{"kind":"([a-z_]+)".*"end_reason":"([a-z_]+)"')
npkts, ids, packets, kinds, reasons, s = 0, [], 0, {}, {}, None
for l in open(sys.argv[1]):
    if l.startswith('{"type":"packet"'):
        npkts += 1
    elif l.startswith('{"type":"conn"'):
        m = conn_pat.match(l)
        assert m, "unexpected conn record: " + l[:200]
        ids.append(int(m.group(1)))
        packets += int(m.group(2))
        kinds[m.group(3)] = kinds.get(m.group(3), 0) + 1
        reasons[m.group(4)] = reasons.get(m.group(4), 0) + 1
    else:
        s = json.loads(l)
assert s and s["type"] == "summary", "no summary record last"
assert len(set(ids)) == len(ids), "a connection written twice"
assert sorted(ids) == list(range(len(ids))), "connection numbers are not 0..n-1"
assert s["conns"] == len(ids), "summary conns %d, %d conn records" % (s["conns"], len(ids))
assert s["frames"] == npkts == s["tcp"], "frames %d, packet records %d" % (s["frames"], npkts)
# every SYN in exactly one connection record
assert packets == s["frames"], "packets of the records %d != frames %d" % (packets, s["frames"])
if "close_kinds" in s:
    assert s["close_kinds"] == kinds, "summary close_kinds %s, records %s" % (s["close_kinds"], kinds)
    assert s["ended_early"]["memcap"] == reasons.get("memcap", 0)
    assert s["ended_early"]["syn_timeout"] == reasons.get("syn_timeout", 0)
    assert s["ended_early"]["max_conns"] == reasons.get("evicted", 0)
    if memcap:
        # measured before the release that follows the packet: at most one
        # step over (a table doubling or a full record)
        assert s["mem_peak"] <= memcap * 105 // 100, "mem_peak %d over --memcap %d" % (s["mem_peak"], memcap)
for k in ("unanswered_syn", "refused"):
    print("%s=%d" % (k, kinds.get(k, 0)))
print("other=%d" % sum(v for k, v in kinds.items() if k not in ("unanswered_syn", "refused")))
for k in ("memcap", "syn_timeout", "end_of_input", "closed"):
    print("r_%s=%d" % (k, reasons.get(k, 0)))
print("conns=%d" % len(ids))
EOF

# streams.py JSONL TSV FRAMES: each frame's connection number = tshark's tcp.stream
cat >"$TMP/streams.py" <<'EOF'
import re, sys
pat = re.compile(r'"frame":(\d+),.*?"conn":(\d+)')
ours = {}
for l in open(sys.argv[1]):
    if l.startswith('{"type":"packet"'):
        m = pat.search(l)
        ours[int(m.group(1))] = int(m.group(2))
theirs = dict(tuple(map(int, l.split())) for l in open(sys.argv[2]))
bad = [f for f in theirs if ours.get(f) != theirs[f]]
if bad or len(ours) != int(sys.argv[3]) or len(theirs) != len(ours):
    print("%d frames differ (first %s), %d ours, %d tshark's" % (len(bad), bad[:3], len(ours), len(theirs)))
    sys.exit(1)
EOF

# 1. defaults: one connection per SYN source, as tshark numbers them
"$SYNFIN" -F jsonl -r "$cap" >"$TMP/def.jsonl"
out=$(python3 "$TMP/check.py" "$TMP/def.jsonl" 0) || fail "defaults: $out"
eval "$out"
[ "$conns" = "$connections" ] || fail "defaults: $conns connections, the generator made $connections"
[ "$refused" = 10000 ] && [ "$unanswered_syn" = $((connections - 10000)) ] && [ "$other" = 0 ] ||
    fail "defaults: $unanswered_syn unanswered, $refused refused, $other other"
[ "$r_memcap" = 0 ] || fail "defaults: $r_memcap released under the default --memcap"
if command -v tshark >/dev/null; then
    # the same stream for each frame as tshark, and as many streams (on the
    # first 20,000 SYNs and what follows them, to keep tshark's part short)
    python3 bench/gen_synflood.py "$TMP/small.pcap" --count 20000 --refused 10 --retrans 7 2>/dev/null
    "$SYNFIN" -F jsonl -r "$TMP/small.pcap" >"$TMP/small.jsonl"
    tshark -r "$TMP/small.pcap" -T fields -e frame.number -e tcp.stream 2>/dev/null >"$TMP/ts.tsv"
    ts=$(cut -f2 "$TMP/ts.tsv" | sort -u | wc -l)
    [ "$ts" = 20000 ] || fail "tshark has $ts tcp.stream values for 20,000 SYN sources"
    python3 "$TMP/streams.py" "$TMP/small.jsonl" "$TMP/ts.tsv" "$(wc -l <"$TMP/ts.tsv")" ||
        fail "defaults: tcp.stream differs from tshark's"
fi

# 2. a small --memcap: bounded, every connection still written and counted
memcap=4000000
"$SYNFIN" -F jsonl --memcap $memcap -r "$cap" >"$TMP/cap.jsonl"
out=$(python3 "$TMP/check.py" "$TMP/cap.jsonl" $memcap) || fail "--memcap $memcap: $out"
eval "$out"
released=$r_memcap
[ "$r_memcap" -gt 0 ] || fail "--memcap $memcap: nothing released"
[ "$refused" = 10000 ] || fail "--memcap $memcap: $refused refused, want 10000"
# a released attempt's second SYN starts a new connection: more records, never fewer
[ "$conns" -ge "$connections" ] || fail "--memcap $memcap: $conns connections < $connections"
sum=$("$SYNFIN" -F summary --memcap $memcap -r "$cap")
line=$(printf '%s\n' "$sum" | grep '^ended early: ') || fail "summary: no 'ended early:' line"
got=$(printf '%s' "$line" | sed -n 's/.* \([0-9,]*\) under --memcap.*/\1/p' | tr -d ,)
[ "$got" = "$r_memcap" ] || fail "summary says '$line', the records $r_memcap memcap"
n=$(printf '%s\n' "$sum" | grep -cE '^[0-9]+  ')
[ "$n" = "$conns" ] || fail "summary: $n connection lines, $conns records"
printf '%s\n' "$sum" | grep -q '^memory: ' || fail "summary: no memory line"
# RSS: the cap bounds the process (on top of its measured base, the libraries); the
# defaults hold every attempt (~140 B each) and every full record (~2 KB)
python3 bench/gen_synflood.py "$TMP/one.pcap" --count 1 2>/dev/null
/usr/bin/time -f '%M' -o "$TMP/rss0" "$SYNFIN" -F summary -r "$TMP/one.pcap" >/dev/null
base=$(cat "$TMP/rss0")   # the process with its libraries (libcrypto, libpq, ...), no state
/usr/bin/time -f '%M' -o "$TMP/rss" "$SYNFIN" -F summary --memcap $memcap -r "$cap" >/dev/null
rss=$(cat "$TMP/rss")
[ "$rss" -le $((base + memcap / 1024 + 8 * 1024)) ] || fail "--memcap $memcap: RSS $rss KB (base $base KB)"

# 3. --syn-timeout: the flood spans 1 s, its second SYNs come 1 s later
"$SYNFIN" -F jsonl --syn-timeout 0.5 -r "$cap" >"$TMP/to.jsonl"
out=$(python3 "$TMP/check.py" "$TMP/to.jsonl" 0) || fail "--syn-timeout: $out"
eval "$out"
[ "$r_syn_timeout" -gt 0 ] || fail "--syn-timeout 0.5: no attempt ended by it"
echo "100,000 SYNs: defaults $connections connections as generated (tcp.stream = tshark's on 20,000); --memcap $memcap released $released (RSS $rss KB), every frame and connection counted; --syn-timeout ended $r_syn_timeout"
