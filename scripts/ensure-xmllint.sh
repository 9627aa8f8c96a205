#!/bin/sh
# Makes sure Debian's xmllint (package libxml2-utils) is installed: test/xml/second-validator.test.ts
# validates a sample of every message type with it, besides the broker's own libxml2-wasm. Installs it
# with apt-get when missing; never downloads it from anywhere else.
set -eu
if command -v xmllint >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-xmllint: xmllint is missing and apt-get is not available; install Debian's libxml2-utils package" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-xmllint: xmllint is missing; run as root: apt-get install -y libxml2-utils" >&2
    exit 1
  fi
fi
echo "ensure-xmllint: installing Debian's libxml2-utils (xmllint, for the second XML validator)" >&2
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libxml2-utils >/dev/null
xmllint --version 2>&1 | head -n 1 >&2
