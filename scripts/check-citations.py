#!/usr/bin/env python3
"""Every citation of the card reference in the repository resolves: `card reference §a, §b` in code
and `[§a](…card-reference.md#a)` in Markdown name anchors that docs/card-reference.md defines, and
nothing cites a document outside the repository (the research file's "spec §" / "Part A" numbers).
Prints each problem as FILE:LINE and exits 1 if there is any."""
import os, re, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
reference = os.path.join(root, "docs", "card-reference.md")
anchors = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', open(reference, encoding="utf-8").read()))

code_citation = re.compile(r"card reference ((?:§[a-z0-9-]+(?:, )?)+)")
doc_link = re.compile(r"card-reference\.md#([a-z0-9-]+)")
outside = re.compile(r"\bspec §|\bPart A \d|shared/spec/|card spec §")

files = subprocess.run(["git", "-C", root, "ls-files"], capture_output=True, text=True, check=True).stdout.split()
problems = []
for path in files:
    if path in ("docs/card-reference.md", "scripts/check-citations.py") or not path.endswith((".swift", ".md", ".apdu", ".yaml", ".py", ".sh", ".c", ".h")):
        continue
    try:
        lines = open(os.path.join(root, path), encoding="utf-8").read().split("\n")
    except (UnicodeDecodeError, FileNotFoundError):
        continue
    for number, line in enumerate(lines, 1):
        cited = [name for match in code_citation.findall(line) for name in re.findall(r"§([a-z0-9-]+)", match)]
        cited += doc_link.findall(line)
        problems += [f"{path}:{number}: no anchor §{name} in docs/card-reference.md" for name in cited if name not in anchors]
        if outside.search(line):
            problems.append(f"{path}:{number}: cites a document outside the repository; cite docs/card-reference.md")

for problem in problems:
    print(problem)
print(f"{len(anchors)} anchors; {len(problems)} unresolved citation(s)")
sys.exit(1 if problems else 0)
