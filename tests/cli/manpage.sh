# --help and the man page (docs/synfin.1) name the same options.
. "$(dirname "$0")/lib.sh"
help=$("$SYNFIN" --help)
printf '%s\n' "$help" | python3 -c '
import re, sys
help_text = sys.stdin.read()
man = open("docs/synfin.1").read().replace("\\-", "-")
h = set(re.findall(r"(?<![\w-])(--?[a-zA-Z][a-zA-Z-]*)", help_text))
m = set(re.findall(r"\\fB(--?[a-zA-Z][a-zA-Z-]*)", man))
h -= {"-"}
missing_man = sorted(o for o in h if o not in man)
missing_help = sorted(o for o in m if o not in h)
if missing_man or missing_help:
    print("in --help only: %s; in the man page only: %s" % (missing_man, missing_help))
    sys.exit(1)
print("%d options, the same in --help and synfin.1" % len(h))
' || fail "--help and docs/synfin.1 differ"
