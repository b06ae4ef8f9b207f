#!/usr/bin/env bash
# One-time (idempotent) set-up of a fresh machine: pnpm via corepack, dependencies from the
# lockfile, a running PostgreSQL + Redis for the stack and the tests, Debian's Chromium for the
# console's browser suite, and a Docker engine with the local base images for the container suite
# (scripts/ensure-docker.sh; GALAXY_SETUP_DOCKER=0 skips it). In CI (CI=true) a missing Docker
# engine is an error; elsewhere only a warning, since the stack runs without one.
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

if [ "${GALAXY_SETUP_DOCKER:-1}" != "0" ]; then
  if ! bash scripts/ensure-docker.sh; then
    if [ "${CI:-}" = "true" ]; then exit 1; fi
    echo "warning: no Docker engine; the container suite (integration/container.int.test.ts) will fail" >&2
  fi
fi
