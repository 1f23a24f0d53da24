#!/usr/bin/env bash
# Builds the Debian package mynasim_<version>-<revision>_<arch>.deb with dpkg-deb from a built
# binary, the handler and the man pages, then runs lintian on it (overrides, each justified, in
# packaging/lintian-overrides). `make deb` calls it with the release build; CI may pass the debug
# build (BINARY=.build/debug/mynasim) to stay within its time.
#   BINARY=… MANPAGES=DIR [OUT=.build/deb] [REVISION=1] [TEST_PACKAGE=1] scripts/make-deb.sh
#
# The package carries the Swift runtime inside the binary (`--static-swift-stdlib`, as `make release`
# builds it), so it depends on Debian's libraries only. A binary that loads the Swift runtime from a
# toolchain (the debug build) is refused unless TEST_PACKAGE=1: such a package works only where that
# toolchain is, which is fine for the install test on a machine that built it, and nowhere else.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BINARY:?set BINARY}" "${MANPAGES:?set MANPAGES}"
OUT=${OUT:-.build/deb}
REVISION=${REVISION:-1}
VERSION=$(make -s -C ifd-handler version)
ARCH=$(dpkg --print-architecture)
MAINTAINER=${MAINTAINER:-$(git log -1 --format='%an <%ae>' 2>/dev/null || echo "mynasim maintainers <root@localhost>")}
DATE=$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")
PACKAGE=mynasim_${VERSION}-${REVISION}_${ARCH}.deb

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
chmod 0755 "$STAGE"
LINTIAN_SUPPRESS=()
if readelf -d "$BINARY" | grep -q 'NEEDED.*libswiftCore'; then
  if [ "${TEST_PACKAGE:-}" != 1 ]; then
    echo "make-deb: $BINARY loads the Swift runtime from the toolchain; package the release build (make deb builds it)," \
      "or set TEST_PACKAGE=1 for a package that works only on this machine" >&2
    exit 1
  fi
  # The toolchain's RUNPATH is the point of a test package: only lintian's tag for it is silenced.
  LINTIAN_SUPPRESS=(--suppress-tags custom-library-search-path)
fi
BINARY=$BINARY MANPAGES=$MANPAGES PREFIX=/usr DESTDIR=$STAGE LAYOUT=debian MANIFEST= scripts/install.sh
# No debugging symbols in the package, as dh_strip does (Debian policy 10.1).
strip --remove-section=.comment --remove-section=.note "$STAGE/usr/bin/mynasim"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$STAGE/usr/lib/pcsc/drivers/serial/libifd-mynasim.so"

DOC=$STAGE/usr/share/doc/mynasim
# Debian compresses documentation over 4 KiB (policy 12.3); the copyright file never.
find "$DOC" -type f -size +4k -exec gzip -9n {} +
sed -e "s|@YEAR@|$(date -d "$DATE" +%Y)|" -e "s|@MAINTAINER@|$MAINTAINER|" packaging/copyright > "$DOC/copyright"
printf 'mynasim (%s-%s) unstable; urgency=medium\n\n  * mynasim %s, packaged with dpkg-deb (make deb).\n\n -- %s  %s\n' \
  "$VERSION" "$REVISION" "$VERSION" "$MAINTAINER" "$DATE" | gzip -9n > "$DOC/changelog.Debian.gz"
install -D -m 0644 packaging/lintian-overrides "$STAGE/usr/share/lintian/overrides/mynasim"
chmod 0644 "$DOC/copyright" "$DOC/changelog.Debian.gz"

# Runtime libraries from what the binary and the handler link (dpkg-shlibdeps reads a control file;
# its warnings are about running outside a debian/ source tree, which this is by design).
SHLIBS=$(mktemp -d)
mkdir "$SHLIBS/debian"
printf 'Source: mynasim\n\nPackage: mynasim\nArchitecture: any\n' > "$SHLIBS/debian/control"
LIBS=$(cd "$SHLIBS" && dpkg-shlibdeps -O --warnings=0 -e "$STAGE/usr/bin/mynasim" \
  -e "$STAGE/usr/lib/pcsc/drivers/serial/libifd-mynasim.so" 2> >(grep -v 'warning: ' >&2) | sed -n 's/^shlibs:Depends=//p')
rm -rf "$SHLIBS"

mkdir -p "$STAGE/DEBIAN"
echo /etc/reader.conf.d/mynasim > "$STAGE/DEBIAN/conffiles"
(cd "$STAGE" && find . -path ./DEBIAN -prune -o -type f ! -path './etc/*' -printf '%P\0' | sort -z | xargs -0 md5sum) > "$STAGE/DEBIAN/md5sums"
SIZE=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
cat > "$STAGE/DEBIAN/control" <<CONTROL
Package: mynasim
Version: ${VERSION}-${REVISION}
Architecture: ${ARCH}
Maintainer: ${MAINTAINER}
Installed-Size: ${SIZE}
Depends: ${LIBS}, pcscd, imagemagick, fonts-ipafont-gothic | fonts-noto-cjk
Recommends: opensc, opensc-pkcs11, pcsc-tools, libccid
Suggests: vsmartcard-vpcd, python3-pyscard
Section: utils
Priority: optional
Description: virtual Japanese My Number card behind virtual PC/SC readers
 mynasim simulates Japan's Individual Number Card (マイナンバーカード) from
 synthetic test personas with their own test PKI, and puts it behind
 pcsc-lite through its own IFD handler, so unmodified PC/SC software
 (OpenSC, pcsc-tools, pyscard) sees a card in a reader. It also runs
 conformance suites and checks client applications against rule profiles.
 .
 Nothing in it is a real credential: every certificate chains to a test CA.
CONTROL
chmod 0644 "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/md5sums" "$STAGE/DEBIAN/conffiles"

mkdir -p "$OUT"
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$OUT/$PACKAGE" >/dev/null
echo "$OUT/$PACKAGE ($(du -h "$OUT/$PACKAGE" | cut -f1))"
if command -v lintian >/dev/null; then
  lintian --fail-on error,warning "${LINTIAN_SUPPRESS[@]}" "$OUT/$PACKAGE"
fi
