#!/usr/bin/env bash
# Guard overhead, measured side by side in one run on loopback: direct
# upstream, nginx proxy_pass, a bare httputil.ReverseProxy (tuned Transport
# + BufferPool, bench/bareproxy) and `abusegate guard` (off, and enforce
# with bench/policy.yaml: the default detectors, rate limits raised so one
# hammering token measures overhead rather than 429s). The upstream is nginx
# answering a small JSON body.
#
#   throughput: wrk -t1 -c50 for DUR per target, ROUNDS rounds in rotated
#               order (the machine is shared: a round-robin median is fairer
#               than one long run per target);
#   latency:    bench/loadgen at a constant RATE req/s (open model, latency
#               from each request's schedule, HDR-style percentiles): one
#               process interleaves the targets in BENCH_SLICE (500ms)
#               slices, LATDUR per target per round, ROUNDS rounds; it
#               reports p99 per target and round, so guard and bare proxy
#               are compared round by round under the same noise.
#
# The guards load BENCH_SPEC (default the demo shop's OpenAPI spec, so
# /products is routed and scored as the shop's catalog; empty for none).
# BENCH_NICE (e.g. -10, needs root) runs every process of the benchmark at
# that priority, so other users' builds on a shared machine disturb it less.
# BENCH_RT (e.g. 10, needs root and chrt) runs the latency phase's processes
# SCHED_FIFO at that priority: on a shared machine, other users' builds
# otherwise set every target's p99 (tens to hundreds of ms). Throughput is
# also reported per CPU-second of the process under test (utime + stime
# from /proc), which the machine's other load disturbs far less than req/s.
# With taskset and 2+ cores, every proxy runs on CPU 1 and the load
# generators and the upstream on CPU 0, so proxies compete with each other's
# figures, not with wrk. Ports: BENCH_PORT (default 28080) .. +9; the script
# refuses to start if one is taken. Every process it starts is stopped on
# exit. Prints one summary block; see BENCHMARKS.md. It builds the tree it
# sits in.
# Usage: bench/run.sh [DUR=5s] [ROUNDS=3] [RATE=2000] [LATDUR=10s]
set -euo pipefail
cd "$(dirname "$0")/.."
dur="${1:-5s}"; rounds="${2:-3}"; rate="${3:-2000}"; latdur="${4:-10s}"; slice="${BENCH_SLICE:-500ms}"
spec="${BENCH_SPEC-testdata/specs/demoshop.openapi.yaml}"
base="${BENCH_PORT:-28080}"
for bin in wrk nginx curl; do
	command -v "$bin" >/dev/null || { echo "bench: $bin missing (apt-get install -y wrk nginx curl)"; exit 2; }
done
up=$base; ngx=$((base + 1)); bare=$((base + 2)); genf=$((base + 3)); goff=$((base + 4))
for p in $up $ngx $bare $genf $goff $((base + 8)) $((base + 9)); do
	if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/"; then echo "bench: port $p is taken (set BENCH_PORT)"; exit 2; fi
done
load=(); proxy=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then load=(taskset -c 0); proxy=(taskset -c 1); fi
if [ -n "${BENCH_NICE:-}" ]; then load=(nice -n "$BENCH_NICE" "${load[@]}"); proxy=(nice -n "$BENCH_NICE" "${proxy[@]}"); fi
specflag=(); [ -n "$spec" ] && specflag=(--spec "$spec")
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

conf() { # name listen-port body
	cat >"$work/$1.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/$1.pid;
error_log $work/$1.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream app { server 127.0.0.1:$up; keepalive 256; }
  server { listen 127.0.0.1:$2; location / { $3 } }
}
CONF
}
conf upstream "$up" "default_type application/json; return 200 '{\"id\":7,\"name\":\"widget\"}';"
conf proxy "$ngx" 'proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection "";'
go build -o "$work/bareproxy" ./bench/bareproxy
go build -o "$work/loadgen" ./bench/loadgen
go build -o "$work/abusegate" ./cmd/abusegate
"${load[@]}" nginx -c "$work/upstream.conf" -p "$work" & pids+=($!)
"${proxy[@]}" nginx -c "$work/proxy.conf" -p "$work" & pids+=($!)
"${proxy[@]}" "$work/bareproxy" -listen "127.0.0.1:$bare" -upstream "http://127.0.0.1:$up" 2>"$work/bare.log" & pids+=($!)
"${proxy[@]}" "$work/abusegate" guard --upstream "http://127.0.0.1:$up" --listen "127.0.0.1:$genf" --admin "127.0.0.1:$((base + 8))" \
	--mode enforce --policy bench/policy.yaml "${specflag[@]}" 2>"$work/guard.log" & pids+=($!)
"${proxy[@]}" "$work/abusegate" guard --upstream "http://127.0.0.1:$up" --listen "127.0.0.1:$goff" --admin "127.0.0.1:$((base + 9))" \
	--mode off "${specflag[@]}" 2>>"$work/guard.log" & pids+=($!)
for p in $up $ngx $bare $genf $goff; do
	for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$p/products" 2>/dev/null && break; sleep 0.1; done
done

# cpu is the CPU time (clock ticks) of a process and its children so far.
cpu() {
	local t=0 p
	for p in "$1" $(pgrep -P "$1" || true); do
		t=$((t + $(awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$p/stat")))
	done
	echo "$t"
}
declare -A pidof=([direct]=${pids[0]} [nginx-proxy_pass]=${pids[1]} [bare-reverseproxy]=${pids[2]} [guard-enforce]=${pids[3]} [guard-off]=${pids[4]})
targets=("direct:$up" "nginx-proxy_pass:$ngx" "bare-reverseproxy:$bare" "guard-off:$goff" "guard-enforce:$genf")
auth='Authorization: Bearer bench-token'
echo "machine: $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg); pinned: ${proxy[*]:-no}"
echo "throughput: wrk -t1 -c50 -d$dur x $rounds rounds; latency: loadgen -rate $rate, $latdur per target and round in $slice slices x $rounds rounds; spec: ${spec:-none}; nice: ${BENCH_NICE:-0}"
declare -A rps rpc p99 p50 p99all
n=${#targets[@]}
# Throughput first, then latency in a phase of its own: a wrk burst leaves
# a proxy with a grown heap and connections closing, which would land in
# the next target's tail.
for r in $(seq "$rounds"); do
	for i in $(seq 0 $((n - 1))); do
		t="${targets[$(((i + r) % n))]}"; name="${t%%:*}"; port="${t##*:}"
		c0=$(cpu "${pidof[$name]}")
		out="$("${load[@]}" wrk -t1 -c50 -d"$dur" -H "$auth" "http://127.0.0.1:$port/products")"
		c1=$(cpu "${pidof[$name]}")
		rps[$name]+="$(awk '/Requests\/sec/ {printf "%d", $2}' <<<"$out") "
		# Requests per CPU-second of the process under test (the upstream's
		# for direct): what one dedicated core would serve, whatever share
		# of the core the machine's other load left it.
		reqs=$(awk '/requests in/ {print $1}' <<<"$out")
		rpc[$name]+="$(awk -v n="$reqs" -v c=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%d", (c > 0 ? n*hz/c : 0)}') "
	done
done
sleep 2
# One loadgen interleaves every target in short slices within each round
# (the order rotated by round), so the machine's other load lands on all of
# them alike; it prints one line per target and round, then one over all.
lt=(); for t in "${targets[@]}"; do lt+=(-target "${t%%:*}=http://127.0.0.1:${t##*:}/products"); done
rt=()
if [ -n "${BENCH_RT:-}" ]; then
	# The latency phase only (a few tenths of a core): the processes under
	# test, the upstream and loadgen run SCHED_FIFO, ahead of other users'
	# builds, whose bursts would otherwise set every target's p99.
	rt=(chrt -f "$BENCH_RT")
	for p in "${pids[@]}"; do
		for q in "$p" $(pgrep -P "$p" || true); do chrt -a -f -p "$BENCH_RT" "$q" >/dev/null; done
	done
fi
"${rt[@]}" "${load[@]}" "$work/loadgen" "${lt[@]}" -rate "$rate" -duration "$latdur" -rounds "$rounds" -slice "$slice" -warmup 2s -H "$auth" >"$work/lat.jsonl"
while read -r line; do
	name="$(sed -E 's/.*"target":"([^"]*)".*/\1/' <<<"$line")"; round="$(sed -E 's/.*"round":([0-9]+).*/\1/' <<<"$line")"
	v="$(sed -E 's/.*"p99_us":([0-9.]+).*/\1/' <<<"$line")"; m="$(sed -E 's/.*"p50_us":([0-9.]+).*/\1/' <<<"$line")"
	if [ "$round" = 0 ]; then p99all[$name]=$v; echo "  $line"; else p99[$name]+="$v "; p50[$name]+="$m "; fi
done <"$work/lat.jsonl"
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
printf '%-18s %9s %-34s %9s %-34s %9s %9s %-44s %9s\n' target "req/s" "rounds" "req/CPU-s" "rounds" "p50 us" "p99 us" "p99 rounds" "p99 all"
for t in "${targets[@]}"; do
	name="${t%%:*}"
	printf '%-18s %9s %-34s %9s %-34s %9s %9s %-44s %9s\n' "$name" "$(median <<<"${rps[$name]}")" "${rps[$name]}" \
		"$(median <<<"${rpc[$name]}")" "${rpc[$name]}" "$(median <<<"${p50[$name]}")" \
		"$(median <<<"${p99[$name]}")" "${p99[$name]}" "${p99all[$name]}"
done
gc=$(median <<<"${rpc[guard-enforce]}"); bc=$(median <<<"${rpc[bare-reverseproxy]}"); xc=$(median <<<"${rpc[nginx-proxy_pass]}")
awk -v g="$gc" -v b="$bc" -v x="$xc" 'BEGIN {
	printf "per CPU-second: guard-enforce / bare-reverseproxy: %.2fx; / nginx: %.2fx; bare / nginx: %.2fx\n", g/b, g/x, b/x }'
g=$(median <<<"${rps[guard-enforce]}"); b=$(median <<<"${rps[bare-reverseproxy]}"); x=$(median <<<"${rps[nginx-proxy_pass]}"); d=$(median <<<"${rps[direct]}")
gp=$(median <<<"${p99[guard-enforce]}"); bp=$(median <<<"${p99[bare-reverseproxy]}")
awk -v g="$g" -v b="$b" -v x="$x" -v d="$d" -v gp="$gp" -v bp="$bp" 'BEGIN {
	printf "guard-enforce / bare-reverseproxy: %.2fx (target >= 0.9x); / nginx: %.2fx; / direct: %.2fx; bare / nginx: %.2fx\n", g/b, g/x, g/d, b/x
	printf "p99 over bare by round medians: %+.0f us (target <= +250 us)\n", gp-bp }'
# Per round, the guard's p99 minus the bare proxy's measured in the same
# interleaved round: the pairs the noise hits alike.
read -ra gr <<<"${p99[guard-enforce]}"; read -ra br <<<"${p99[bare-reverseproxy]}"
diffs=""; for i in "${!gr[@]}"; do diffs+="$(awk -v a="${gr[$i]}" -v b="${br[$i]}" 'BEGIN {printf "%+.0f", a-b}') "; done
echo "p99 guard-enforce - bare, per round (us): $diffs; median $(median <<<"$diffs")"
