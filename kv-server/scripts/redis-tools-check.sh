#!/usr/bin/env bash
# Integration check of kvkit's RESP endpoint with the real Redis tools (Debian's redis-tools):
# starts a 3-node kvkit cluster on 127.0.0.1 (free ports, a temporary directory) with
# `kv cluster start`, runs redis-cli PING, SET, GET, INCR, DEL, EXISTS, MSET/MGET, SCAN
# (--scan --pattern), an unknown command and a short redis-benchmark against it, checks every
# output, prints one PASS/FAIL line per check, and always stops and deletes the cluster.
#
#   kv-server/scripts/redis-tools-check.sh        (or: ./kv redis-check)
#
# Needs redis-cli and redis-benchmark (kv-bench/scripts/ensure-redis.sh --tools-only is run when
# redis-cli is missing) and the kv launcher at the repository root (it builds kv-server if its
# jar is missing or stale). Every tool call runs under `timeout`. Exit 0: every check passed;
# 1: a check failed or the cluster did not start; 2: bad arguments.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KV="$ROOT/kv"
CALL_TIMEOUT=15          # seconds for one redis-cli call
START_TIMEOUT=150        # seconds for `kv cluster start` (a build of kv-server may come first)
BENCH_TIMEOUT=90         # seconds for the redis-benchmark run
STOP_TIMEOUT=60          # seconds for `kv cluster stop` (SIGTERM, SIGKILL after 10 s)

[[ $# -eq 0 ]] || { echo "redis-tools-check: takes no arguments (got: $*)" >&2; exit 2; }

started=$SECONDS
failures=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }

# ---- tools ----------------------------------------------------------------------------------
if ! command -v redis-cli >/dev/null 2>&1 || ! command -v redis-benchmark >/dev/null 2>&1; then
  bin_dir="$("$ROOT/kv-bench/scripts/ensure-redis.sh" --tools-only | tail -n 1)" || {
    echo "FAIL tools: redis-cli and redis-benchmark are not available (see the message above)"; exit 1; }
  PATH="$bin_dir:$PATH"
fi
echo "redis-tools-check: $(redis-cli --version), $(redis-benchmark --version 2>/dev/null | head -n 1)"

# ---- cluster --------------------------------------------------------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/kvkit-redis-check.XXXXXX")"
cluster="$tmp/cluster"
cleanup() {
  if [[ -f "$cluster/cluster.json" ]]; then
    timeout "$STOP_TIMEOUT" "$KV" cluster stop --dir "$cluster" --clean >/dev/null 2>&1 \
      || echo "redis-tools-check: stopping the cluster in $cluster failed; its processes may still run" >&2
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! timeout "$START_TIMEOUT" "$KV" cluster start --nodes 3 --dir "$cluster" >"$tmp/start.log" 2>&1; then
  fail "cluster start" "kv cluster start failed or took over ${START_TIMEOUT} s; its output:"
  sed 's/^/    /' "$tmp/start.log"
  for log in "$cluster"/node-*.log; do [[ -f "$log" ]] && { echo "  last lines of $(basename "$log"):"; tail -n 15 "$log" | sed 's/^/    /'; }; done
  exit 1
fi
mapfile -t ports < <(grep -o '"respPort": *[0-9]*' "$cluster/cluster.json" | grep -o '[0-9]*$')
if [[ ${#ports[@]} -ne 3 ]]; then
  fail "cluster start" "expected 3 RESP ports in $cluster/cluster.json, found ${#ports[@]}"
  exit 1
fi
pass "cluster start: 3 nodes, RESP ports ${ports[*]} ($((SECONDS - started)) s)"

# ---- checks ---------------------------------------------------------------------------------
# cli NODE ARGS...: redis-cli against node NODE (0..2); output without the trailing newline
cli() {
  local node="$1"; shift
  timeout "$CALL_TIMEOUT" redis-cli -h 127.0.0.1 -p "${ports[$node]}" "$@" 2>&1
}

# expect NAME EXPECTED NODE ARGS...: the output must equal EXPECTED exactly
expect() {
  local name="$1" expected="$2" out rc; shift 2
  out="$(cli "$@")"; rc=$?
  if [[ $rc -eq 124 ]]; then fail "$name" "no answer within ${CALL_TIMEOUT} s"
  elif [[ "$out" == "$expected" ]]; then pass "$name"
  else fail "$name" "expected $(printf '%q' "$expected"), got $(printf '%q' "$out") (exit $rc)"
  fi
}

# keys of this run: the cluster is fresh, the prefix only makes the output easy to read
k="redis-check"
expect "PING"                     "PONG"          0 PING
expect "SET on node 1"            "OK"            0 SET "$k:greeting" "hello kvkit"
expect "GET on node 2 (routed)"   "hello kvkit"   1 GET "$k:greeting"
expect "GET on node 3 (routed)"   "hello kvkit"   2 GET "$k:greeting"
expect "INCR of a new key"        "1"             0 INCR "$k:counter"
expect "INCR again on node 2"     "2"             1 INCR "$k:counter"
expect "GET of the counter"       "2"             2 GET "$k:counter"
expect "DEL of a present key"     "1"             0 DEL "$k:greeting"
expect "DEL of an absent key"     "0"             1 DEL "$k:greeting"
expect "EXISTS after DEL"         "0"             2 EXISTS "$k:greeting"
expect "EXISTS of two keys"       "1"             0 EXISTS "$k:greeting" "$k:counter"
expect "MSET"                     "OK"            0 MSET "$k:m:a" 1 "$k:m:b" 2 "$k:m:c" 3 "$k:n:d" 4
# redis-cli prints a nil bulk reply as an empty line when its output is not a terminal
expect "MGET (with an absent key)" $'1\n2\n\n3' 1 MGET "$k:m:a" "$k:m:b" "$k:m:absent" "$k:m:c"

name="SCAN --scan --pattern '$k:m:*'"
out="$(cli 2 --scan --pattern "$k:m:*")"; rc=$?   # (--count needs redis-cli 7.2; Debian 12 has 7.0)
got="$(printf '%s\n' "$out" | sort | tr '\n' ' ')"
want="$k:m:a $k:m:b $k:m:c "
if [[ $rc -eq 0 && "$got" == "$want" ]]; then pass "$name"; else fail "$name" "expected keys $want, got '$got' (exit $rc)"; fi

name="unknown command"
out="$(cli 0 NOSUCHCOMMAND arg1)"; rc=$?
if [[ $rc -ne 124 && "$out" == "ERR unknown command 'NOSUCHCOMMAND'"* ]]; then pass "$name: $out"
else fail "$name" "expected an error starting with \"ERR unknown command 'NOSUCHCOMMAND'\", got $(printf '%q' "$out") (exit $rc)"; fi

# a short redis-benchmark: each test must finish with a positive rate (no speed is asserted)
name="redis-benchmark -t set,get,incr -n 2000 -c 10 -q"
out="$(timeout "$BENCH_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "${ports[0]}" -t set,get,incr -n 2000 -c 10 -r 100000 -q 2>&1)"; rc=$?
summary="$(printf '%s\n' "$out" | tr '\r' '\n' | grep -E '^ *[A-Z]+: [0-9.]+ requests per second' | sed 's/^ *//')"
bad=""
for t in SET GET INCR; do
  rps="$(printf '%s\n' "$summary" | sed -n "s/^$t: \([0-9.]*\) requests per second.*/\1/p" | head -n 1)"
  if [[ -z "$rps" ]] || ! awk -v r="$rps" 'BEGIN { exit !(r > 0) }'; then bad+=" $t(${rps:-no result})"; fi
done
if [[ $rc -eq 0 && -z "$bad" ]]; then pass "$name: $(printf '%s' "$summary" | tr '\n' ';' | sed 's/;/; /g')"
elif [[ $rc -eq 124 ]]; then fail "$name" "did not finish within ${BENCH_TIMEOUT} s; last output: $(printf '%s' "$out" | tr '\r' '\n' | tail -n 2 | tr '\n' ' ')"
else fail "$name" "exit $rc, missing or zero rates for:$bad; output: $(printf '%s' "$out" | tr '\r' '\n' | grep -v 'rps=' | tail -n 5 | tr '\n' ' ')"
fi

# ---- verdict --------------------------------------------------------------------------------
if [[ $failures -gt 0 ]]; then
  echo "redis-tools-check: $failures check(s) FAILED in $((SECONDS - started)) s"
  for log in "$cluster"/node-*.log; do [[ -f "$log" ]] && { echo "  last lines of $(basename "$log"):"; tail -n 8 "$log" | sed 's/^/    /'; }; done
  exit 1
fi
echo "redis-tools-check: all checks passed in $((SECONDS - started)) s"
