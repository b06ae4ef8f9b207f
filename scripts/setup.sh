#!/usr/bin/env bash
# One-time (idempotent) set-up of a fresh machine: pnpm via corepack, dependencies from the
# lockfile, a running PostgreSQL + Redis for the stack and the tests, and Debian's Chromium for
# the console's browser suite.
set -euo pipefail
cd "$(dirname "$0")/.."

export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
# Corepack releases that ship with Node 20 carry outdated npm signing keys; the lockfile still
# pins every dependency by integrity hash.
export COREPACK_INTEGRITY_KEYS=0

if ! command -v corepack >/dev/null 2>&1; then
  echo "corepack is missing: install Node.js 20.19+ (it ships corepack)" >&2
  exit 1
fi
corepack enable
echo "pnpm $(pnpm --version)"

pnpm install --frozen-lockfile
bash scripts/ensure-services.sh
bash scripts/ensure-chromium.sh
