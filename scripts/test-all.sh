#!/usr/bin/env bash
# The one command that runs every test: lint, typecheck, build, unit, contract and integration
# suites, then the cron suite again under two non-UTC process time zones. The vitest run includes
# the packaging project: attw, publint and the consumer tests of every shared package, on the
# tarballs `pnpm pack` writes (packaging/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

pnpm exec biome check .
bash scripts/check-self-contained.sh
pnpm exec turbo run build typecheck --output-logs=errors-only
pnpm exec vitest run
for zone in America/New_York Asia/Kolkata; do
  echo "==> @galaxy/cronutil under TZ=$zone"
  # cronutil needs no servers: no containers for these runs.
  GALAXY_TEST_DOCKER=0 TZ="$zone" pnpm exec vitest run --project cronutil
done
