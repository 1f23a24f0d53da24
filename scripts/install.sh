#!/usr/bin/env bash
# Installs mynasim under PREFIX (inside DESTDIR if set), recording every file and every directory
# it creates in a manifest so that scripts/uninstall.sh removes exactly that. `make install` and
# `make deb` call it; the layout differs only in where the handler and man pages go.
#
#   BINARY=.build/release/mynasim MANPAGES=DIR PREFIX=/usr/local [DESTDIR=…] [LAYOUT=local|debian] \
#   [MANIFEST=share/mynasim/install-manifest] scripts/install.sh
#
# local:  <prefix>/bin/mynasim, <prefix>/lib/mynasim/libifd-mynasim.so, <prefix>/share/mynasim/…,
#         <prefix>/share/man/man1/mynasim*.1, <prefix>/share/doc/mynasim/, bash completion.
# debian: the handler in <prefix>/lib/pcsc/drivers/serial (where pcsc-lite's drivers are) with
#         /etc/reader.conf.d/mynasim, man pages gzipped, no manifest (dpkg keeps the file list).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PREFIX:?set PREFIX}" "${BINARY:?set BINARY}" "${MANPAGES:?set MANPAGES}"
DESTDIR=${DESTDIR:-}
LAYOUT=${LAYOUT:-local}
MANIFEST=${MANIFEST-share/mynasim/install-manifest}
HANDLER=ifd-handler/libifd-mynasim.so
SOCKET=/run/mynasim/mynasim.sock
[ -x "$BINARY" ] || { echo "install: $BINARY is not built" >&2; exit 1; }
[ -f "$HANDLER" ] || { echo "install: $HANDLER is not built (make handler)" >&2; exit 1; }
ls "$MANPAGES"/*.1 >/dev/null 2>&1 || { echo "install: no man pages in $MANPAGES" >&2; exit 1; }

RECORD=$(mktemp)
# A failed install takes back what it did (there is no manifest yet for uninstall to use).
rollback() {
  local status=$?
  if [ $status -ne 0 ]; then
    awk '$1 == "file" { print $2 }' "$RECORD" | while IFS= read -r f; do rm -f -- "$DESTDIR$f"; done
    awk '$1 == "dir" { print $2 }' "$RECORD" | sort -r | while IFS= read -r d; do rmdir -- "$DESTDIR$d" 2>/dev/null; done
    echo "install: stopped; removed what it had installed under $DESTDIR$PREFIX" >&2
  fi
  rm -f "$RECORD"
}
trap rollback EXIT
# dir PATH: create it and the missing directories above it, recording the ones created.
dir() {
  local path=$1 missing=()
  while [ ! -d "$DESTDIR$path" ]; do missing=("$path" "${missing[@]}"); path=$(dirname "$path"); done
  for d in "${missing[@]}"; do install -d -m 0755 "$DESTDIR$d"; echo "dir $d" >> "$RECORD"; done
}
# file MODE SOURCE TARGET
file() {
  dir "$(dirname "$3")"
  install -m "$1" "$2" "$DESTDIR$3"
  echo "file $3" >> "$RECORD"
}
# generated MODE TARGET < content: a file made here rather than copied.
generated() {
  dir "$(dirname "$2")"
  cat > "$DESTDIR$2"
  chmod "$1" "$DESTDIR$2"
  echo "file $2" >> "$RECORD"
}

file 0755 "$BINARY" "$PREFIX/bin/mynasim"

if [ "$LAYOUT" = debian ]; then
  DRIVER=$PREFIX/lib/pcsc/drivers/serial/libifd-mynasim.so
  file 0644 "$HANDLER" "$DRIVER"
  sed -e "s|@LIBPATH@|$DRIVER|" -e "s|@SOCKET@|$SOCKET|" ifd-handler/reader.conf.in | generated 0644 /etc/reader.conf.d/mynasim
else
  file 0644 "$HANDLER" "$PREFIX/lib/mynasim/libifd-mynasim.so"
fi

# Shipped data: vectors/ without card state. Every file is world-readable test data (the persona
# keys included: they are as public as the rest of the repository).
DATA=$PREFIX/share/mynasim
while IFS= read -r -d '' source; do
  file 0644 "$source" "$DATA/${source#vectors/}"
done < <(find vectors -type f ! -name state.json ! -name .card.lock ! -name '*.state.json.tmp' -print0 | sort -z)

for page in "$MANPAGES"/*.1; do
  name=$(basename "$page")
  if [ "$LAYOUT" = debian ]; then
    gzip -9nc "$page" | generated 0644 "$PREFIX/share/man/man1/$name.gz"
  else
    file 0644 "$page" "$PREFIX/share/man/man1/$name"
  fi
done

# bash-completion sources the script: no interpreter line.
"$BINARY" --generate-completion-script bash | sed '1{/^#!/d}' | generated 0644 "$PREFIX/share/bash-completion/completions/mynasim"

DOC=$PREFIX/share/doc/mynasim
for doc in README.md docs/*.md docs/*.yaml docs/mynasim-up.service; do
  [ -f "$doc" ] || continue
  file 0644 "$doc" "$DOC/${doc#docs/}"
done

if [ -n "$MANIFEST" ]; then
  echo "file $PREFIX/$MANIFEST" >> "$RECORD"
  dir "$(dirname "$PREFIX/$MANIFEST")"
  install -m 0644 "$RECORD" "$DESTDIR$PREFIX/$MANIFEST"
  echo "installed $(grep -c '^file ' "$RECORD") files under $DESTDIR$PREFIX (manifest: $PREFIX/$MANIFEST)"
fi
