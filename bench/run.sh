#!/usr/bin/env bash
# bench/run.sh - time synfin beside tshark, tcpdump and tcptrace on the same
# captures; print a Markdown table and write it to bench/results/latest.md.
#
#   bench/run.sh                          profiles "bulk many" (~1 GB + 100k conns)
#   BENCH_QUICK=1 bench/run.sh            small variants (~50 MB, 5k conns)
#   BENCH_PROFILES=many bench/run.sh      one profile
#   BENCH_PROFILES="synflood ooo" bench/run.sh   crafted captures (no root needed):
#                                         1,000,000 unanswered SYNs (gen_synflood.py),
#                                         1,000 x 4,000 out-of-order bytes (gen_ooo.py)
#   BENCH_PROFILES=tls bench/run.sh       HTTPS with its key log: synfin and
#                                         tshark decrypting (bench/gen.sh tls)
#
# Environment: BENCH_PROFILES (default "bulk many"), BENCH_QUICK (0|1),
# BENCH_REPEAT (runs per tool, best wall time kept; default 1),
# BENCH_TIMEOUT (seconds per run, default 1800), SYNFIN (default build/synfin),
# BENCH_OUT (default bench/results/latest.md).
# Missing captures are generated first with bench/gen.sh (needs root).
set -euo pipefail

# the whole script is one function, so editing this file during a run is safe
main() {

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PROFILES=${BENCH_PROFILES:-bulk many}
QUICK=${BENCH_QUICK:-0}
REPEAT=${BENCH_REPEAT:-1}
TMO=${BENCH_TIMEOUT:-1800}
SYNFIN=${SYNFIN:-build/synfin}
OUTMD=${BENCH_OUT:-bench/results/latest.md}
DATA=${BENCH_DATA:-bench/data}
SUFFIX=
[ "$QUICK" = 1 ] && SUFFIX=-quick

log() { printf 'run.sh: %s\n' "$*" >&2; }
need() { # CMD PACKAGE
    command -v "$1" >/dev/null 2>&1 && return 0
    log "installing $2 (for $1)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$2" >/dev/null 2>&1 ||
        { apt-get update >/dev/null 2>&1 || true
          DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$2" >/dev/null; } ||
        { log "cannot install $2; rows using $1 will fail"; return 0; }
}
[ -x /usr/bin/time ] || need /usr/bin/time time
need tshark tshark
need capinfos wireshark-common
need tcpdump tcpdump
need tcptrace tcptrace

TMP=$(mktemp -d /tmp/sf-benchrun.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

if [ ! -x "$SYNFIN" ]; then
    log "$SYNFIN not found (run make first); its rows will say 'missing'"
fi

# TOOLS: label | command with F for the capture file
TOOLS=(
    "synfin -F summary|$SYNFIN -F summary -r F"
    "synfin -F jsonl|$SYNFIN -F jsonl -r F"
    "tshark -2|tshark -2 -r F -T fields -e frame.number -e tcp.stream -e tcp.analysis.flags -e http.request.method -e http.response.code"
    "tcpdump|tcpdump -n -r F"
    "tcptrace|tcptrace -n F"
)
# The tls profile: without keys, then decrypting with the key log K.
TLS_TOOLS=(
    "synfin -F summary|$SYNFIN -F summary -r F"
    "synfin -F jsonl (no keys)|$SYNFIN -F jsonl -r F"
    "synfin -F jsonl --keylog|$SYNFIN -F jsonl --keylog K -r F"
    "tshark -2 (keylog)|tshark -2 -o tls.keylog_file:K -r F -T fields -e frame.number -e tcp.stream -e http.request.method -e http.response.code"
)

# run_one CMD... : sets R_SEC, R_RSS_KB, R_RC ; stdout discarded, stderr to $TMP/err
run_one() {
    local t0 t1
    t0=$(date +%s%N)
    set +e
    /usr/bin/time -v -o "$TMP/time" timeout "$TMO" "$@" >/dev/null 2>"$TMP/err"
    R_RC=$?
    set -e
    t1=$(date +%s%N)
    R_SEC=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    R_RSS_KB=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$TMP/time")
    [ -n "$R_RSS_KB" ] || R_RSS_KB=0
    # GNU time writes "Command exited with non-zero status N" into its file
    # and itself exits with the child's status.
}

ratio() { # SEC BASE
    awk -v t="$1" -v b="$2" 'BEGIN {
        if (b <= 0 || t <= 0) { print "n/a"; exit }
        r = t / b
        if (r >= 1.05)      printf "%.1fx slower\n", r
        else if (r <= 0.95) printf "%.1fx faster\n", 1 / r
        else                print "about the same"
    }'
}

{
    echo "# synfin benchmark"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- host: $(nproc) CPU ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo) RAM, kernel $(uname -r)"
    if [ -x "$SYNFIN" ]; then
        echo "- synfin: \`$SYNFIN\` built $(date -u -r "$SYNFIN" '+%Y-%m-%d %H:%M UTC'), tree at commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo 'none')$( [ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -1)" ] && echo ' (with uncommitted changes)')"
    else
        echo "- synfin: missing ($SYNFIN not built)"
    fi
    echo "- tshark $(tshark --version 2>/dev/null | awk 'NR==1 { print $3 }'), tcpdump $(tcpdump --version 2>&1 | awk 'NR==1 { print $3 }'), tcptrace $(tcptrace -v 2>&1 | sed -n 's/.*version \([0-9.]*\).*/\1/p' | head -1)"
    echo "- runs per tool: $REPEAT (best wall time kept); page cache warm; output to /dev/null"
} >"$TMP/report.md"

for prof in $PROFILES; do
    case $prof in bulk | many | synflood | ooo | tls) ;; *) log "unknown profile '$prof' (bulk, many, synflood, ooo, tls), skipped"; continue ;; esac
    F=$DATA/$prof$SUFFIX.pcap
    K=$DATA/$prof$SUFFIX.keys
    if [ "$prof" = tls ]; then RUN_TOOLS=("${TLS_TOOLS[@]}"); else RUN_TOOLS=("${TOOLS[@]}"); fi
    if [ ! -s "$F" ]; then
        mkdir -p "$DATA"
        case $prof in
        synflood)   # crafted, no root: 1,000,000 SYNs from distinct sources (quick: 100,000)
            log "$F missing: generating it with bench/gen_synflood.py"
            python3 bench/gen_synflood.py "$F" --count $([ "$QUICK" = 1 ] && echo 100000 || echo 1000000) ||
                { log "could not generate $F, skipping $prof"; continue; } ;;
        ooo)        # crafted: 1,000 connections x 4,000 one-byte segments, first byte last
            log "$F missing: generating it with bench/gen_ooo.py"
            python3 bench/gen_ooo.py "$F" --order hole $([ "$QUICK" = 1 ] && echo --conns 100) ||
                { log "could not generate $F, skipping $prof"; continue; } ;;
        *)
            log "$F missing: generating it with bench/gen.sh"
            BENCH_QUICK=$QUICK BENCH_DATA=$DATA bench/gen.sh "$prof" ||
                { log "could not generate $F, skipping $prof"; continue; } ;;
        esac
    fi
    BYTES=$(stat -c %s "$F")
    PKTS=$(capinfos -c -M "$F" 2>/dev/null | awk -F': *' '/Number of packets/ { print $2 }')
    [ -n "$PKTS" ] || PKTS=$(tcpdump -n -r "$F" 2>/dev/null | wc -l)
    log "$prof: $F, $BYTES bytes, $PKTS packets; warming the page cache"
    cat "$F" >/dev/null

    {
        echo
        echo "## $prof$SUFFIX: \`$F\`, $(awk -v b="$BYTES" 'BEGIN { printf "%.1f MB", b / 1e6 }'), $PKTS packets"
        echo
        echo "| tool | seconds | MB/s | packets/s | peak RSS MB | vs synfin -F summary |"
        echo "|---|---:|---:|---:|---:|---|"
    } >>"$TMP/report.md"

    BASE=0
    ROWS=("${RUN_TOOLS[@]}")
    # the out-of-order capture is about reassembly: -F har runs the reassembler
    # (with the issue's 1 MiB --reasm-memcap too); the others do not reassemble
    [ "$prof" = ooo ] && ROWS=("${TOOLS[0]}" "synfin -F har|$SYNFIN -F har -r F"
                               "synfin -F har --reasm-memcap 1048576|$SYNFIN -F har --reasm-memcap 1048576 -r F"
                               "${TOOLS[@]:1}")
    for entry in "${ROWS[@]}"; do
        label=${entry%%|*}
        cmdline=${entry#*|}
        # replace only the standalone token F by the capture path
        read -r -a cmd <<<"$cmdline"
        for i in "${!cmd[@]}"; do
            if [ "${cmd[i]}" = F ]; then cmd[i]=$F; fi
            if [ "${cmd[i]}" = K ]; then cmd[i]=$K; fi
            cmd[i]=${cmd[i]/tls.keylog_file:K/tls.keylog_file:$K}
        done
        if [[ $label == synfin* ]] && [ ! -x "$SYNFIN" ]; then
            log "$prof: $label: missing ($SYNFIN not built)"
            echo "| $label | missing | | | | |" >>"$TMP/report.md"
            continue
        fi
        best_sec='' best_rss=0 status=ok
        for ((r = 1; r <= REPEAT; r++)); do
            log "$prof: $label (run $r/$REPEAT)"
            run_one "${cmd[@]}"
            if [ "$R_RC" = 124 ]; then status="timeout (${TMO}s)"; break; fi
            if [ "$R_RC" != 0 ]; then
                status="failed (exit $R_RC)"
                log "$prof: $label failed, exit $R_RC: $(grep -v '^Running as user' "$TMP/err" | head -2 | tr '\n' ' ')"
                break
            fi
            if [ -z "$best_sec" ] || awk -v a="$R_SEC" -v b="$best_sec" 'BEGIN { exit !(a < b) }'; then
                best_sec=$R_SEC best_rss=$R_RSS_KB
            fi
        done
        if [ "$status" != ok ]; then
            echo "| $label | $status | | | | |" >>"$TMP/report.md"
            continue
        fi
        [ "$label" = "synfin -F summary" ] && BASE=$best_sec
        if [ "$label" = "synfin -F summary" ]; then vs=baseline; else vs=$(ratio "$best_sec" "$BASE"); fi
        awk -v l="$label" -v s="$best_sec" -v b="$BYTES" -v p="$PKTS" -v m="$best_rss" -v v="$vs" 'BEGIN {
            if (s <= 0) s = 0.001
            printf "| %s | %.3f | %.1f | %.0f | %.1f | %s |\n", l, s, b / 1e6 / s, p / s, m / 1024, v
        }' >>"$TMP/report.md"
    done
done

mkdir -p "$(dirname "$OUTMD")"
cp "$TMP/report.md" "$OUTMD"
echo
cat "$OUTMD"
echo
log "written to $OUTMD"
}

main "$@"
exit
