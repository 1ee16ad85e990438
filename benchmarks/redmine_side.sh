#!/usr/bin/env bash
# The portal's half of the comparison with Redmine (../shared/peers/redmine/bench.sh): the same
# three requests, the same wrk settings, a table with the same columns.
#
#   Redmine                                             portal
#   /issues?set_filter=1&status_id=open&due_date=<=…    /nhiem-vu/?punctuality=overdue&sort=han
#     &sort=due_date,id&per_page=25 (HTML, as pm)         (HTML, 25 a page, as Văn phòng)
#   /issues.json?…same filter…&limit=25 (API key)       /api/tasks/?punctuality=overdue
#                                                         &ordering=han&page_size=25 (token)
#   PUT /issues/<id>.json {done_ratio, notes}           POST /nhiem-vu/<id>/cap-nhat/ (htmx, as
#     cycling through 200 open issues                     the unit head: percent, status, a note)
#                                                         one distinct open task per request
#
# gunicorn, 2 sync workers (Redmine: puma 2 workers x 5 threads), DEBUG=false; wrk -t1, DURATION
# s per run after an unreported WARMUP s, connections CONC, Connection: close. Each run also
# gives the workers' own CPU per request (steadier than req/s on a shared machine) and the
# queries per request (Django's test client, same URL, same user).
#
# Usage (Redmine's shape: generate.sh --units 60 --plans 50 --tasks 10000):
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/sau_ro_bench benchmarks/redmine_side.sh
#   env: PORT=8100 WORKERS=2 DURATION=15 CONC="1 4" WARMUP=3 KEEPALIVE=0
# The update run writes progress updates: run it on a generated set, never on real data.
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/sau_ro_bench}"
# Production settings, as Redmine runs in production; plain HTTP on loopback.
export DEBUG=false SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false
export SECRET_KEY="${SECRET_KEY:-benchmark-only-$RANDOM$RANDOM}"
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
U_HTML="$BASE/nhiem-vu/?punctuality=overdue&sort=han"
U_JSON="$BASE/api/tasks/?punctuality=overdue&ordering=han&page_size=25"
HELPER="$PYTHON benchmarks/redmine_side.py"
read -r SESSION TASKS_N OVERDUE_N < <($HELPER office 2>/dev/null)
COOKIE="Cookie: sessionid=$SESSION"
AUTH="Authorization: Token $($HELPER token 2>/dev/null)"

"$PYTHON" manage.py collectstatic --noinput -v0  # production mode serves the manifest's files
W=$(mktemp -d)
"$GUNICORN" config.wsgi --bind "127.0.0.1:$PORT" --workers "$WORKERS" --timeout 120 \
  --log-level warning > "$W/gunicorn.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; rm -rf "$W"' EXIT
for _i in $(seq 50); do curl -fs -o /dev/null "$BASE/healthz" && break; sleep 0.2; done
curl -fs -o /dev/null "$BASE/healthz" || { cat "$W/gunicorn.log" >&2; exit 1; }

# Checks before any timing, as bench.sh makes them of Redmine: the page and the API list the
# same 25 overdue tasks, in due date order, all past due.
curl -fsS -H "$AUTH" "$U_JSON" -o "$W/page.json"
TODAY=$(TZ=Asia/Ho_Chi_Minh date +%F)
jq -e --arg today "$TODAY" --argjson n "$OVERDUE_N" '[.results[].six_ro.thoi_gian.due_date] as $d
  | ($d == ($d | sort)) and all($d[]; . < $today) and all(.results[]; .punctuality == "overdue")
  and .count == $n and (.results | length) == ([$n, 25] | min)' "$W/page.json" > /dev/null ||
  { echo "the overdue JSON list is not what it should be: $(head -c 300 "$W/page.json")" >&2; exit 1; }
curl -fsS -H "$COOKIE" "$U_HTML" -o "$W/page.html"
for id in $(jq -r '.results[].id' "$W/page.json"); do
  grep -q "href=\"/nhiem-vu/$id/\"" "$W/page.html" ||
    { echo "task $id of the JSON page is not on the HTML page" >&2; exit 1; }
done

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
# Updates: each request takes the next task of `targets` (made right before the run) with its
# version and its unit head's session; a response without "Đã lưu" (a stale version, a refusal)
# counts as bad. wrk's threads share nothing, hence -t1 as everywhere else.
cat > "$W/update_tail.lua" <<'LUA'
local n = 0
wrk.method = "POST"
function request()
  n = n + 1
  local t = targets[((n - 1) % #targets) + 1]
  local body = string.format(
    "percent=%d&status=in_progress&version=%s&achieved=bench+update+%d&delay_reason=bench",
    (n % 9) * 10 + 5, t[2], n)
  return wrk.format(nil, "/nhiem-vu/" .. t[1] .. "/cap-nhat/", {
    ["Cookie"] = "sessionid=" .. t[3] .. "; csrftoken=benchmarkbenchmarkbenchmarkbench",
    ["X-CSRFToken"] = "benchmarkbenchmarkbenchmarkbench",
    ["HX-Request"] = "true",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, "Đã lưu", 1, true) then bad = bad + 1 end
end
LUA
sed -n '/^function done/,$p' "$W/report.lua" >> "$W/update_tail.lua"

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
ROWS=()
run() {  # name script url conc [header]
  local name=$1 script=$2 url=$3 c=$4 hdr=(); [ -n "${5:-}" ] && hdr=(-H "$5")
  local ticks_before; ticks_before=$(worker_ticks)
  wrk -t1 -c"$c" -d"${DURATION}s" --timeout 30s -s "$script" "${CONN_HDR[@]}" "${hdr[@]}" \
    "$url" > "$W/wrk.txt" 2>&1
  local line; line=$(grep '^WRKSTAT' "$W/wrk.txt") || { cat "$W/wrk.txt" >&2; exit 1; }
  eval "local ${line#WRKSTAT }"
  local ticks=$(( $(worker_ticks) - ticks_before ))
  # shellcheck disable=SC2154
  ROWS+=("$(awk -v n="$name" -v c="$c" -v r="$requests" -v d="$duration_us" -v p50="$p50_us" \
    -v p90="$p90_us" -v p99="$p99_us" -v b="$bad" -v t="$ticks" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "| %s | wrk | %d | %.1f | %.1f | %.1f | %.1f | %d | %d | %.1f |",
    n, c, p50/1000, p90/1000, p99/1000, r/(d/1e6), r, b, 1000 * t / hz / r }')")
}
warm() {  # script url [header]
  local hdr=(); [ -n "${3:-}" ] && hdr=(-H "$3")
  (( WARMUP > 0 )) && wrk -t1 -c2 -d"${WARMUP}s" --timeout 30s -s "$1" "${CONN_HDR[@]}" "${hdr[@]}" \
    "$2" > /dev/null 2>&1 || true
}

warm "$W/report.lua" "$U_HTML" "$COOKIE"
for c in $CONC; do run "overdue list HTML" "$W/report.lua" "$U_HTML" "$c" "$COOKIE"; done
warm "$W/report.lua" "$U_JSON" "$AUTH"
for c in $CONC; do run "overdue list JSON" "$W/report.lua" "$U_JSON" "$c" "$AUTH"; done
for c in warm $CONC; do
  # Enough distinct tasks that none is written twice in a run (at most ~300 updates a second).
  $HELPER updates $(( (DURATION > WARMUP ? DURATION : WARMUP) * 300 )) "$W/targets.lua" 2>/dev/null
  cat "$W/targets.lua" "$W/update_tail.lua" > "$W/update.lua"
  if [ "$c" = warm ]; then warm "$W/update.lua" "$BASE"; continue; fi
  run "task update POST" "$W/update.lua" "$BASE" "$c"
done

QUERIES=$("$PYTHON" - <<PY 2>/dev/null
import os, sys
sys.argv = ["x"]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from accounts.models import Role, User
office = User.objects.filter(role=Role.OFFICE, is_active=True).order_by("pk").first()
client = Client(HTTP_HOST="127.0.0.1")
client.force_login(office)
out = []
for name, url, extra in [("HTML", "${U_HTML#"$BASE"}", {}),
                         ("JSON", "${U_JSON#"$BASE"}", {"HTTP_AUTHORIZATION": "${AUTH#Authorization: }"})]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **extra).status_code == 200
    out.append(f"{name} {len(queries)}")
print(", ".join(out))
PY
)

echo "# Portal side of the Redmine comparison $(date +%Y-%m-%d\ %H:%M)"
echo
echo "- machine: $(nproc) cores, shared; CPU busy before the runs: ${BUSY}%; load avg at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- $("$PYTHON" --version), Django $("$PYTHON" -c 'import django; print(django.get_version())'), gunicorn $("$PYTHON" -c "import gunicorn; print(gunicorn.__version__)") ($WORKERS sync workers), DEBUG=false"
echo "- database: ${DATABASE_URL%%://*} $(psql "$DATABASE_URL" -Atc 'show server_version' 2>/dev/null || true); $TASKS_N tasks Văn phòng sees, $OVERDUE_N overdue"
echo "- queries per request: $QUERIES (the update: see benchmarks/pages.md)"
echo "- wrk: -t1, ${DURATION}s per run after ${WARMUP}s warm-up, keep-alive=$KEEPALIVE"
echo
echo "| benchmark | tool | conc | median ms | p90 ms | p99 ms | req/s | requests | bad | worker CPU ms/req |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
if printf '%s\n' "${ROWS[@]}" | awk -F'|' '$10 + 0 > 0 {bad = 1} END {exit !bad}'; then
  echo "some requests failed (see the bad column)" >&2; exit 1
fi
