# The README's examples are what the build prints on the bundled captures ("..." elides lines).
. "$(dirname "$0")/lib.sh"
python3 tests/tools/readme_examples.py "$SYNFIN" README.md || fail "README examples are stale"
