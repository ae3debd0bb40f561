# Shared by the deploy/local scripts: paths, messages, small helpers. Sourced, never run.
# shellcheck shell=bash

LECTOR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Run-time state of this checkout (database cluster, engine pid and logs): git-ignored.
LECTOR_STATE=${LECTOR_STATE:-$LECTOR_ROOT/.local}
# One-time builds and downloads shared by every checkout on this machine, keyed by version.
LECTOR_CACHE=${LECTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lector}

say()  { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

# wait_for DESCRIPTION SECONDS COMMAND...: poll COMMAND until it succeeds or SECONDS pass.
wait_for() {
  local what=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    (( SECONDS < deadline )) || return 1
    sleep 0.5
  done
}
