#!/bin/sh
# Makes sure Debian's chromium is installed for the browser tests (test/pages/*.test.ts drive it with
# playwright-core). Installs it with apt-get when missing; never downloads a browser from anywhere else.
set -eu
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available; install Debian's chromium package" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-chromium: $CHROMIUM is missing; run as root: apt-get install -y chromium" >&2
    exit 1
  fi
fi
echo "ensure-chromium: installing Debian's chromium (for the browser tests)" >&2
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# fonts-dejavu-core: a font with all German characters, so screenshots and layout are stable.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
"$CHROMIUM" --version >&2
