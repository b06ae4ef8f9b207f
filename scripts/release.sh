#!/usr/bin/env bash
# Publish the shared packages whose version is not on the registry yet (see docs/releasing.md):
# build them, prove the packed tarballs work for ESM, CommonJS and TypeScript consumers, then let
# changesets publish. pnpm packs each package as in the tests: publishConfig applied, workspace:
# and catalog: ranges replaced.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -n "$(git status --porcelain)" ]]; then
  echo "release: the work tree has uncommitted changes; commit the version bump first" >&2
  exit 1
fi
pnpm exec turbo run build --filter='./packages/*' --output-logs=errors-only
pnpm exec vitest run --project packaging
pnpm exec changeset publish
git push --follow-tags
