#!/usr/bin/env bash
# run.sh - the whole suite (make check calls it after building both variants).
#
# Groups: cmocka unit tests (plain and ASan+UBSan), golden outputs of the
# bundled captures, CLI behaviour, live capture in network namespaces and
# --demo (root), the tshark differential over every capture, Community ID
# against tshark's communityid, the TLS and h2c test captures against tshark,
# connection facts against tshark, the HTML report in headless Chromium, and
# the corpus under ASan+UBSan.
# Ends with one line "N passed, N failed".  The public corpus is read in place
# from $SYNFIN_CORPUS (default ../shared/captures); when it is absent those
# groups say so and are skipped, the rest still runs.
set -uo pipefail
cd "$(dirname "$0")/.."

SYNFIN=${SYNFIN:-build/synfin}
ASAN_SYNFIN=${ASAN_SYNFIN:-build/asan/synfin}
CORPUS=${SYNFIN_CORPUS:-../shared/captures}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
TMP=$(mktemp -d /tmp/synfin-check.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

passed=0
failed=0
failures=()

ok() { passed=$((passed + 1)); printf '  ok    %s\n' "$1"; }
bad() { failed=$((failed + 1)); failures+=("$1"); printf '  FAIL  %s\n' "$1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/        /' | head -40; }

bundled=(captures/*.pcap captures/*.pcapng)
bundled=($(ls "${bundled[@]}" 2>/dev/null))
corpus=()
if [ -d "$CORPUS" ]; then
    mapfile -t corpus < <(find "$CORPUS" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | sort)
fi

# ---------------------------------------------------------------- unit tests
echo "unit tests (cmocka)"
for variant in build build/asan; do
    for t in "$variant"/tests/test_*; do
        [ -x "$t" ] || continue
        out=$("$t" 2>&1)
        rc=$?
        n=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
        if [ $rc -eq 0 ] && ! printf '%s' "$out" | grep -q 'runtime error\|Sanitizer'; then
            ok "$t (${n:-?} tests)"
        else
            bad "$t" "$(printf '%s\n' "$out" | grep -v '^\[ \(RUN\|       OK\) ' | tail -30)"
        fi
    done
done

# ------------------------------------------------ fuzz corpora replayed
# Every parser's libFuzzer harness runs over its committed corpus (and the
# bundled captures) once, under ASan+UBSan: regressions of past findings.
echo "fuzz corpora (replay)"
for bin in build/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    target=$(basename "$bin")
    target=${target#fuzz_}
    dirs=()
    [ -d "fuzz/corpus/$target" ] && dirs+=("fuzz/corpus/$target")
    if out=$("$bin" -runs=0 "${dirs[@]}" 2>&1); then
        ok "fuzz_$target replays $(printf '%s\n' "$out" | sed -n 's/.*INITED.*corp: \([0-9]*\).*/\1/p' | tail -1) inputs clean"
    else
        bad "fuzz_$target replay" "$(printf '%s\n' "$out" | tail -20)"
    fi
done

# ------------------------------------------------------------ golden outputs
# Expected outputs of the bundled captures were checked by hand against
# tshark when written (tests/golden/README.md); any change must be reviewed.
echo "golden outputs (bundled captures)"
for cap in "${bundled[@]}"; do
    name=$(basename "$cap")
    name=${name%.*}
    for fmt in text jsonl summary; do
        exp="tests/golden/$name.$fmt"
        [ -f "$exp" ] || { bad "golden $name.$fmt" "missing $exp (run tests/tools/regolden.sh and review)"; continue; }
        "$SYNFIN" -F "$fmt" --color=never -r "$cap" >"$TMP/out" 2>"$TMP/err"
        if diff -u "$exp" "$TMP/out" >"$TMP/diff"; then
            ok "golden $name.$fmt"
        else
            bad "golden $name.$fmt" "$(head -30 "$TMP/diff")"
        fi
    done
done

# --------------------------------------------------------- CLI behaviour
echo "command line"
for t in tests/cli/*.sh; do
    [ -f "$t" ] || continue
    [ "$(basename "$t")" = lib.sh ] && continue
    if out=$(SYNFIN="$SYNFIN" CORPUS="$CORPUS" TMP="$TMP" bash "$t" 2>&1); then
        ok "$(basename "$t" .sh): $(printf '%s' "$out" | tail -1)"
    else
        bad "$(basename "$t" .sh)" "$out"
    fi
done

# ------------------------------------------- live capture and --demo (root)
# tests/live/*.sh: -i on a veth between two network namespaces, --demo on
# lo.  Each prints "ok ..." / "FAIL ...: detail" per check, counted here.
# They need root (CI runs as root) and fail, never skip, without it.
echo "live capture and --demo (root, network namespaces)"
for t in tests/live/*.sh; do
    [ -f "$t" ] || continue
    out=$(SYNFIN="$SYNFIN" timeout 180 bash "$t" 2>&1)
    rc=$?
    while IFS= read -r line; do
        case $line in
        "ok "*) ok "$(basename "$t" .sh): ${line#ok }" ;;
        "FAIL "*) bad "$(basename "$t" .sh): ${line#FAIL }" ;;
        esac
    done <<<"$out"
    if [ $rc -ne 0 ] && ! grep -q '^FAIL ' <<<"$out"; then
        bad "$(basename "$t" .sh) (exit $rc)" "$out"
    fi
done

# ------------------------------------------------- differential vs tshark
echo "tshark differential"
if ! command -v tshark >/dev/null; then
    bad "tshark differential" "tshark is not installed (scripts/deps.sh test installs it)"
else
    if [ ${#corpus[@]} -eq 0 ]; then
        echo "  skip  public corpus absent at $CORPUS: differential on the bundled captures only"
    fi
    if out=$(python3 tests/tools/diff_tshark.py "$SYNFIN" "${bundled[@]}" "${corpus[@]}" \
        --known tests/tshark-known-differences.tsv --root "$(dirname "$CORPUS")" 2>&1); then
        ok "$(printf '%s' "$out" | head -1)"
    else
        bad "tshark differential" "$out"
    fi
    if out=$(python3 tests/tools/diff_analysis.py "$SYNFIN" "${bundled[@]}" "${corpus[@]}" \
        --known tests/analysis-known-differences.tsv --min-f1 0.99 --min-f1-wide 0.975 \
        --root "$(dirname "$CORPUS")" 2>&1); then
        ok "$(printf '%s' "$out" | head -1)"
    else
        bad "tcp.analysis vs tshark" "$out"
    fi
    if out=$(python3 tests/tools/diff_tcpopts.py "$SYNFIN" "${bundled[@]}" "${corpus[@]}" \
        --known tests/tcpopts-known-differences.tsv --root "$(dirname "$CORPUS")" 2>&1); then
        ok "$(printf '%s' "$out" | head -1)"
    else
        bad "tcp options vs tshark" "$out"
    fi
    if [ ${#corpus[@]} -gt 0 ]; then
        if out=$(python3 tests/tools/zeek_conn.py "$SYNFIN" "$CORPUS" 2>&1); then
            ok "$(printf '%s' "$out" | head -1)"
        else
            bad "zeek conn.log baselines" "$out"
        fi
    fi
    if out=$(python3 tests/tools/conn_facts.py "$SYNFIN" "${bundled[@]}" "${corpus[@]}" \
        --known tests/conn-facts-known-differences.tsv \
        --root "$(dirname "$CORPUS")" 2>&1); then
        ok "$(printf '%s' "$out" | head -1)"
    else
        bad "connection facts vs tshark" "$out"
    fi
    # HTTP: per connection (method, uri) and status lists vs tshark, plus the
    # Zeek http.log and suricata-verify baselines (tests/tools/diff_http.py).
    if out=$(python3 tests/tools/diff_http.py "$SYNFIN" "${bundled[@]}" "${corpus[@]}" \
        --known tests/http-known-differences.tsv \
        --root "$(dirname "$CORPUS")" 2>&1); then
        ok "$(printf '%s' "$out" | head -1)"
    else
        bad "http differential" "$out"
    fi
    # HTTP/2: per connection (stream, :method, :path) and (stream, :status)
    # vs tshark's http2 (tests/tools/diff_h2.py).
    if out=$(python3 tests/tools/diff_h2.py "$SYNFIN" captures/h2/*.pcap* "${corpus[@]}" \
        --known tests/h2-known-differences.tsv \
        --root "$(dirname "$CORPUS")" 2>&1); then
        ok "$(printf '%s' "$out" | head -1)"
    else
        bad "http2 differential" "$out"
    fi
    # TLS without keys: per connection SNI, offered ALPN, chosen version,
    # suite and ALPN vs tshark (tests/tools/diff_tls.py).
    if out=$(python3 tests/tools/diff_tls.py "$SYNFIN" "${bundled[@]}" captures/tls/*.pcap* "${corpus[@]}" \
        --known tests/tls-known-differences.tsv \
        --root "$(dirname "$CORPUS")" 2>&1); then
        ok "$(printf '%s' "$out" | head -1)"
    else
        bad "tls differential" "$out"
    fi
    # TLS records per frame: content types and handshake types vs tshark's
    # tls.record.content_type / opaque_type and tls.handshake.type
    # (tests/tools/diff_tls_records.py).
    if out=$(python3 tests/tools/diff_tls_records.py "$SYNFIN" "${bundled[@]}" captures/tls/*.pcap* "${corpus[@]}" \
        --known tests/tls-records-known-differences.tsv \
        --root "$(dirname "$CORPUS")" 2>&1); then
        ok "$(printf '%s' "$out" | head -1)"
    else
        bad "tls records differential" "$out"
    fi
    # TLS with keys: HTTP/1.x and HTTP/2 request/response lists (frames
    # included) and --follow's decrypted text vs tshark -o tls.keylog_file
    # (tests/tools/diff_tls_decrypt.py), the bundled captures with their
    # key logs and the pcapng with a Decryption Secrets Block.
    if out=$(python3 tests/tools/diff_tls_decrypt.py "$SYNFIN" captures/tls/*.pcap* \
        --known tests/tls-decrypt-known-differences.tsv 2>&1); then
        ok "$(printf '%s' "$out" | head -1)"
    else
        bad "tls decryption differential" "$out"
    fi
fi

# --------------------------------- Community ID vs tshark's communityid
# The conn records' community_id against tshark's Community ID post-dissector,
# seed 0 on every bundled capture and Zeek's traces, seed 1 on the bundled ones.
echo "community id (tshark communityid)"
if command -v tshark >/dev/null; then
    zeek_caps=()
    [ -d "$CORPUS/zeek" ] && zeek_caps=("$CORPUS"/zeek/*.pcap)
    for seed in 0 1; do
        caps=("${bundled[@]}" captures/tls/*.pcap* captures/h2/*.pcap*)
        [ $seed -eq 0 ] && caps+=("${zeek_caps[@]}")
        if out=$(python3 tests/tools/community_id.py "$SYNFIN" --seed $seed "${caps[@]}" 2>&1); then
            ok "$(printf '%s' "$out" | tail -1)"
        else
            bad "community_id vs tshark (seed $seed)" "$out"
        fi
    done
fi

# ------------------------------- TLS and h2c test captures vs tshark
# captures/tls/ and captures/h2/ (scripts/make-tls-captures.sh,
# make-h2-captures.sh) must show, decrypted by tshark with their key logs,
# what the scripts meant to record; a field tshark lacks is a failure.
echo "TLS and h2c captures (tshark)"
if ! command -v tshark >/dev/null; then
    bad "TLS and h2c captures" "tshark is not installed (scripts/deps.sh test installs it)"
elif out=$(python3 tests/tools/check_tls_captures.py --root . 2>&1); then
    ok "$(printf '%s' "$out" | tail -1)"
else
    bad "TLS and h2c captures" "$out"
fi
# The TLS handshake phase synfin tells without keys (start, end, duration,
# round trips) equals what tshark reads with the key logs
# (tests/tools/tls_handshake_timing.py).
if command -v tshark >/dev/null; then
    if out=$(python3 tests/tools/tls_handshake_timing.py "$SYNFIN" captures/tls/*.pcap 2>&1); then
        ok "$(printf '%s' "$out" | head -1)"
    else
        bad "tls handshake timing" "$out"
    fi
fi

# ------------------------------------------ HTML report in a real browser
# tests/browser/check_html.sh: headless Chromium loads -F html reports; one
# "ok ..." / "FAIL ..." line per check.
echo "html report (headless chromium)"
SYNFIN="$SYNFIN" ASAN_SYNFIN="$ASAN_SYNFIN" bash tests/browser/check_html.sh >"$TMP/browser.out" 2>&1
browser_rc=$?
while IFS= read -r line; do
    case "$line" in
    "ok "*) ok "${line#ok }" ;;
    "FAIL "*) bad "${line#FAIL }" ;;
    *) printf '        %s\n' "$line" ;;
    esac
done <"$TMP/browser.out"
if [ $browser_rc -ne 0 ] && ! grep -q '^FAIL ' "$TMP/browser.out"; then
    bad "html report checks (exit $browser_rc)" "$(tail -20 "$TMP/browser.out")"
fi

# ------------------------------------------- corpus under ASan + UBSan
echo "every capture under ASan+UBSan"
if [ ! -x "$ASAN_SYNFIN" ]; then
    bad "asan build" "$ASAN_SYNFIN missing"
else
    for cap in "${bundled[@]}" "${corpus[@]}"; do
        for fmt in text jsonl summary; do
            "$ASAN_SYNFIN" -F "$fmt" --color=never -r "$cap" >/dev/null 2>"$TMP/err"
            rc=$?
            if grep -q 'Sanitizer\|runtime error' "$TMP/err" || [ $rc -gt 1 ]; then
                bad "asan $cap -F $fmt (exit $rc)" "$(head -20 "$TMP/err")"
                continue 2
            fi
            # A broken file gives exactly one line of error, and the exit code 1.
            if [ $rc -eq 1 ] && [ "$(wc -l <"$TMP/err")" -ne 1 ]; then
                bad "asan $cap: error is not one line" "$(cat "$TMP/err")"
                continue 2
            fi
        done
        ok "asan $(basename "$cap")"
    done
fi

echo
if [ $failed -gt 0 ]; then
    echo "failures:"
    printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
