# make install puts the binary, the man page, the Korean catalogue and the demo capture in place, and they work there.
. "$(dirname "$0")/lib.sh"
prefix="$TMP/prefix"
make -s install PREFIX="$prefix" >/dev/null
for f in bin/synfin share/man/man1/synfin.1 share/locale/ko/LC_MESSAGES/synfin.mo share/synfin/http-get-segmented.pcap; do
    [ -f "$prefix/$f" ] || fail "make install did not install $f"
done
# The installed binary finds its catalogue from where it stands (relocatable).
out=$(cd / && LANGUAGE= LC_ALL= LANG=C "$prefix/bin/synfin" --lang ko --explain --color=never \
      -r "$prefix/share/synfin/http-get-segmented.pcap")
printf '%s' "$out" | grep -q '3-way 핸드셰이크' || fail "installed binary: no Korean explanations"
help=$("$prefix/bin/synfin" --help) || fail "installed binary: --help failed"
grep -q -- '--explain' <<<"$help" || fail "installed binary: --help"
echo "binary, man page, Korean catalogue and demo capture installed under a PREFIX and working there"
