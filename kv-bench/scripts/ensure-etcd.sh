#!/usr/bin/env bash
# Makes sure an etcd server binary is available for the cluster benchmark (kv-bench's
# io.kvkit.bench.cluster.ClusterBench) and prints its path on the last line of stdout.
#
# Order: $KVKIT_ETCD (an explicit binary), `etcd` on PATH, /usr/bin/etcd; otherwise, when
# running as root on a Debian/Ubuntu machine, `apt-get install etcd-server etcd-client`.
# Anything else fails with a message saying what to install. Exit 0: found; 1: not available.
set -euo pipefail

found() {
  echo "ensure-etcd: using $1 ($("$1" --version 2>/dev/null | head -n 1))" >&2
  echo "$1"
  exit 0
}

if [[ -n "${KVKIT_ETCD:-}" ]]; then
  if [[ -x "$KVKIT_ETCD" ]]; then found "$KVKIT_ETCD"; fi
  echo "ensure-etcd: KVKIT_ETCD=$KVKIT_ETCD is not an executable file; unset it or point it at an etcd binary" >&2
  exit 1
fi
if command -v etcd >/dev/null 2>&1; then found "$(command -v etcd)"; fi
if [[ -x /usr/bin/etcd ]]; then found /usr/bin/etcd; fi

if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-etcd: etcd not found; installing Debian's etcd-server and etcd-client with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  # etcd-server's package scripts may try to start a system service; the benchmark runs its own members.
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends etcd-server etcd-client >&2
  if command -v etcd >/dev/null 2>&1; then found "$(command -v etcd)"; fi
  if [[ -x /usr/bin/etcd ]]; then found /usr/bin/etcd; fi
  echo "ensure-etcd: apt-get installed etcd-server but no etcd binary was found on PATH or in /usr/bin" >&2
  exit 1
fi

cat >&2 <<'MSG'
ensure-etcd: no etcd binary found (looked at $KVKIT_ETCD, PATH, /usr/bin/etcd).
Install one, then rerun:
  Debian/Ubuntu:  sudo apt-get install etcd-server etcd-client
  elsewhere:      an etcd v3.4+ server binary on PATH, or KVKIT_ETCD=/path/to/etcd
MSG
exit 1
