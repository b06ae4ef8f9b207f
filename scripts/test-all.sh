#!/usr/bin/env bash
# The one command that runs every test: lint, typecheck, build, unit, contract and integration
# suites, then the cron suite again under two non-UTC process time zones.
set -euo pipefail
cd "$(dirname "$0")/.."

pnpm exec biome check .
pnpm exec turbo run build typecheck --output-logs=errors-only
pnpm exec vitest run
for zone in America/New_York Asia/Kolkata; do
  echo "==> @galaxy/cronutil under TZ=$zone"
  # cronutil needs no servers: no containers for these runs.
  GALAXY_TEST_DOCKER=0 TZ="$zone" pnpm exec vitest run --project cronutil
done
