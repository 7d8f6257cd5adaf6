#!/usr/bin/env bash
# VU engine benchmark: abusegate's runtime/vu against wrk, vegeta and k6, all
# in the same run against the same minimal loopback target
# (runtime/vu/internal/vutarget).
#   1. requests/s at 50 and 500 connections (VUs), each tool for $D seconds
#      (abusegate twice: its lean HTTP/1.1 client, and net/http);
#   2. peak RSS of $PACED_VUS paced VUs (one request each every 10 s) for
#      $PACED_D seconds, abusegate vs k6.
# Tools (never vendored): wrk from Debian (apt-get install wrk), vegeta and k6
# with `go install github.com/tsenart/vegeta/v12@latest go.k6.io/k6@latest`;
# set BIN to where they are (default: $GOBIN or ~/go/bin, then PATH).
# Usage: bench/vu-bench.sh [D=10] ; env PACED_VUS=10000 PACED_D=30 ADDR=127.0.0.1:8099
set -euo pipefail
cd "$(dirname "$0")/.."
D=${1:-10}
PACED_VUS=${PACED_VUS:-10000}
PACED_D=${PACED_D:-30}
ADDR=${ADDR:-127.0.0.1:8099}
URL="http://$ADDR/"
BIN=${BIN:-$(go env GOBIN)}
BIN=${BIN:-$HOME/go/bin}
export PATH="$BIN:$PATH"
WORK=$(mktemp -d)
trap 'kill "$TARGET_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

go build -o "$WORK/vutarget" ./runtime/vu/internal/vutarget
go build -o "$WORK/vubench" ./runtime/vu/internal/vubench
"$WORK/vutarget" -addr "$ADDR" &
TARGET_PID=$!
sleep 1

# peak_rss CMD...: runs CMD, prints its output, then "peak_rss_mb=N" read
# from /proc (VmHWM is a high-water mark, so the last reading is the peak).
peak_rss() {
  "$@" >"$WORK/out" 2>&1 &
  local pid=$! hwm=0 v
  while kill -0 "$pid" 2>/dev/null; do
    v=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$v" ] && hwm=$v
    sleep 0.5
  done
  wait "$pid" || true
  cat "$WORK/out"
  echo "peak_rss_mb=$((hwm / 1024))"
}

cat >"$WORK/k6-loop.js" <<JS
import http from 'k6/http';
export default function () { http.get('$URL'); }
JS
cat >"$WORK/k6-paced.js" <<JS
import http from 'k6/http';
import { sleep } from 'k6';
export default function () {
  if (__ITER === 0) { sleep((__VU - 1) * 10 / $PACED_VUS); }
  http.get('$URL');
  sleep(10);
}
JS

echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg), $(go version)"
for C in 50 500; do
  echo "## $C connections, ${D}s each"
  if command -v wrk >/dev/null; then
    printf 'wrk     '; wrk -t2 -c"$C" -d"${D}s" "$URL" | awk '/Requests\/sec/ {print "rps=" $2}'
  fi
  if command -v vegeta >/dev/null; then
    printf 'vegeta  '; echo "GET $URL" | vegeta attack -rate=0 -max-workers="$C" -workers="$C" -duration="${D}s" |
      vegeta report -type=json | python3 -c 'import json,sys; r=json.load(sys.stdin); print("rps=%.0f success=%.3f" % (r["throughput"], r["success"]))'
  fi
  if command -v k6 >/dev/null; then
    printf 'k6      '; k6 run --quiet --no-color --vus "$C" --duration "${D}s" --summary-export "$WORK/k6.json" "$WORK/k6-loop.js" >/dev/null 2>&1 || true
    python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["metrics"]["http_reqs"]; print("rps=%.0f" % m["rate"])' "$WORK/k6.json"
  fi
  printf 'vu      '; "$WORK/vubench" -url "$URL" -vus "$C" -d "${D}s" 2>/dev/null
  printf 'vu-std  '; "$WORK/vubench" -client net/http -url "$URL" -vus "$C" -d "${D}s" 2>/dev/null
done

echo "## $PACED_VUS paced VUs, one request each every 10s, ${PACED_D}s"
printf 'vu      '; peak_rss "$WORK/vubench" -url "$URL" -mode paced -vus "$PACED_VUS" -every 10s -d "${PACED_D}s" | tr '\n' ' '; echo
if command -v k6 >/dev/null; then
  printf 'k6      '; peak_rss k6 run --quiet --no-color --vus "$PACED_VUS" --duration "${PACED_D}s" --summary-export "$WORK/k6p.json" "$WORK/k6-paced.js" | tail -1 | tr '\n' ' '
  python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["metrics"]["http_reqs"]; print("requests=%d" % m["count"])' "$WORK/k6p.json" || echo
fi
