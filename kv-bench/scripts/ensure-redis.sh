#!/usr/bin/env bash
# Makes sure the Redis tools are available for the RESP benchmark (kv-bench/scripts/resp-bench.sh)
# and the redis-cli integration check (kv-server/scripts/redis-tools-check.sh), and prints the
# directory holding them on the last line of stdout.
#
#   ensure-redis.sh               needs redis-server, redis-cli and redis-benchmark
#   ensure-redis.sh --tools-only  needs redis-cli and redis-benchmark only
#
# Order: $KVKIT_REDIS_BIN_DIR (a directory holding the binaries), then PATH, then /usr/bin;
# otherwise, when running as root on a Debian/Ubuntu machine, `apt-get install redis-tools`
# (and `redis-server` unless --tools-only). Anything else fails with a message saying what to
# install. Exit 0: found; 1: not available; 2: bad arguments.
set -euo pipefail

tools_only=0
case "${1:-}" in
  "") ;;
  --tools-only) tools_only=1 ;;
  -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "ensure-redis: unknown argument '$1'; allowed: --tools-only" >&2; exit 2 ;;
esac
[[ $# -le 1 ]] || { echo "ensure-redis: one argument at most (got: $*)" >&2; exit 2; }

needed=(redis-cli redis-benchmark)
[[ $tools_only -eq 1 ]] || needed=(redis-server "${needed[@]}")

# Prints the directory of the first place holding every needed binary; returns 1 if none does,
# 2 if KVKIT_REDIS_BIN_DIR is set but lacks one.
locate() {
  local dir missing b p
  if [[ -n "${KVKIT_REDIS_BIN_DIR:-}" ]]; then
    missing=()
    for b in "${needed[@]}"; do [[ -x "$KVKIT_REDIS_BIN_DIR/$b" ]] || missing+=("$b"); done
    if [[ ${#missing[@]} -eq 0 ]]; then echo "$KVKIT_REDIS_BIN_DIR"; return 0; fi
    echo "ensure-redis: KVKIT_REDIS_BIN_DIR=$KVKIT_REDIS_BIN_DIR lacks ${missing[*]}; unset it or point it at a directory with ${needed[*]}" >&2
    return 2   # an explicit choice that is wrong: no fallback, no install
  fi
  # PATH: every binary must be found, and in one directory (so the versions match)
  dir=""
  for b in "${needed[@]}"; do
    p="$(command -v "$b" 2>/dev/null)" || { dir=""; break; }
    if [[ -z "$dir" ]]; then dir="$(dirname "$p")"; elif [[ "$dir" != "$(dirname "$p")" ]]; then dir=""; break; fi
  done
  if [[ -n "$dir" ]]; then echo "$dir"; return 0; fi
  missing=()
  for b in "${needed[@]}"; do [[ -x "/usr/bin/$b" ]] || missing+=("$b"); done
  if [[ ${#missing[@]} -eq 0 ]]; then echo /usr/bin; return 0; fi
  return 1
}

found() {
  echo "ensure-redis: using ${needed[*]} from $1 ($("$1/redis-cli" --version 2>/dev/null | head -n 1))" >&2
  echo "$1"
  exit 0
}

rc=0
dir="$(locate)" || rc=$?
if [[ $rc -eq 0 ]]; then found "$dir"; fi
if [[ $rc -eq 2 ]]; then exit 1; fi

if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  packages=(redis-tools)
  [[ $tools_only -eq 1 ]] || packages+=(redis-server)
  echo "ensure-redis: ${needed[*]} not all found; installing Debian's ${packages[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  # redis-server's postinst may start a system redis on port 6379: harmless here (our runs use
  # their own ports, directories and configuration), and left as the package set it up.
  apt-get update -qq >&2 || echo "ensure-redis: apt-get update failed; trying the install with the package lists at hand" >&2
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2
  if dir="$(locate)"; then found "$dir"; fi
  echo "ensure-redis: apt-get installed ${packages[*]} but ${needed[*]} are still not all on PATH or in /usr/bin" >&2
  exit 1
fi

cat >&2 <<MSG
ensure-redis: ${needed[*]} not found (looked at \$KVKIT_REDIS_BIN_DIR, PATH, /usr/bin).
Install them, then rerun:
  Debian/Ubuntu:  sudo apt-get install redis-tools$([[ $tools_only -eq 1 ]] || echo ' redis-server')
  elsewhere:      Redis 6 or newer (redis-benchmark --csv with latency columns needs 7), on PATH or in KVKIT_REDIS_BIN_DIR=/path/to/bin
MSG
exit 1
