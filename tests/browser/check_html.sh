#!/usr/bin/env bash
# check_html.sh - the -F html report in a real browser (headless Chromium).
#
# For the bundled captures (each alone, and several merged), the DOM after
# the page's scripts ran must hold the connections and HTTP transactions
# that synfin -F jsonl reports for the same input, with no script error;
# ladders, anomalies and a hostile URI are checked on chosen connections;
# screenshots must not be blank; a synthetic capture of 2,000 connections
# must load within the timeout and show its first page.  One line per check
# ("ok ..." / "FAIL ..."); exit status 1 when any failed.
set -uo pipefail
cd "$(dirname "$0")/../.."

SYNFIN=${SYNFIN:-build/synfin}
ASAN_SYNFIN=${ASAN_SYNFIN:-build/asan/synfin}
CHROMIUM=${CHROMIUM:-chromium}
HERE=tests/browser
WORK=$(mktemp -d /tmp/synfin-html.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
failed=0

ok() { printf 'ok %s\n' "$1"; }
bad() { failed=$((failed + 1)); printf 'FAIL %s\n' "$1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/    /' | head -20; }

if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
    bad "chromium is not installed (scripts/deps.sh test installs Debian's chromium)"
    exit 1
fi

# One headless run, bounded; a fresh profile each time, nothing from the network.
chrome() {
    local profile
    profile=$(mktemp -d "$WORK/profile.XXXXXX")
    timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-dev-shm-usage --user-data-dir="$profile" "$@"
}

# report NAME ARGS...: the html and jsonl outputs of synfin for ARGS.
report() {
    local name=$1
    shift
    if ! "$SYNFIN" -F html -o "$WORK/$name.html" "$@" 2>"$WORK/$name.err"; then
        bad "$name: synfin -F html failed" "$(cat "$WORK/$name.err")"
        return 1
    fi
    "$SYNFIN" -F jsonl "$@" >"$WORK/$name.jsonl" 2>/dev/null
    return 0
}

# dom NAME HASH CHECK-OPTIONS...: load the report, dump the DOM, check it.
dom() {
    local name=$1 hash=$2
    shift 2
    if ! chrome --enable-logging=stderr --v=0 --dump-dom "file://$WORK/$name.html$hash" \
        >"$WORK/$name.dom" 2>"$WORK/$name.log"; then
        bad "$name: chromium --dump-dom failed or took over 60 s" "$(tail -5 "$WORK/$name.log")"
        return
    fi
    # Errors the page could not record itself (a syntax error before errors.js ran).
    if grep -q 'Uncaught\|CONSOLE.*[Ee]rror' "$WORK/$name.log"; then
        bad "$name: console errors" "$(grep 'Uncaught\|CONSOLE' "$WORK/$name.log" | head -5)"
    else
        ok "$name: no console error in chromium's log"
    fi
    python3 "$HERE/html_check.py" dom "$WORK/$name.dom" "$WORK/$name.jsonl" --name "$name" "$@" || failed=$((failed + 1))
}

shot() {
    local name=$1 hash=$2
    if ! chrome --hide-scrollbars --window-size=1280,900 --screenshot="$WORK/$name.png" \
        "file://$WORK/$name.html$hash" >/dev/null 2>&1 || [ ! -s "$WORK/$name.png" ]; then
        bad "$name: chromium --screenshot failed"
        return
    fi
    python3 "$HERE/html_check.py" png "$WORK/$name.png" "$name" || failed=$((failed + 1))
    # Kept for a look by eye when SYNFIN_HTML_SHOTS names a directory.
    [ -n "${SYNFIN_HTML_SHOTS:-}" ] && mkdir -p "$SYNFIN_HTML_SHOTS" && cp "$WORK/$name.png" "$WORK/$name.html" "$SYNFIN_HTML_SHOTS/"
    return 0
}

# Every bundled capture: connections and transactions as -F jsonl says.
for cap in captures/*.pcap captures/*.pcapng; do
    [ -f "$cap" ] || continue
    name=$(basename "$cap")
    name=${name%.*}
    report "$name" -r "$cap" && dom "$name" ""
done

# The reference capture: its ladder, folds and HTTP labels.
if report keepalive -r captures/http-keepalive-3get.pcap; then
    dom keepalive "#conn=0" --ladder 0 --text "GET /index.html" --text "200 OK" --text "GET /style.css" \
        --text "connect" --text "disconnect" --text "segments" --text "iRTT"
    shot keepalive "#conn=0"
fi

# Several captures merged: several connections, anomalies on their arrows.
merged=()
for c in http-keepalive-3get http-refused tcp-loss-retransmit tcp-syn-dropped http-pipelining tcp-zero-window; do
    [ -f "captures/$c.pcap" ] && merged+=(-r "captures/$c.pcap")
done
if report merged "${merged[@]}"; then
    anom=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("type") == "packet" and set(r.get("analysis", [])) - {"window_update"}:
        print(r["conn"]); break' "$WORK/merged.jsonl")
    dom merged "#conn=${anom:-0}" --ladder "${anom:-0}" --anomaly
    shot merged ""
fi

# 2,000 connections: loads within the timeout, first page drawn; connection
# 0 asks for a URI made to end the report's <script> elements.
python3 "$HERE/html_check.py" mkpcap "$WORK/many.pcap" 2000
if report many -r "$WORK/many.pcap"; then
    start=$(date +%s%N)
    dom many "#conn=0" --ladder 0 --hostile --text "200 OK"
    ms=$((($(date +%s%N) - start) / 1000000))
    ok "many: 2,000 connections ($(($(stat -c %s "$WORK/many.html") / 1024)) KB of HTML) loaded and checked in $ms ms"
    shot many ""
fi

# The writer itself under ASan+UBSan, on everything above.
if [ -x "$ASAN_SYNFIN" ]; then
    asan_bad=
    for cap in captures/*.pcap "$WORK/many.pcap"; do
        "$ASAN_SYNFIN" -F html -r "$cap" >/dev/null 2>"$WORK/asan.err"
        if grep -q 'Sanitizer\|runtime error' "$WORK/asan.err"; then
            asan_bad="$cap"
            break
        fi
    done
    if [ -n "$asan_bad" ]; then
        bad "asan -F html $asan_bad" "$(head -20 "$WORK/asan.err")"
    else
        ok "-F html under ASan+UBSan: every bundled capture and the 2,000-connection one"
    fi
fi

[ "$failed" -eq 0 ]
