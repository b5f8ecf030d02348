# Explanations are translatable (gettext) and the Korean catalogue is complete and current.
. "$(dirname "$0")/lib.sh"
# Every message in the sources has a Korean translation, and po/ko.po is up to date.
xgettext --keyword=sf_tr --keyword=N_ --from-code=UTF-8 -o "$TMP/synfin.pot" --package-name=synfin \
    --no-location --sort-output src/format/*.c src/flow/names.c
python3 tests/tools/mkpo.py "$TMP/synfin.pot" po/ko.py "$TMP/ko.po" || fail "untranslated messages (see above)"
cmp -s "$TMP/ko.po" po/ko.po || fail "po/ko.po is out of date: run 'make po'"
msgfmt --check -o /dev/null po/ko.po || fail "po/ko.po does not compile"
n=$(grep -c '^msgid "[^"]' po/ko.po)
cap=captures/http-get-segmented.pcap
ko=$("$SYNFIN" --lang ko --explain --color=never -r "$cap")
printf '%s' "$ko" | grep -q '3-way 핸드셰이크' || fail "--lang ko: no '3-way 핸드셰이크'"
printf '%s' "$ko" | grep -q '세그먼트' || fail "--lang ko: no '세그먼트'"
# 단편화 is IP fragmentation only: it must never describe TCP segmentation.
bad=$(printf '%s\n' "$ko" | grep '단편화' | grep -v 'IP 단편화' || true)
[ -z "$bad" ] || fail "단편화 used outside IP fragmentation: $bad"
env_ko=$(LANG=ko_KR.UTF-8 LC_ALL= LANGUAGE= "$SYNFIN" --explain --color=never -r "$cap")
[ "$env_ko" = "$ko" ] || fail "LANG=ko_KR.UTF-8 differs from --lang ko"
en=$(LANG=ko_KR.UTF-8 "$SYNFIN" --lang en --explain --color=never -r "$cap")
printf '%s' "$en" | grep -q 'the 3-way handshake is complete' || fail "--lang en is not English"
# Every role and analysis flag of every bundled capture gets a sentence in both languages.
for c in captures/*.pcap; do
    for lang in en ko; do
        out=$("$SYNFIN" --lang $lang --explain --color=never -r "$c")
        pk=$(printf '%s\n' "$out" | grep -cE '^ +[0-9]+  [0-9]+\.[0-9]+  C(->|<-)S' || true)
        ex=$(printf '%s\n' "$out" | grep -c '↳ .' || true)
        [ "$pk" -eq "$ex" ] || fail "$c --lang $lang: $pk packets but $ex explanations"
    done
done
echo "$n messages translated to Korean; --lang ko = LANG=ko_KR.UTF-8; an explanation under every packet of every bundled capture"
