#!/usr/bin/env python3
"""Checks card-reference.md and the citation mapping.

    verify_reference.py [card-reference.md] [citations.tsv] [--repo REPO]

1. Every `<a id="…">` anchor of card-reference.md is unique, and none collides with the id
   GitHub derives from a heading.
2. Every heading that shows `§name` has the anchor `name` on the line before it.
3. Every in-document link `](#name)` points at an anchor that exists.
4. Every row of citations.tsv names at least one anchor in its replacement (`§name` or
   `card-reference.md#name`), and every anchor it names, in the replacement or in the note, exists.
5. Markdown replacements link to card-reference.md by a path that is right for the file they
   are in (the file is docs/card-reference.md in the repository).
With --repo (the tsv header names the commit): each row's `current` text is on its line at that
commit; no Swift line exceeds 140 characters once the row's replacements are applied; and a
fresh scan of that commit finds no citation the mapping misses.
Exit status 0 when everything holds; otherwise every problem is printed.
"""
import os
import re
import subprocess
import sys
import unicodedata

ANCHOR = re.compile(r'<a id="([^"]+)"></a>')
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
SHOWN = re.compile(r"§([a-z0-9][a-z0-9-]*)\s*$")
DOC_LINK = re.compile(r"\]\(#([^)]+)\)")
CITED = re.compile(r"§([a-z][a-z0-9-]*)")
LINKED = re.compile(r"\]\(([^)#]*card-reference\.md)(?:#([^)]+))?\)")
BARE = re.compile(r"(?<![(/#\w\[-])card-reference\.md(?![#)\]\w])")


def github_slug(text):
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch in "-_" or category[0] in "LN" or category == "Mn":
            out.append(ch)
        elif ch == " ":
            out.append("-")
    return "".join(out)


def check_document(path):
    problems, anchors, slugs = [], {}, {}
    lines = open(path, encoding="utf-8").read().split("\n")
    for number, line in enumerate(lines, 1):
        for name in ANCHOR.findall(line):
            if name in anchors:
                problems.append(f"{path}:{number}: anchor '{name}' already defined at line {anchors[name]}")
            anchors.setdefault(name, number)
        heading = HEADING.match(line)
        if heading:
            slug = github_slug(heading.group(2))
            slugs.setdefault(slug, []).append(number)
            shown = SHOWN.search(heading.group(2))
            if shown:
                previous = lines[number - 2] if number >= 2 else ""
                if f'<a id="{shown.group(1)}"></a>' not in previous:
                    problems.append(f"{path}:{number}: heading shows §{shown.group(1)} but the line before has no such anchor")
    for slug, where in slugs.items():
        if slug in anchors:
            problems.append(f"{path}:{where[0]}: heading id '{slug}' collides with an explicit anchor")
        if len(where) > 1:
            problems.append(f"{path}: headings at lines {where} share the id '{slug}'")
    for number, line in enumerate(lines, 1):
        for name in DOC_LINK.findall(line):
            if name not in anchors:
                problems.append(f"{path}:{number}: link to #{name}, which is not an anchor")
    return anchors, problems


def read_mapping(path):
    commit, rows = None, []
    for number, line in enumerate(open(path, encoding="utf-8").read().split("\n"), 1):
        if not line:
            continue
        if line.startswith("#"):
            m = re.search(r"commit ([0-9a-f]{7,40})", line)
            commit = commit or (m and m.group(1))
            continue
        fields = line.split("\t")
        if fields[0] == "file":
            continue
        if len(fields) != 5:
            raise SystemExit(f"{path}:{number}: expected 5 tab-separated fields, got {len(fields)}")
        rows.append((number, fields[0], int(fields[1]), fields[2], fields[3], fields[4]))
    return commit, rows


def check_mapping(path, anchors):
    commit, rows = read_mapping(path)
    problems = []
    for number, file, line, current, replacement, note in rows:
        named = set(CITED.findall(replacement))
        for link_path, fragment in LINKED.findall(replacement):
            named.add(fragment or "card-reference")
            expected = os.path.relpath("docs/card-reference.md", os.path.dirname(file) or ".")
            if link_path != expected:
                problems.append(f"{path}:{number}: {file} links '{link_path}', expected '{expected}'")
        for _ in BARE.findall(replacement):
            named.add("card-reference")
        if not named and "continues on the next line" not in note:
            problems.append(f"{path}:{number}: replacement names no anchor: {replacement!r}")
        for name in named | set(CITED.findall(note)):
            if name not in anchors:
                problems.append(f"{path}:{number}: anchor '{name}' does not exist ({file}:{line})")
        if file.endswith(".md") and "card reference §" in replacement and not LINKED.search(replacement):
            if "```" not in note and "layout block" not in note:
                problems.append(f"{path}:{number}: Markdown row uses the code form: {replacement!r}")
        if not file.endswith(".md") and LINKED.search(replacement):
            problems.append(f"{path}:{number}: code row uses the Markdown form: {replacement!r}")
    for number, file, line, current, replacement, note in rows:
        if "continues on the next line" in note:
            nxt = [r for r in rows if r[1] == file and r[2] == line + 1 and CITED.findall(r[4])]
            if not nxt:
                problems.append(f"{path}:{number}: wrapped citation without an anchored row on {file}:{line + 1}")
    return commit, rows, problems


def check_repo(repo, commit, rows):
    problems, by_line, texts = [], {}, {}
    for _, file, line, current, replacement, _ in rows:
        by_line.setdefault((file, line), []).append((current, replacement))
    for (file, line), changes in sorted(by_line.items()):
        if file not in texts:
            texts[file] = subprocess.run(["git", "-C", repo, "show", f"{commit}:{file}"], capture_output=True,
                                         check=True).stdout.decode("utf-8").split("\n")
        text = texts[file][line - 1]
        for current, replacement in changes:
            if current not in text:
                problems.append(f"{file}:{line}: '{current}' is not on that line at {commit}")
                continue
            if text.count(current) > 1 and f'"{current}"' not in text:
                problems.append(f"{file}:{line}: '{current}' occurs {text.count(current)} times on that line")
            text = text.replace(current, replacement, 1)
        if file.endswith(".swift") and len(text) > 140:
            flagged = any("rewrap" in r[5] for r in rows if r[1] == file and r[2] == line)
            message = f"{file}:{line}: {len(text)} characters after the replacement (limit 140)"
            if flagged:
                print("note: " + message + " — the row says so (rewrap when applying)")
            else:
                problems.append(message + " and the row does not say 'rewrap'")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from extract_citations import scan
    for file, line, span, _, _ in scan(repo, commit):
        if not any(span.strip() in current for current, _ in by_line.get((file, line), [])):
            problems.append(f"{file}:{line}: citation '{span}' has no row")
    return problems


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    repo = argv[argv.index("--repo") + 1] if "--repo" in argv else None
    if repo:
        args.remove(repo)
    here = os.path.dirname(os.path.abspath(__file__))
    document = args[0] if args else os.path.join(here, "card-reference.md")
    mapping = args[1] if len(args) > 1 else os.path.join(here, "citations.tsv")
    anchors, problems = check_document(document)
    commit, rows, mapping_problems = check_mapping(mapping, anchors)
    problems += mapping_problems
    if repo:
        problems += check_repo(repo, commit, rows)
    for p in problems:
        print(p)
    used = {a for _, _, _, _, r, n in rows for a in CITED.findall(r) + CITED.findall(n)}
    print(f"{len(anchors)} anchors, {len(rows)} rows, {len(used)} anchors cited, "
          f"{len(problems)} problem(s){' (repository checked at ' + commit + ')' if repo else ''}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
