# -t: the time column of text and ladder equals tshark's _ws.col.Time for each
# of tshark's -t formats, and tcpdump's first column for -tt .. -ttttt, on a
# microsecond and a nanosecond capture of two interleaved connections.
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d "$TMP/timefmt.XXXXXX")
export TZ=Asia/Seoul   # local time differs from UTC, so a/ad cannot pass by accident
mergecap -w "$TMP/us.pcap" captures/http-keepalive-3get.pcap captures/http-gzip.pcap captures/tcp-reorder.pcap 2>/dev/null \
    || fail "mergecap failed"
editcap -F nsecpcap "$TMP/us.pcap" "$TMP/ns.pcap" 2>/dev/null || fail "editcap -F nsecpcap failed"
# A nanosecond file shows 9 digits; make the last three non-zero so they are seen.
python3 - "$TMP/ns.pcap" <<'PY'
import struct, sys
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
off, i = 24, 0
while off + 16 <= len(d):
    s, frac, cl, wl = struct.unpack("<IIII", d[off:off + 16])
    struct.pack_into("<I", d, off + 4, min(frac + 100 + i * 7, 999999999))
    off += 16 + cl
    i += 1
open(p, "wb").write(d)
PY

ours() {  # FILE ARGS...: "frame<TAB>time" of every packet line of the text view
    local f=$1; shift
    "$SYNFIN" --color=never "$@" -r "$f" | sed -n 's/^ *\([0-9][0-9]*\)  \(.*[0-9]\)  C\(->\|<-\)S  \[.*/\1\t\2/p' | sort -n
}
ladder() {  # FILE ARGS...: "frame<TAB>time" of every arrow of the ladder
    local f=$1; shift
    "$SYNFIN" --color=never --ascii --full -F ladder "$@" -r "$f" |
        sed -n 's/^ *\([0-9][0-9]*\) \(.*[0-9]\) |.*/\1\t\2/p' | sed 's/\t */\t/' | sort -n
}
checked=0
for f in "$TMP/us.pcap" "$TMP/ns.pcap"; do
    for t in r a ad adoy u ud udoy e d; do
        tshark -r "$f" -t "$t" -Y tcp -T fields -e frame.number -e _ws.col.Time 2>/dev/null | sort -n >"$TMP/theirs"
        [ -s "$TMP/theirs" ] || fail "tshark printed nothing for -t $t"
        ours "$f" -t "$t" >"$TMP/ours"
        diff -u "$TMP/theirs" "$TMP/ours" >"$TMP/diff" || fail "$(basename "$f") -t $t differs from tshark: $(head -8 "$TMP/diff")"
        ladder "$f" -t "$t" >"$TMP/lad"
        diff -u "$TMP/theirs" "$TMP/lad" >"$TMP/diff" || fail "$(basename "$f") ladder -t $t differs from tshark: $(head -8 "$TMP/diff")"
        checked=$((checked + 1))
    done
    # dd: since the previous frame of the same connection = tshark -t dd showing that stream only.
    : >"$TMP/theirs"
    for s in $(tshark -r "$f" -Y tcp -T fields -e tcp.stream 2>/dev/null | sort -un); do
        tshark -r "$f" -t dd -Y "tcp.stream == $s" -T fields -e frame.number -e _ws.col.Time 2>/dev/null >>"$TMP/theirs"
    done
    sort -n -o "$TMP/theirs" "$TMP/theirs"
    ours "$f" -t dd >"$TMP/ours"
    diff -u "$TMP/theirs" "$TMP/ours" >"$TMP/diff" || fail "$(basename "$f") -t dd differs from tshark per stream: $(head -8 "$TMP/diff")"
    checked=$((checked + 1))
    # tcpdump -tt .. -ttttt: synfin's -t takes the same letters (getopt hands -ttt over as -t tt).
    prec=micro
    [ "$f" = "$TMP/ns.pcap" ] && prec=nano   # tcpdump shows ns only when asked; tshark and synfin follow the file
    for tt in tt ttt tttt ttttt; do
        tcpdump -n --time-stamp-precision=$prec "-$tt" -r "$f" 2>/dev/null | awk '{ if ($1 ~ /^[0-9][0-9][0-9][0-9]-/) print NR "\t" $1 " " $2; else print NR "\t" $1 }' >"$TMP/theirs"
        ours "$f" "-$tt" >"$TMP/ours"
        diff -u "$TMP/theirs" "$TMP/ours" >"$TMP/diff" || fail "$(basename "$f") -$tt differs from tcpdump: $(head -8 "$TMP/diff")"
        checked=$((checked + 1))
    done
done
# The nanosecond file really shows nine digits.
ours "$TMP/ns.pcap" | head -1 | grep -Eq '	[0-9]+\.[0-9]{9}$' || fail "nanosecond capture not shown with 9 digits"
# Explanation lines keep their place before the direction arrow whatever the width of the time.
"$SYNFIN" --color=never --explain -t ad -r "$TMP/us.pcap" | awk '
    /  C(->|<-)S  \[/ { col = index($0, "C->S"); if (!col) col = index($0, "C<-S"); next }
    /↳/ { if (index($0, "↳") != col - 2) { print "misaligned: " $0; exit 1 } }' || fail "explanation not aligned with -t ad"
out=$("$SYNFIN" -t x -r "$TMP/us.pcap" 2>&1) && fail "-t x accepted"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "-t x: not one line: $out"
echo "$checked time formats equal tshark's and tcpdump's, us and ns, text and ladder"
