#!/usr/bin/env bash
# Gives each page generate-manual wrote a NAME that man-db can index: the page's own name
# (mynasim.card.insert), since whatis cannot parse a name with spaces ("mynasim card insert"), while
# the SYNOPSIS keeps the command as it is typed. A blank line (a paragraph break of the help text)
# becomes the mdoc paragraph macro .Pp, which groff expects instead. Rewrites the pages in DIR in place.
#   scripts/man-names.sh DIR
set -euo pipefail
for page in "$1"/*.1; do
  name=$(basename "$page" .1)
  awk -v name="$name" -v typed="${name//./ }" '
    /^\.Sh NAME$/ { inName = 1; print; next }
    /^\.Sh / { inName = 0 }
    inName && /^\.Nm / { print ".Nm " name; next }
    /^\.Nm$/ { print ".Nm \"" typed "\""; next }
    /^$/ { print ".Pp"; next }
    { print }' "$page" > "$page.tmp"
  mv "$page.tmp" "$page"
done
