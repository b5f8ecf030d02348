#!/usr/bin/env python3
"""Writes po/ko.po from po/synfin.pot and the translations in po/ko.py.

Fails (exit 1) when a message of the template has no translation, so a new
string cannot ship untranslated.  usage: mkpo.py POT KO_PY OUT_PO
"""
import re
import runpy
import sys


def c_escape(s):
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def main(argv):
    pot, ko_py, out = argv[1:4]
    ko = runpy.run_path(ko_py)["KO"]
    text = open(pot, encoding="utf-8").read()
    ids = []
    for m in re.finditer(r'\nmsgid ((?:"(?:[^"\\]|\\.)*"\n)+)msgstr', text):
        mid = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
        mid = mid.encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
        if mid:
            ids.append(mid)
    missing = [i for i in ids if i not in ko]
    if missing:
        for i in missing:
            print("mkpo: no Korean translation for: %r" % i, file=sys.stderr)
        return 1
    with open(out, "w", encoding="utf-8") as fh:
        fh.write('msgid ""\nmsgstr ""\n"Project-Id-Version: synfin\\n"\n"PO-Revision-Date: 2026-11-23 00:00+0000\\n"\n'
                 '"Last-Translator: synfin developers\\n"\n"Language-Team: Korean\\n"\n"Language: ko\\n"\n'
                 '"MIME-Version: 1.0\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
                 '"Content-Transfer-Encoding: 8bit\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n')
        for i in ids:
            fh.write("#, c-format\n" if "%" in i else "")
            fh.write('msgid "%s"\nmsgstr "%s"\n\n' % (c_escape(i), c_escape(ko[i])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
