#!/usr/bin/env bash
# The portal's half of the comparison with Redmine (../shared/peers/redmine): the overdue list as
# JSON, served by gunicorn with 2 workers and measured with wrk as bench.sh measures Redmine's
#   /issues.json?status_id=open&due_date=<=<yesterday>&sort=due_date,id&limit=25
# here
#   /api/tasks/?punctuality=overdue&ordering=han&page_size=25
# as the first active Văn phòng user (sees every task, as Redmine's pm sees every project), with
# a token. Same wrk settings: -t1, connections 1 then 4, DURATION s each after an unreported
# WARMUP s, Connection: close. Prints a markdown table with the same columns as bench.sh.
#
# Usage (database filled by generate.sh; for Redmine's shape: --units 60 --plans 50 --tasks 10000):
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/sau_ro_bench benchmarks/api_list.sh
#   env: PORT=8100 WORKERS=2 DURATION=15 CONC="1 4" WARMUP=3 KEEPALIVE=0
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/sau_ro_bench}"
# Production settings, as Redmine runs in production; plain HTTP on loopback.
export DEBUG=false SECURE_SSL_REDIRECT=false SECRET_KEY="${SECRET_KEY:-benchmark-only-$RANDOM$RANDOM}"
PYTHON="${PYTHON:-.venv/bin/python}" GUNICORN="${GUNICORN:-.venv/bin/gunicorn}"
PORT=${PORT:-8100} WORKERS=${WORKERS:-2} DURATION=${DURATION:-15} CONC=${CONC:-"1 4"}
WARMUP=${WARMUP:-3} KEEPALIVE=${KEEPALIVE:-0}
for v in PORT WORKERS DURATION WARMUP; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "$v must be an integer" >&2; exit 1; }
done
(( DURATION <= 60 && WARMUP <= 30 && WORKERS <= 8 )) ||
  { echo "refusing: DURATION<=60, WARMUP<=30, WORKERS<=8" >&2; exit 1; }
for c in $CONC; do
  [[ "$c" =~ ^[0-9]+$ ]] && (( c >= 1 && c <= 64 )) || { echo "CONC entries: 1..64" >&2; exit 1; }
done
for t in wrk jq curl; do command -v $t >/dev/null || { echo "$t missing (apt-get install $t)" >&2; exit 1; }; done
CONN_HDR=(); [ "$KEEPALIVE" = 1 ] || CONN_HDR=(-H "Connection: close")

BASE="http://127.0.0.1:$PORT"
URL="$BASE/api/tasks/?punctuality=overdue&ordering=han&page_size=25"
TOKEN=$("$PYTHON" manage.py shell -v 0 -c "
from rest_framework.authtoken.models import Token
from accounts.models import Role, User
office = User.objects.filter(role=Role.OFFICE, is_active=True).order_by('pk').first()
print(Token.objects.get_or_create(user=office)[0].key)" 2>/dev/null)
AUTH="Authorization: Token $TOKEN"

W=$(mktemp -d)
"$GUNICORN" config.wsgi --bind "127.0.0.1:$PORT" --workers "$WORKERS" --timeout 120 \
  --log-level warning > "$W/gunicorn.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; rm -rf "$W"' EXIT
for _i in $(seq 50); do curl -fs -o /dev/null "$BASE/healthz" && break; sleep 0.2; done
curl -fs -o /dev/null "$BASE/healthz" || { cat "$W/gunicorn.log" >&2; exit 1; }

# Checks before any timing: 25 overdue tasks (or all of them), in due date order, all past due.
curl -fsS -H "$AUTH" "$URL" -o "$W/page.json"
TODAY=$(TZ=Asia/Ho_Chi_Minh date +%F)
jq -e --arg today "$TODAY" '[.results[].six_ro.thoi_gian.due_date] as $d
  | ($d == ($d | sort)) and all($d[]; . < $today) and all(.results[]; .punctuality == "overdue")
  and (.results | length) == ([.count, 25] | min)' "$W/page.json" > /dev/null ||
  { echo "the overdue list is not what it should be: $(head -c 300 "$W/page.json")" >&2; exit 1; }
OVERDUE_N=$(jq .count "$W/page.json")
TASKS_N=$(curl -fsS -H "$AUTH" "$BASE/api/tasks/?page_size=1" | jq .count)

cat > "$W/report.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local nbad = 0
  for _, t in ipairs(threads) do nbad = nbad + t:get("bad") end
  local e = summary.errors
  io.write(string.format(
    "WRKSTAT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d bad=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), nbad + e.connect + e.read + e.write + e.timeout))
end
LUA

busy() {  # CPU busy % of the whole machine over 2 s
  local a b
  read -r _ a1 a2 a3 a4 a5 a6 a7 _ < /proc/stat; sleep 2
  read -r _ b1 b2 b3 b4 b5 b6 b7 _ < /proc/stat
  a=$((a1+a2+a3+a4+a5+a6+a7)); b=$((b1+b2+b3+b4+b5+b6+b7))
  echo $(( 100 - 100 * (b4 + b5 - a4 - a5) / (b - a) ))
}
worker_ticks() {  # CPU time (user + system, clock ticks) of the gunicorn workers so far
  local t=0 p
  for p in $(pgrep -P "$SERVER"); do t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}'))); done
  echo "$t"
}
BUSY=$(busy)
if (( WARMUP > 0 )); then
  wrk -t1 -c2 -d"${WARMUP}s" --timeout 30s -s "$W/report.lua" "${CONN_HDR[@]}" -H "$AUTH" "$URL" > /dev/null 2>&1 || true
fi
ROWS=()
CPU=()
for c in $CONC; do
  ticks_before=$(worker_ticks)
  wrk -t1 -c"$c" -d"${DURATION}s" --timeout 30s -s "$W/report.lua" "${CONN_HDR[@]}" -H "$AUTH" \
    "$URL" > "$W/wrk-$c.txt" 2>&1
  line=$(grep '^WRKSTAT' "$W/wrk-$c.txt") || { cat "$W/wrk-$c.txt" >&2; exit 1; }
  eval "${line#WRKSTAT }"
  ticks=$(( $(worker_ticks) - ticks_before ))
  CPU+=("c=$c: $(awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v r="$requests" 'BEGIN { printf "%.1f", 1000 * t / hz / r }') ms")
  # shellcheck disable=SC2154
  ROWS+=("$(awk -v c="$c" -v r="$requests" -v d="$duration_us" -v p50="$p50_us" -v p90="$p90_us" \
    -v p99="$p99_us" -v b="$bad" 'BEGIN { printf "| overdue list JSON (25/page) | wrk | %d | %.1f | %.1f | %.1f | %.1f | %d | %d |",
    c, p50/1000, p90/1000, p99/1000, r/(d/1e6), r, b }')")
done

echo "# Portal API benchmark $(date +%Y%m%d-%H%M%S)"
echo
echo "- machine: $(nproc) cores, shared; CPU busy before the runs: ${BUSY}%; load avg at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- $("$PYTHON" --version), Django $("$PYTHON" -c 'import django; print(django.get_version())'), gunicorn $("$PYTHON" -c "import gunicorn; print(gunicorn.__version__)") ($WORKERS sync workers), DEBUG=false"
echo "- database: ${DATABASE_URL%%://*} $(psql "$DATABASE_URL" -Atc 'show server_version' 2>/dev/null || true); $TASKS_N tasks the user sees, $OVERDUE_N overdue"
echo "- CPU of the gunicorn workers per request (PostgreSQL not counted; less sensitive to other load than req/s): ${CPU[*]}"
echo "- wrk: -t1, ${DURATION}s per run after ${WARMUP}s warm-up, keep-alive=$KEEPALIVE; $URL"
echo
echo "| benchmark | tool | conc | median ms | p90 ms | p99 ms | req/s | requests | bad |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
if printf '%s\n' "${ROWS[@]}" | awk -F'|' '$10 + 0 > 0 {bad = 1} END {exit !bad}'; then
  echo "some requests failed (see the bad column)" >&2; exit 1
fi
