# The text view's win= is the window as Wireshark's Info column shows it
# (tcp.window_size: scaled after the handshake, raw before or when unknown).
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d "$TMP/window.XXXXXX")
n=0
caps=(captures/*.pcap)
for c in zeek/bro.org.pcap zeek/m57-long-49583-80.pcap tcpdump/tcp_rst_data.pcap; do
    [ -f "$CORPUS/$c" ] && caps+=("$CORPUS/$c")
done
for c in "${caps[@]}"; do
    tshark -r "$c" -Y tcp -T fields -e frame.number -e tcp.window_size 2>/dev/null | sort -n >"$TMP/theirs"
    "$SYNFIN" --color=never -r "$c" | sed -n 's/^ *\([0-9][0-9]*\)  .*\] seq=.* win=\([0-9]*\) .*/\1\t\2/p' | sort -n >"$TMP/ours"
    diff -u "$TMP/theirs" "$TMP/ours" >"$TMP/diff" || fail "$c: win= differs from tshark's tcp.window_size: $(head -8 "$TMP/diff")"
    n=$((n + $(wc -l <"$TMP/ours")))
done
echo "win= of $n frames in ${#caps[@]} captures equals tshark's tcp.window_size"
