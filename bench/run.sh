#!/usr/bin/env bash
# Compare, in one run on loopback: direct upstream, nginx proxy_pass, a bare
# httputil.ReverseProxy (tuned Transport + BufferPool) and abusegate guard
# (off, and enforce with bench/policy.yaml: the default detectors, rate
# limits raised so one hammering token is not throttled) — wrk, 50 connections, same upstream (nginx
# answering a small JSON body). Prints one line per target; see
# BENCHMARKS.md. Every process it starts is stopped on exit.
# Usage: bench/run.sh [duration, default 10s]
set -euo pipefail
cd "$(dirname "$0")/.."
dur="${1:-10s}"
for bin in wrk nginx; do
	command -v "$bin" >/dev/null || { echo "bench: $bin missing (apt-get install -y wrk nginx)"; exit 2; }
done
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

cat >"$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream app { server 127.0.0.1:18080; keepalive 256; }
  server { listen 127.0.0.1:18080; location / { default_type application/json; return 200 '{"id":7,"name":"widget"}'; } }
  server { listen 127.0.0.1:18081; location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
CONF
nginx -c "$work/nginx.conf" -p "$work" & pids+=($!)
go build -o "$work/bareproxy" ./bench/bareproxy
go build -o "$work/abusegate" ./cmd/abusegate
"$work/bareproxy" -listen 127.0.0.1:18082 -upstream http://127.0.0.1:18080 & pids+=($!)
"$work/abusegate" guard --upstream http://127.0.0.1:18080 --listen 127.0.0.1:18083 --admin 127.0.0.1:18093 --mode enforce --policy bench/policy.yaml 2>"$work/guard.log" & pids+=($!)
"$work/abusegate" guard --upstream http://127.0.0.1:18080 --listen 127.0.0.1:18084 --admin 127.0.0.1:18094 --mode off 2>>"$work/guard.log" & pids+=($!)
for port in 18080 18081 18082 18083 18084; do
	for _ in $(seq 50); do curl -fsS -o /dev/null "http://127.0.0.1:$port/products" 2>/dev/null && break; sleep 0.1; done
done

echo "machine: $(nproc) cores, $(uname -r); wrk -t2 -c50 -d$dur, GET /products with a bearer token"
printf '%-28s %12s %10s %10s\n' target req/s p50 p99
for t in "direct:18080" "nginx-proxy_pass:18081" "bare-reverseproxy:18082" "abusegate-guard-off:18084" "abusegate-guard-enforce:18083"; do
	name="${t%%:*}"; port="${t##*:}"
	out="$(wrk -t2 -c50 -d"$dur" --latency -H 'Authorization: Bearer bench-token' "http://127.0.0.1:$port/products")"
	rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
	p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
	p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
	non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
	printf '%-28s %12s %10s %10s %s\n' "$name" "$rps" "$p50" "$p99" "${non2xx:+non-2xx: $non2xx}"
done
