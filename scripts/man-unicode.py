#!/usr/bin/env python3
"""Puts back the text generate-manual leaves out of the man pages: it writes only ASCII, so every
Japanese word (and any other non-ASCII character) of an abstract, discussion or option help is
missing. The CLI's own description of itself (--experimental-dump-help, full Unicode) says what
each affected line should read; a page line that equals the ASCII-only rendering of such a line is
replaced by the full one (man-db converts UTF-8 for groff with preconv).

    scripts/man-unicode.py BINARY DIR      (prints how many lines it restored)
"""
import json
import pathlib
import subprocess
import sys


def texts(command):
    """Every abstract and discussion of a command, its arguments and its subcommands."""
    for key in ("abstract", "discussion"):
        if command.get(key):
            yield command[key]
    for argument in command.get("arguments") or []:
        for key in ("abstract", "discussion"):
            value = argument.get(key)
            if isinstance(value, str) and value:
                yield value
    for sub in command.get("subcommands") or []:
        yield from texts(sub)


def ascii_only(text):
    return "".join(c for c in text if c.isascii())


def text_line(text):
    """mdoc text-line escaping, as generate-manual applies it."""
    out = text.replace("\\", "\\e")
    if out[:1] in (".", "'", " "):
        out = "\\&" + out
    return out


def macro_argument(text):
    """mdoc macro-argument escaping, as generate-manual applies it (newlines become blanks)."""
    out = text.replace("\\", "\\e").replace('"', "\\(dq").replace("\n", " ")
    return f'"{out}"' if (" " in out or not out) else out


def main(binary, directory):
    dump = json.loads(subprocess.run([binary, "--experimental-dump-help"], check=True, capture_output=True, text=True).stdout)
    replacements = {}
    for text in texts(dump["command"]):
        if text.isascii():
            continue
        candidates = [(macro_argument(ascii_only(text)), macro_argument(text))]
        candidates += [(text_line(ascii_only(line)), text_line(line)) for line in text.split("\n") if not line.isascii()]
        for damaged, whole in candidates:
            if len(damaged.strip('" ')) >= 4:  # a line of a few ASCII characters could be anything
                replacements[damaged] = whole
    restored = 0
    for page in sorted(pathlib.Path(directory).glob("*.1")):
        lines = page.read_text(encoding="utf-8").split("\n")
        for i, line in enumerate(lines):
            if line in replacements:
                lines[i], restored = replacements[line], restored + 1
            elif line.startswith(".Nd "):
                argument = line[len(".Nd "):]
                if argument in replacements:
                    lines[i], restored = ".Nd " + replacements[argument], restored + 1
        page.write_text("\n".join(lines), encoding="utf-8")
    print(f"man pages: restored {restored} lines with non-ASCII text")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: man-unicode.py BINARY DIR")
    main(sys.argv[1], sys.argv[2])
