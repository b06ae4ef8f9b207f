#!/usr/bin/env bash
# Makes sure a Docker engine answers and the local stand-in base images exist (idempotent).
#
#   bash scripts/ensure-docker.sh               # set up (or just check) and build what is missing
#   bash scripts/ensure-docker.sh --print-host  # print the DOCKER_HOST that answers; exit 1 if none
#
# Which engine (docs/decisions/140-docker-engine-and-local-base-images.md):
#   1. the one DOCKER_HOST names, else the default socket, else this project's own socket
#      ($GALAXY_DOCKER_SOCKET, /run/galaxy-docker.sock) — whichever answers first;
#   2. else, as root on Linux: install Debian's docker.io when dockerd is missing and start dockerd
#      on the project's own socket (never the default one, so nothing else on the machine starts
#      using it by accident) with settings that work in a VM without iptables or a bridge;
#   3. else: say what is missing and exit 1.
# Then the images a machine without a registry needs are built once, cached by tag and recipe:
#   galaxy-local/debian:bookworm-minbase   debootstrap --variant=minbase bookworm
#   galaxy-local/node:<major>-bookworm-slim   that + this machine's Node.js (node:<major>-bookworm-slim)
#   galaxy-local/postgres:15-bookworm, galaxy-local/redis:7-bookworm   Debian packages (tests)
set -euo pipefail
cd "$(dirname "$0")/.."

SOCKET=${GALAXY_DOCKER_SOCKET:-/run/galaxy-docker.sock}
DATA_ROOT=${GALAXY_DOCKER_DATA_ROOT:-/var/lib/galaxy-docker}
EXEC_ROOT=${GALAXY_DOCKER_EXEC_ROOT:-/run/galaxy-docker}
CACHE_DIR=${GALAXY_DOCKER_CACHE:-/var/cache/galaxy-docker}
# overlay2 shares image layers; vfs (a full copy per layer and per container) works on any file
# system but makes creating a container from a 500 MB image take tens of seconds.
STORAGE_DRIVERS=${GALAXY_DOCKER_STORAGE_DRIVER:-overlay2 vfs}
MIRROR=${GALAXY_DEBIAN_MIRROR:-http://deb.debian.org/debian}
PREFIX=galaxy-local

# Debian's client (20.10) builds with BuildKit on its own; newer clients need the buildx plugin.
if [ -n "${GALAXY_DOCKER_CLI:-}" ]; then
  DOCKER=$GALAXY_DOCKER_CLI
elif [ -x /usr/bin/docker ]; then
  DOCKER=/usr/bin/docker
else
  DOCKER=$(command -v docker || true)
fi

log() { echo "ensure-docker: $*" >&2; }
fail() {
  log "$*"
  exit 1
}

answers() {
  [ -n "$DOCKER" ] && DOCKER_HOST=$1 timeout 10 "$DOCKER" version --format '{{.Server.Version}}' \
    >/dev/null 2>&1
}

candidates() {
  if [ -n "${DOCKER_HOST:-}" ]; then echo "$DOCKER_HOST"; fi
  echo "unix:///var/run/docker.sock"
  echo "unix://$SOCKET"
}

find_engine() {
  local host
  while read -r host; do
    if answers "$host"; then
      echo "$host"
      return 0
    fi
  done < <(candidates)
  return 1
}

if [ "${1:-}" = "--print-host" ]; then
  find_engine
  exit $?
fi

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }
can_be_root() { [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  # Keep the packages' scripts from starting services (the docker.io package would start dockerd
  # on the default socket with settings that do not work here); an existing policy is kept.
  local policy_added=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod +x /usr/sbin/policy-rc.d
    policy_added=1
  fi
  local status=0
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" \
    >/dev/null || status=$?
  if [ "$policy_added" -eq 1 ]; then as_root rm -f /usr/sbin/policy-rc.d; fi
  return "$status"
}

start_engine() {
  if [ "$(uname -s)" != "Linux" ]; then
    fail "no Docker engine answers (tried: $(candidates | paste -sd ' ')); start Docker Desktop or set DOCKER_HOST"
  fi
  if ! can_be_root; then
    fail "no Docker engine answers (tried: $(candidates | paste -sd ' ')) and starting one needs root: run this script as root, or start Docker and set DOCKER_HOST"
  fi
  if [ ! -x /usr/sbin/dockerd ] || [ ! -x /usr/bin/docker ]; then
    command -v apt-get >/dev/null 2>&1 ||
      fail "dockerd is missing and apt-get is not available: install Docker (dockerd and its client)"
    log "installing Debian's docker.io"
    apt_install docker.io
  fi
  DOCKER=${GALAXY_DOCKER_CLI:-/usr/bin/docker}
  as_root mkdir -p "$DATA_ROOT" "$EXEC_ROOT" "$(dirname "$SOCKET")"
  local driver
  for driver in $STORAGE_DRIVERS; do
    if start_dockerd "$driver"; then return 0; fi
  done
  tail -n 20 "$EXEC_ROOT/dockerd.log" >&2 || true
  fail "dockerd did not answer on unix://$SOCKET with any of the storage drivers: $STORAGE_DRIVERS (log: $EXEC_ROOT/dockerd.log)"
}

start_dockerd() { # storage driver
  log "starting dockerd on unix://$SOCKET (data in $DATA_ROOT, storage driver $1)"
  # A stale pid file from a dead daemon would make dockerd refuse to start.
  if [ -f "$EXEC_ROOT/dockerd.pid" ] && ! kill -0 "$(cat "$EXEC_ROOT/dockerd.pid")" 2>/dev/null; then
    as_root rm -f "$EXEC_ROOT/dockerd.pid"
  fi
  # No iptables, no bridge: containers and builds run with host networking (docs/decisions/140).
  # setsid: the daemon outlives this script and the CI step that ran it.
  as_root setsid /usr/sbin/dockerd -H "unix://$SOCKET" --data-root "$DATA_ROOT" \
    --exec-root "$EXEC_ROOT" --pidfile "$EXEC_ROOT/dockerd.pid" --iptables=false \
    --ip6tables=false --bridge=none --storage-driver="$1" \
    >>"$EXEC_ROOT/dockerd.log" 2>&1 </dev/null &
  local pid=$!
  for _ in $(seq 1 60); do
    if answers "unix://$SOCKET"; then return 0; fi
    # A driver the data root's file system cannot carry makes dockerd exit at once.
    if ! kill -0 "$pid" 2>/dev/null; then
      log "dockerd exited with storage driver $1"
      return 1
    fi
    sleep 0.5
  done
  log "dockerd did not answer within 30 s with storage driver $1; stopping it"
  if [ -f "$EXEC_ROOT/dockerd.pid" ]; then as_root kill "$(cat "$EXEC_ROOT/dockerd.pid")" 2>/dev/null || true; fi
  as_root kill "$pid" 2>/dev/null || true
  return 1
}

if [ -z "$DOCKER" ] && ! can_be_root; then
  fail "the docker client is missing: install Docker (or run this script as root on Debian to get docker.io)"
fi
if ! HOST=$(find_engine); then
  start_engine
  HOST=unix://$SOCKET
fi
export DOCKER_HOST=$HOST
log "Docker $("$DOCKER" version --format '{{.Server.Version}}') answers on $DOCKER_HOST"

# --- local stand-in images, each rebuilt only when its tag is missing or its recipe changed ---

recipe_label=org.galaxy.recipe
image_recipe() {
  "$DOCKER" image inspect --format "{{index .Config.Labels \"$recipe_label\"}}" "$1" 2>/dev/null ||
    true
}

build_image() { # tag dockerfile context [build args...]
  local tag=$1 dockerfile=$2 context=$3
  shift 3
  local recipe
  # The recipe: the Dockerfile, the build arguments and the base image it starts from.
  recipe=$({
    cat "$dockerfile"
    printf '%s\n' "$@"
    "$DOCKER" image inspect --format '{{.Id}}' "$MINBASE"
  } | sha256sum | cut -c1-16)
  if [ "$(image_recipe "$tag")" = "$recipe" ]; then
    log "$tag is up to date"
    return 0
  fi
  log "building $tag"
  local started=$SECONDS
  local args=()
  for arg in "$@"; do args+=(--build-arg "$arg"); done
  DOCKER_BUILDKIT=1 "$DOCKER" build --quiet --network host --label "$recipe_label=$recipe" \
    "${args[@]}" -f "$dockerfile" -t "$tag" "$context" >/dev/null
  log "built $tag in $((SECONDS - started)) s"
}

MINBASE=$PREFIX/debian:bookworm-minbase
minbase_recipe=$(printf 'debootstrap --variant=minbase bookworm %s, / 0755\n' "$MIRROR" | sha256sum | cut -c1-16)
if [ "$(image_recipe "$MINBASE")" != "$minbase_recipe" ]; then
  tarball=$CACHE_DIR/bookworm-minbase.tar
  if [ ! -s "$tarball" ]; then
    can_be_root || fail "building $MINBASE needs debootstrap as root: run this script as root"
    if ! command -v debootstrap >/dev/null 2>&1; then
      log "installing debootstrap"
      apt_install debootstrap
    fi
    log "debootstrap --variant=minbase bookworm (about 40 s)"
    as_root mkdir -p "$CACHE_DIR"
    rootfs=$(as_root mktemp -d "$CACHE_DIR/rootfs.XXXXXX")
    as_root debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$CACHE_DIR/debootstrap.log" 2>&1 ||
      {
        tail -n 20 "$CACHE_DIR/debootstrap.log" >&2
        fail "debootstrap failed (log: $CACHE_DIR/debootstrap.log)"
      }
    as_root sh -c "rm -rf '$rootfs'/var/cache/apt/archives/*.deb '$rootfs'/var/lib/apt/lists/*"
    # mktemp made the directory 0700; it becomes the image's "/", which every user must traverse.
    as_root chmod 755 "$rootfs"
    as_root tar -C "$rootfs" --numeric-owner -cf "$tarball.partial" .
    as_root mv "$tarball.partial" "$tarball"
    as_root rm -rf "$rootfs"
  fi
  log "importing $MINBASE"
  "$DOCKER" import --change "LABEL $recipe_label=$minbase_recipe" --change 'CMD ["bash"]' \
    "$tarball" "$MINBASE" >/dev/null
fi

# The machine's Node.js stands in for the official image of the same major version.
node_bin=$(readlink -f "$(command -v node)") || fail "node is missing: install Node.js 20.19+"
node_version=$("$node_bin" --version | sed 's/^v//')
node_major=${node_version%%.*}
node_modules=$(dirname "$(dirname "$node_bin")")/lib/node_modules
[ -d "$node_modules/corepack" ] && [ -d "$node_modules/npm" ] ||
  fail "npm and corepack not found next to $node_bin (expected in $node_modules)"
NODE_TAG=$PREFIX/node:$node_major-bookworm-slim
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp "$node_bin" "$context/node"
mkdir "$context/node_modules"
cp -a "$node_modules/corepack" "$node_modules/npm" "$context/node_modules/"
build_image "$NODE_TAG" scripts/docker/node.Dockerfile "$context" "NODE_VERSION=$node_version"

build_image "$PREFIX/postgres:15-bookworm" scripts/docker/postgres.Dockerfile scripts/docker
build_image "$PREFIX/redis:7-bookworm" scripts/docker/redis.Dockerfile scripts/docker

echo "DOCKER_HOST=$DOCKER_HOST"
echo "Build the Game Master image here with:"
echo "  DOCKER_HOST=$DOCKER_HOST DOCKER_BUILDKIT=1 $DOCKER build --network host --build-arg NODE_IMAGE=$NODE_TAG --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt -f apps/gamemaster/Dockerfile -t galaxy/gamemaster:local ."
