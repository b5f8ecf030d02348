# lib.sh - helpers for the command-line tests (sourced).
set -euo pipefail
fail() { echo "$*" >&2; exit 1; }
# summary FIELD < jsonl: a field of the final summary record
summary_field() { python3 -c 'import json,sys
recs=[json.loads(l) for l in sys.stdin if l.strip()]
s=[r for r in recs if r["type"]=="summary"][-1]
print(s[sys.argv[1]])' "$1"; }
corpus_or_bundled() {  # prints $CORPUS/$1 if present, else the bundled fallback $2
    if [ -f "$CORPUS/$1" ]; then echo "$CORPUS/$1"; else echo "$2"; fi
}
