#!/usr/bin/env bash
# Cross-check of bench/run.sh's latency phase with a public tool: vegeta at a
# constant RATE against the tuned bare ReverseProxy (bench/bareproxy) and
# `abusegate guard --mode enforce` (bench/policy.yaml, the demo shop's spec),
# both in front of one nginx upstream on loopback, alternating per round,
# ROUNDS rounds of DUR each. Prints each round's p50/p99/max per target and
# the median of the per-round p99 differences (guard - bare).
# vegeta measures from when a request is sent, loadgen from when it was due,
# so vegeta's floor is lower; compare the two targets, not the two tools.
# BENCH_RT (e.g. 10, root) runs every process SCHED_FIFO, as in run.sh.
# Needs vegeta (go install github.com/tsenart/vegeta/v12@v12.13.0; BIN=its
# directory), nginx, taskset. Ports BENCH_PORT (default 28180) .. +3.
# Usage: bench/vegeta-p99.sh [ROUNDS=5] [RATE=2000] [DUR=5s]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-5}"; rate="${2:-2000}"; dur="${3:-5s}"; base="${BENCH_PORT:-28180}"
export PATH="${BIN:-$(go env GOPATH)/bin}:$PATH"
for b in vegeta nginx taskset curl; do command -v "$b" >/dev/null || { echo "bench: $b missing"; exit 2; }; done
up=$base; bare=$((base + 1)); grd=$((base + 2))
for p in $up $bare $grd $((base + 3)); do
	if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/"; then echo "bench: port $p is taken (set BENCH_PORT)"; exit 2; fi
done
rt=(); [ -n "${BENCH_RT:-}" ] && rt=(chrt -f "$BENCH_RT")
work="$(mktemp -d)"; pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cat >"$work/up.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/up.pid;
error_log $work/up.log warn;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:$up; location / { default_type application/json; return 200 '{"id":7,"name":"widget"}'; } } }
CONF
go build -o "$work/bareproxy" ./bench/bareproxy
go build -o "$work/abusegate" ./cmd/abusegate
taskset -c 0 "${rt[@]}" nginx -c "$work/up.conf" -p "$work" & pids+=($!)
taskset -c 1 "${rt[@]}" "$work/bareproxy" -listen "127.0.0.1:$bare" -upstream "http://127.0.0.1:$up" 2>/dev/null & pids+=($!)
taskset -c 1 "${rt[@]}" "$work/abusegate" guard --upstream "http://127.0.0.1:$up" --listen "127.0.0.1:$grd" --admin "127.0.0.1:$((base + 3))" \
	--mode enforce --policy bench/policy.yaml --spec testdata/specs/demoshop.openapi.yaml 2>/dev/null & pids+=($!)
for p in $up $bare $grd; do
	for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$p/products" 2>/dev/null && break; sleep 0.1; done
done
if [ -n "${BENCH_RT:-}" ]; then for q in $(pgrep -P "${pids[0]}" || true); do chrt -a -f -p "$BENCH_RT" "$q" >/dev/null; done; fi
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); vegeta -rate $rate -duration $dur x $rounds rounds; rt: ${BENCH_RT:-no}"
p99() { sed -E 's/.*"99th":([0-9]+).*/\1/'; }
diffs=""
for r in $(seq "$rounds"); do
	declare -A q=()
	for t in "bare:$bare" "guard-enforce:$grd"; do
		name="${t%%:*}"; port="${t##*:}"
		echo "GET http://127.0.0.1:$port/products" | taskset -c 0 "${rt[@]}" vegeta attack -rate "$rate" -duration "$dur" \
			-header 'Authorization: Bearer bench-token' -max-workers 512 >"$work/r.bin"
		rep="$(vegeta report -type=json <"$work/r.bin")"
		q[$name]=$(p99 <<<"$rep")
		echo "round $r $name: p50 $(sed -E 's/.*"50th":([0-9]+).*/\1/' <<<"$rep") ns, p99 ${q[$name]} ns, max $(sed -E 's/.*"max":([0-9]+).*/\1/' <<<"$rep") ns, success $(sed -E 's/.*"success":([0-9.]+).*/\1/' <<<"$rep")"
	done
	diffs+="$(( (q[guard-enforce] - q[bare]) / 1000 )) "
done
echo "p99 guard-enforce - bare per round (us): $diffs; median $(tr ' ' '\n' <<<"$diffs" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')"
