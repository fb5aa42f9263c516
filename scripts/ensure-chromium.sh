#!/usr/bin/env bash
# ensure-chromium.sh: make sure a Chromium the browser tests can drive is
# installed. As root on Debian it installs the chromium package; otherwise it
# says what to install and fails.
set -euo pipefail
for c in "${SESHAT_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
  if [ -n "$c" ] && [ -x "$c" ]; then exit 0; fi
done
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Chromium not found: installing Debian's chromium package for the browser tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "The browser tests need Chromium: install it (Debian/Ubuntu: sudo apt-get install chromium)," >&2
echo "or point SESHAT_CHROMIUM at a Chrome or Chromium binary." >&2
exit 1
