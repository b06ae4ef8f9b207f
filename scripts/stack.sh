#!/usr/bin/env bash
# The local stack in one command: Game Master, the lobby, RTM and engine stubs against the local
# PostgreSQL and Redis, with an engine version and a running demo game. Prints the URLs and a curl
# cheat sheet, then runs until Ctrl-C (or SIGTERM), which stops every service and exits 0.
#
#   bash scripts/stack.sh          # or: pnpm stack (once pnpm is set up)
#
# Settings (environment, all optional):
#   STACK_GM_PORT=8080 STACK_ENGINE_PORT=8090 STACK_RTM_PORT=8091 STACK_LOBBY_PORT=8092
#   STACK_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres   server (role may CREATE DATABASE)
#   STACK_DATABASE=galaxy_stack     GM's database, recreated at every start
#   STACK_REDIS_URL=redis://127.0.0.1:6379/0  STACK_REDIS_KEY_PREFIX=stack:  (keys reset at start)
#   STACK_TURN_SCHEDULE="0 * * * *" STACK_SCHEDULER_INTERVAL=1s  STACK_LOG_LEVEL=info  STACK_DEMO=1
#   STACK_SKIP_SETUP=1              skip scripts/setup.sh (you manage pnpm, PostgreSQL and Redis)
#   STACK_SKIP_BUILD=1              skip the turbo build (dist/ is current)
set -euo pipefail
cd "$(dirname "$0")/.."

export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
# See docs/decisions/002: corepack on Node 20 ships outdated signing keys.
export COREPACK_INTEGRITY_KEYS=0

if [ "${STACK_SKIP_SETUP:-0}" != "1" ]; then
  echo "==> set-up (pnpm, dependencies, PostgreSQL, Redis)"
  # The stack runs no containers: skip the Docker set-up unless asked for.
  GALAXY_SETUP_DOCKER=${GALAXY_SETUP_DOCKER:-0} bash scripts/setup.sh
fi

if [ "${STACK_SKIP_BUILD:-0}" != "1" ]; then
  echo "==> build"
  pnpm exec turbo run build --output-logs=errors-only \
    --filter=@galaxy/gamemaster --filter=@galaxy/lobby-stub \
    --filter=@galaxy/rtm-stub --filter=@galaxy/engine-stub --filter=@galaxy/gamemaster-cli
fi

echo "==> start"
# exec, and tsx as a loader rather than its CLI (which is a second process relaying signals): Ctrl-C
# and SIGTERM reach the runner once, and it stops the services in order.
cd integration
exec node --conditions=@galaxy/source --import tsx stack/run.ts
