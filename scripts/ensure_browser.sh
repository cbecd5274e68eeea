#!/usr/bin/env bash
# Make sure Debian's Chromium (and a CJK font, so Chinese names render in screenshots)
# is installed for the web page tests. Playwright drives this browser; it never
# downloads one. Without root or sudo this only says what to install, and the browser
# tests skip (CI sets CRM_REQUIRE_BROWSER=1 so that they fail instead).
set -euo pipefail
packages=(chromium fonts-wqy-microhei)
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || missing+=(fonts-wqy-microhei)
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "note: install ${missing[*]} for the browser tests (no apt-get here)" >&2
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  run=()
elif sudo -n true 2>/dev/null; then
  run=(sudo)
else
  echo "note: run 'sudo apt-get install ${packages[*]}' for the browser tests" >&2
  exit 0
fi
echo "installing ${missing[*]} from Debian for the browser tests" >&2
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get install -y -q "${missing[@]}" >/dev/null \
  || { "${run[@]}" apt-get update -q >/dev/null && "${run[@]}" apt-get install -y -q "${missing[@]}" >/dev/null; }
