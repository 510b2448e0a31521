#!/usr/bin/env bash
# The RESP benchmark of issue 11, in one run (started by `./kv bench resp`, which builds kv-server
# and kv-bench and passes their class paths):
#
#   1. redis-benchmark -t set,get,incr,mset -c 50 -n N -r 1000000 -d 100 --csv, with -P 1 and -P 16,
#      against, in this order: (a) a 3-node kvkit cluster (sync-writes on, the default), (b) a 1-node
#      kvkit, (c) redis-server --appendonly yes --appendfsync always, (d) redis-server --appendonly no
#      --save ''; each after an unrecorded warm-up pass. Each server runs alone on 127.0.0.1, in its own temporary directory, on its own
#      free port, and is stopped before the next starts.
#   2. Right after (a)'s redis-benchmark runs, the same 3-node cluster through kv-client at 64
#      closed-loop clients: puts, then linearizable gets (io.kvkit.bench.resp.KvClientLoad); and at
#      the end etcd (3 members) measured the same way by kv-bench's cluster benchmark.
#   3. io.kvkit.bench.resp.RespBenchReport: results.json, results.md, throughput.png, machine.txt.
#
# Usage: resp-bench.sh [--quick] [--n N] [--seconds S] [--out DIR] [--bench-timeout S] [--note TEXT]...
#   --quick          N = 20,000 and 3 s windows for the 64-client points (a smoke run; output dir ends in -quick)
#   --n N            requests per redis-benchmark test (default 1,000,000, the issue's)
#   --seconds S      measured window of each 64-client point, kvkit and etcd alike (default 10; --quick 3)
#   --out DIR        output directory (default bench-results/resp/<UTC date-time>[-quick]/)
#   --bench-timeout S  limit of one redis-benchmark run (4 tests) (default 600 + N/50 s)
#   --note TEXT      recorded with the results (repeatable)
# Exit status: 0 every measurement ran; 1 something failed (the report says what; results still
# written when possible); 2 bad arguments or missing tools.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "resp-bench: $*" >&2; exit 2; }

n=1000000; n_set=0; quick=0; seconds=""; out=""; bench_timeout=""; notes=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1 ;;
    --n) [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || die "--n needs a positive whole number (got '${2:-}')"; n="$2"; n_set=1; shift ;;
    --seconds) [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || die "--seconds needs a positive whole number of seconds (got '${2:-}')"; seconds="$2"; shift ;;
    --out) [[ $# -ge 2 ]] || die "--out needs a directory"; out="$2"; shift ;;
    --bench-timeout) [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || die "--bench-timeout needs seconds (got '${2:-}')"; bench_timeout="$2"; shift ;;
    --note) [[ $# -ge 2 ]] || die "--note needs a text"; notes+=("$2"); shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'; allowed: --quick, --n N, --seconds S, --out DIR, --bench-timeout S, --note TEXT" ;;
  esac
  shift
done
if [[ $quick -eq 1 && $n_set -eq 0 ]]; then n=20000; fi
seconds="${seconds:-$([[ $quick -eq 1 ]] && echo 3 || echo 10)}"
warmup=$([[ $quick -eq 1 ]] && echo 1 || echo 3)
client_warmup=$([[ $quick -eq 1 ]] && echo 3 || echo 10)
bench_timeout="${bench_timeout:-$((600 + n / 50))}"
warm_n=$(( n < 50000 ? n : 50000 ))
[[ $quick -eq 1 ]] && warm_n=5000

[[ -n "${KVKIT_JAVA:-}" && -n "${KVKIT_SERVER_CLASSPATH:-}" && -n "${KVKIT_BENCH_CLASSPATH:-}" ]] \
  || die "run it as ./kv bench resp (it builds kv-server and kv-bench and sets KVKIT_JAVA, KVKIT_SERVER_CLASSPATH, KVKIT_BENCH_CLASSPATH)"
java=("$KVKIT_JAVA" --enable-native-access=ALL-UNNAMED)

bin_dir="$("$ROOT/kv-bench/scripts/ensure-redis.sh" | tail -n 1)" || die "redis-server, redis-cli and redis-benchmark are needed (see above)"
redis_server="$bin_dir/redis-server"; redis_cli="$bin_dir/redis-cli"; redis_benchmark="$bin_dir/redis-benchmark"

stamp="$(date -u +%Y-%m-%dT%H-%M-%SZ)"
suffix=""; [[ $quick -eq 1 ]] && suffix="-quick"
out="${out:-$ROOT/bench-results/resp/$stamp$suffix}"
mkdir -p "$out/raw"
out="$(cd "$out" && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/kvkit-resp-bench.XXXXXX")"
run_log="$tmp/run.log"
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
failures=0

log() { echo "[resp-bench $(date -u +%H:%M:%S)] $*" | tee -a "$run_log" >&2; }

# ---- cleanup: every server this run started is stopped, whatever happens --------------------
kvkit_dirs=(); redis_pids=()
cleanup() {
  local d p
  for d in "${kvkit_dirs[@]}"; do
    if [[ -f "$d/cluster.json" ]]; then
      KVKIT_CLUSTER_DIR="$d" timeout 60 "${java[@]}" -cp "$KVKIT_SERVER_CLASSPATH" io.kvkit.server.cli.ClusterCommand stop --dir "$d" --clean \
        >/dev/null 2>&1 || echo "resp-bench: could not stop the kvkit cluster in $d" >&2
    fi
  done
  for p in "${redis_pids[@]}"; do
    kill "$p" 2>/dev/null && { timeout 30 tail --pid="$p" -f /dev/null 2>/dev/null || kill -9 "$p" 2>/dev/null; } || true
  done
  if [[ -f "$run_log" ]]; then sed -e "s#$tmp#<tmp>#g" -e "s#$ROOT/##g" "$run_log" >"$out/run.log"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- redis-benchmark of one target ------------------------------------------------------------
bench_target() { # target port
  local target="$1" port="$2" p rc
  # an unrecorded pass first, the same for every target: a JVM server's first tens of thousands
  # of requests run in the interpreter and C1 (a fresh 1-node kvkit did 6,900 SET/s on its first
  # 50,000 and 13,000 on the next 50,000), and the measured runs are meant to see steady state
  log "$target: warm-up (not recorded): redis-benchmark -t set,get,incr,mset -c 50 -n $warm_n -P 16"
  timeout "$bench_timeout" "$redis_benchmark" -h 127.0.0.1 -p "$port" -t set,get,incr,mset -c 50 -n "$warm_n" -r 1000000 -d 100 -P 16 -q \
    >/dev/null 2>&1 || log "$target: the warm-up run failed (exit $?); measuring anyway"
  for p in 1 16; do
    log "$target: redis-benchmark -t set,get,incr,mset -c 50 -n $n -r 1000000 -d 100 -P $p"
    rc=0
    timeout "$bench_timeout" "$redis_benchmark" -h 127.0.0.1 -p "$port" -t set,get,incr,mset -c 50 -n "$n" -r 1000000 -d 100 -P "$p" --csv \
      >"$out/raw/$target-P$p.csv" 2>"$tmp/$target-P$p.err" || rc=$?
    if [[ $rc -eq 0 ]]; then
      echo ok >"$out/raw/$target-P$p.status"
      sed 's/^/    /' "$out/raw/$target-P$p.csv" | tee -a "$run_log" >&2
    else
      local why="exit $rc"
      [[ $rc -eq 124 ]] && why="did not finish within $bench_timeout s (--bench-timeout)"
      echo "failed: redis-benchmark $why: $(tr '\r' '\n' <"$tmp/$target-P$p.err" | grep -v 'rps=' | tail -n 3 | tr '\n' ' ' | sed "s#$tmp#<tmp>#g")" \
        >"$out/raw/$target-P$p.status"
      log "$target -P $p: $(cat "$out/raw/$target-P$p.status")"
      failures=$((failures + 1))
    fi
  done
}

# ---- kvkit ------------------------------------------------------------------------------------
start_kvkit() { # target nodes -> sets resp_port, endpoints
  local target="$1" nodes="$2" d="$tmp/$1"
  kvkit_dirs+=("$d")
  log "$target: starting $nodes kvkit node(s) (kv cluster start; sync-writes on)"
  if ! KVKIT_CLUSTER_DIR="$d" timeout 240 "${java[@]}" -cp "$KVKIT_SERVER_CLASSPATH" io.kvkit.server.cli.ClusterCommand start --nodes "$nodes" \
        --dir "$d" >"$tmp/$target-start.log" 2>&1; then
    log "$target: the cluster did not start: $(tail -n 5 "$tmp/$target-start.log" | tr '\n' ' ' | sed "s#$tmp#<tmp>#g")"
    return 1
  fi
  resp_port="$(grep -o '"respPort": *[0-9]*' "$d/cluster.json" | head -n 1 | grep -o '[0-9]*$')"
  endpoints="$(sed -n 's/.*client endpoints: //p' "$tmp/$target-start.log")"
  [[ -n "$resp_port" && -n "$endpoints" ]] || { log "$target: no RESP port or client endpoints after start"; return 1; }
}

stop_kvkit() { # target
  local d="$tmp/$1"
  KVKIT_CLUSTER_DIR="$d" timeout 60 "${java[@]}" -cp "$KVKIT_SERVER_CLASSPATH" io.kvkit.server.cli.ClusterCommand stop --dir "$d" --clean \
    >/dev/null 2>&1 || log "$1: stopping the cluster failed"
}

mark_failed() { # target why: every redis-benchmark run of the target is reported failed with the reason
  local p
  for p in 1 16; do echo "failed: $2" >"$out/raw/$1-P$p.status"; done
  failures=$((failures + 1))
}

kvkit_version="kvkit $(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' "$ROOT/kv-server/pom.xml" | sed -n 2p) (kv-server"
: >"$out/raw/targets.tsv"
printf 'kvkit-3node\t%s, 3 nodes, R=3, 8 partitions, lsm, sync-writes on (Raft log fsync before acknowledging), 256 MiB heaps; redis-benchmark connects to node 1 RESP port, which forwards to each partition leader)\n' "$kvkit_version" >>"$out/raw/targets.tsv"
printf 'kvkit-1node\t%s, 1 node, 8 partitions, lsm, sync-writes on, 256 MiB heap)\n' "$kvkit_version" >>"$out/raw/targets.tsv"

log "output: $out (N = $n per test, 64-client points $seconds s after $warmup s warm-up, load average $load_at_start)"

# (a) 3-node kvkit, then kv-client at 64 clients against the same cluster
if start_kvkit kvkit-3node 3; then
  bench_target kvkit-3node "$resp_port"
  log "kvkit-3node: kv-client, 64 clients, puts then linearizable gets ($seconds s each)"
  "${java[@]}" -cp "$KVKIT_BENCH_CLASSPATH" io.kvkit.bench.resp.KvClientLoad --endpoints "$endpoints" --clients 64 --seconds "$seconds" \
    --warmup "$warmup" --client-warmup "$client_warmup" --out "$out/kvclient" 2>&1 | tee -a "$run_log" >&2 \
    || { log "kv-client load failed"; failures=$((failures + 1)); }
  stop_kvkit kvkit-3node
else
  mark_failed kvkit-3node "the 3-node cluster did not start"
fi

# (b) 1-node kvkit
if start_kvkit kvkit-1node 1; then
  bench_target kvkit-1node "$resp_port"
  stop_kvkit kvkit-1node
else
  mark_failed kvkit-1node "the 1-node kvkit did not start"
fi

# ---- redis-server -----------------------------------------------------------------------------
free_port() { # a port nobody listens on (the server's own bind is the final check)
  local p i
  for i in $(seq 1 50); do
    p=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

redis_version="$("$redis_server" --version | head -n 1)"
run_redis() { # target settings...
  local target="$1"; shift
  local d="$tmp/$target" port pid i attempt
  mkdir -p "$d"
  printf '%s\t%s; %s\n' "$target" "$redis_version" "$(printf '%q ' "$@")" >>"$out/raw/targets.tsv"
  for attempt in 1 2 3 4 5; do
    port="$(free_port)" || break
    log "$target: redis-server on 127.0.0.1:$port ($*)"
    "$redis_server" --bind 127.0.0.1 --port "$port" --dir "$d" --daemonize no --logfile "$d/redis.log" --protected-mode yes "$@" &
    pid=$!
    redis_pids+=("$pid")
    for i in $(seq 1 100); do
      [[ "$(timeout 2 "$redis_cli" -h 127.0.0.1 -p "$port" PING 2>/dev/null)" == PONG ]] && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null && [[ "$(timeout 2 "$redis_cli" -h 127.0.0.1 -p "$port" PING 2>/dev/null)" == PONG ]]; then
      bench_target "$target" "$port"
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      return 0
    fi
    log "$target: redis-server did not answer on port $port: $(tail -n 2 "$d/redis.log" 2>/dev/null | tr '\n' ' ')"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  mark_failed "$target" "redis-server did not start (log: $(tail -n 2 "$d/redis.log" 2>/dev/null | tr '\n' ' ' | sed "s#$tmp#<tmp>#g"))"
}

# (c) AOF with fsync before every reply; (d) no persistence. RDB snapshots off in both: only the
# AOF setting differs, and no background fork takes a core from the measurement.
run_redis redis-always --appendonly yes --appendfsync always --save ''
run_redis redis-nopersist --appendonly no --save ''

# ---- etcd at 64 clients (kv-bench's cluster benchmark, the same closed loop as KvClientLoad) ----
log "etcd: 3 members, 64 clients, puts then linearizable gets ($seconds s each; kv-bench cluster benchmark)"
"${java[@]}" -cp "$KVKIT_BENCH_CLASSPATH" io.kvkit.bench.cluster.ClusterBench --targets etcd --concurrency 64 --groups 1 \
  --phases puts,reads --seconds "$seconds" --warmup "$warmup" --client-warmup "$client_warmup" --out "$out/etcd" --data-dir "$tmp" \
  2>&1 | tee -a "$run_log" >&2 || { log "etcd run failed"; failures=$((failures + 1)); }

# ---- report -----------------------------------------------------------------------------------
report_args=(--out "$out" --n "$n" --data-dir "$tmp" --note "load average at the start of the run: $load_at_start")
[[ $quick -eq 1 ]] && report_args+=(--quick)
report_args+=(--note "each server ran alone (the previous one stopped first); redis-benchmark and the servers share the machine's cores")
report_args+=(--note "every server got an unrecorded warm-up of $warm_n requests per test at -P 16 before its measured runs")
report_args+=(--note "64-client points: $seconds s measured after $warmup s of the same load, after $client_warmup s of unmeasured puts per cluster")
for t in "${notes[@]}"; do report_args+=(--note "$t"); done
rc=0
"${java[@]}" -cp "$KVKIT_BENCH_CLASSPATH" io.kvkit.bench.resp.RespBenchReport "${report_args[@]}" || rc=$?
log "results in $out (report exit $rc, $failures failed step(s))"
[[ $rc -eq 0 && $failures -eq 0 ]] || exit 1
