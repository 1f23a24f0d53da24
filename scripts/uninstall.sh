#!/usr/bin/env bash
# Removes exactly what scripts/install.sh installed under PREFIX: the files in its manifest, then
# the directories it created, if they are empty. Anything else is left alone.
#   PREFIX=/usr/local [DESTDIR=…] [MANIFEST=share/mynasim/install-manifest] scripts/uninstall.sh
set -euo pipefail
: "${PREFIX:?set PREFIX}"
DESTDIR=${DESTDIR:-}
MANIFEST=$DESTDIR$PREFIX/${MANIFEST:-share/mynasim/install-manifest}
[ -f "$MANIFEST" ] || { echo "uninstall: no manifest at $MANIFEST (nothing installed with this PREFIX?)" >&2; exit 1; }
LIST=$(mktemp)
trap 'rm -f "$LIST"' EXIT
cp "$MANIFEST" "$LIST"
files=0
while read -r kind path; do
  [ "$kind" = file ] || continue
  rm -f -- "$DESTDIR$path" && files=$((files + 1))
done < "$LIST"
# Deepest first; a directory that holds something we did not install stays.
kept=0
while read -r path; do
  rmdir -- "$DESTDIR$path" 2>/dev/null || { [ -d "$DESTDIR$path" ] && kept=$((kept + 1)); }
done < <(awk '$1 == "dir" { print $2 }' "$LIST" | sort -r)
note=""
[ "$kept" -gt 0 ] && note="; kept $kept directories that hold files of others"
echo "removed $files files under $DESTDIR$PREFIX$note"
