#!/usr/bin/env bash
# Writes the README's key map from the key tables (`clinic --keys`); KeyMapTests fails until it is.
set -euo pipefail
cd "$(dirname "$0")/.."
map=$(.build/debug/clinic --keys)
MAP="$map" python3 - <<'PY'
import os, re
begin = "<!-- key map: written from the key tables (KeyMap.markdown); KeyMapTests compares -->\n"
end = "<!-- end of key map -->"
text = open("README.md").read()
i = text.index(begin) + len(begin)
j = text.index(end, i)
open("README.md", "w").write(text[:i] + os.environ["MAP"] + "\n" + text[j:])
PY
