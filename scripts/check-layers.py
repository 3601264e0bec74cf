#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks that every module includes only itself and the modules below it (ARCHITECTURE §3),
and that public headers include no internal/ header. Exits 1 and lists violations."""
import pathlib
import re
import sys

# stream, fs and zlib form one layer, inside which fs and zlib build on stream (file and
# compression streams); resilience may use core only.
LAYER = {"core": 0, "stream": 1, "fs": 1, "zlib": 1, "net": 2, "http": 3, "json": 4, "web": 5,
         "security": 6, "resilience": 7, "data": 8, "observe": 9, "cluster": 10, "testing": 11}
ALLOWED_EXTRA = {"resilience": {"core"}}
SAME_LAYER = {"fs": {"stream"}, "zlib": {"stream"}}
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]nodexx/([a-z_]+)/([^">]+)[">]', re.M)

root = pathlib.Path(__file__).resolve().parent.parent / "nodexx"
problems = []
for path in sorted(root.glob("*/**/*.[ch]pp")):
    module = path.relative_to(root).parts[0]
    if module not in LAYER:
        problems.append(f"{path}: unknown module '{module}' (add it to scripts/check-layers.py)")
        continue
    # testdata/ holds test-only helpers (never installed), held to the rules of tests.
    is_test = path.name.endswith(("_test.cpp", "_bench.cpp")) or "testdata" in path.parts
    is_public_header = path.suffix == ".hpp" and not {"internal", "testdata"} & set(path.parts)
    for dep, rest in INCLUDE.findall(path.read_text(encoding="utf-8")):
        if dep not in LAYER:
            problems.append(f"{path}: includes unknown module '{dep}'")
            continue
        allowed = (dep == module or LAYER[dep] < LAYER[module]
                   or dep in SAME_LAYER.get(module, ())) and \
            (module not in ALLOWED_EXTRA or dep in ALLOWED_EXTRA[module] | {module})
        if not allowed and not is_test:
            problems.append(f"{path}: module '{module}' must not include '{dep}' (layer order)")
        if is_public_header and rest.startswith("internal/"):
            problems.append(f"{path}: public header includes private nodexx/{dep}/{rest}")

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
