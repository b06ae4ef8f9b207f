#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the console's browser suite
# (integration/console.int.test.ts drives it through playwright-core, which downloads no
# browser of its own). Installs the `chromium` package when /usr/bin/chromium is absent.
#
#   CONSOLE_CHROMIUM=/path/to/chromium   use another binary (then nothing is installed)
set -euo pipefail

CHROMIUM=${CONSOLE_CHROMIUM:-/usr/bin/chromium}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x "$CHROMIUM" ]; then
  if [ -n "${CONSOLE_CHROMIUM:-}" ]; then
    echo "CONSOLE_CHROMIUM=$CONSOLE_CHROMIUM is not an executable" >&2
    exit 1
  fi
  echo "installing Chromium (Debian package)"
  # Another apt run (ensure-services.sh of a parallel set-up) may hold the lock for a while.
  as_root apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
    --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
if ! "$CHROMIUM" --headless --no-sandbox --disable-gpu --version >/dev/null 2>&1; then
  echo "$CHROMIUM does not run" >&2
  exit 1
fi
echo "$("$CHROMIUM" --version 2>/dev/null | head -n 1) at $CHROMIUM"
