#!/usr/bin/env bash
# The task list's exports through HTTP, as ../shared/peers/redmine/bench.sh times Redmine's
#   /issues.csv?set_filter=1&status_id=open&sort=id&c[]=…   (all open issues)
# here
#   /nhiem-vu/xuat-csv/?status=chua_xong     and     /nhiem-vu/xuat-excel/?status=chua_xong
# (every task not finished: not started, in progress, paused), as the first active Văn phòng
# user, who sees every task as Redmine's pm sees every project. gunicorn serves them with ONE
# sync worker, so that its peak resident memory (VmHWM) is the exports' own; hyperfine runs curl
# sequentially, CSV_RUNS then XLSX_RUNS times after one unreported warm-up each.
# Prints a markdown table with the columns of bench.sh's, then the worker's memory.
#
# Usage (Redmine's shape: generate_data --units 60 --plans 50 --tasks 10000 --seed 1):
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/sau_ro_bench benchmarks/task_export.sh
#   env: PORT=8110 CSV_RUNS=10 XLSX_RUNS=5
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/sau_ro_bench}"
# Production settings, as Redmine runs in production; plain HTTP on loopback.
export DEBUG=false SECURE_SSL_REDIRECT=false SECRET_KEY="${SECRET_KEY:-benchmark-only-$RANDOM$RANDOM}"
PYTHON="${PYTHON:-.venv/bin/python}" GUNICORN="${GUNICORN:-.venv/bin/gunicorn}"
PORT=${PORT:-8110} CSV_RUNS=${CSV_RUNS:-10} XLSX_RUNS=${XLSX_RUNS:-5}
for v in PORT CSV_RUNS XLSX_RUNS; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "$v must be an integer" >&2; exit 1; }
done
(( CSV_RUNS >= 1 && CSV_RUNS <= 50 && XLSX_RUNS >= 1 && XLSX_RUNS <= 20 )) ||
  { echo "refusing: CSV_RUNS 1..50, XLSX_RUNS 1..20" >&2; exit 1; }
for t in hyperfine jq curl; do command -v $t >/dev/null || { echo "$t missing (apt-get install $t)" >&2; exit 1; }; done

BASE="http://127.0.0.1:$PORT"
QUERY="status=chua_xong"
U_CSV="$BASE/nhiem-vu/xuat-csv/?$QUERY"
U_XLSX="$BASE/nhiem-vu/xuat-excel/?$QUERY"
# A session for the Văn phòng user, made as a login would make it; its number of open tasks.
read -r SESSION OPEN_N TASKS_N < <("$PYTHON" manage.py shell -v 0 -c "
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from accounts.models import Role, User
from tasks.filters import listed_tasks
from tasks.models import Task
from tasks.punctuality import Status, local_today
office = User.objects.filter(role=Role.OFFICE, is_active=True).order_by('pk').first()
s = SessionStore()
s[SESSION_KEY], s[HASH_SESSION_KEY] = str(office.pk), office.get_session_auth_hash()
s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'
s.create()
listed = listed_tasks(office, today=local_today())
print(s.session_key, listed.exclude(status__in=[Status.DONE, Status.CANCELLED]).count(), listed.count())" 2>/dev/null)
COOKIE="Cookie: sessionid=$SESSION"

W=$(mktemp -d)
"$GUNICORN" config.wsgi --bind "127.0.0.1:$PORT" --workers 1 --timeout 300 \
  --log-level warning > "$W/gunicorn.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; rm -rf "$W"' EXIT
for _i in $(seq 50); do curl -fs -o /dev/null "$BASE/healthz" && break; sleep 0.2; done
curl -fs -o /dev/null "$BASE/healthz" || { cat "$W/gunicorn.log" >&2; exit 1; }
WORKER=$(pgrep -P "$SERVER" | head -n 1)
kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$WORKER/status"; }
worker_ticks() { sed 's/.*) //' "/proc/$WORKER/stat" | awk '{print $12 + $13}'; }

# Checks before any timing (they also warm the worker up): one row per open task in both files.
curl -fsS --max-time 300 -H "$COOKIE" "$U_CSV" -o "$W/all.csv"
curl -fsS --max-time 300 -H "$COOKIE" "$U_XLSX" -o "$W/all.xlsx"
"$PYTHON" - "$W/all.csv" "$W/all.xlsx" "$OPEN_N" <<'PY'
import csv, io, sys
from openpyxl import load_workbook
path_csv, path_xlsx, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
body = open(path_csv, "rb").read()
assert body.startswith(b"\xef\xbb\xbf"), "the CSV has no BOM"
rows = list(csv.reader(io.StringIO(body[3:].decode("utf-8"), newline="")))
assert len(rows) - 1 == want, f"CSV has {len(rows) - 1} rows, {want} open tasks"
sheet = load_workbook(path_xlsx, read_only=True).active
xlsx = [r for r in sheet.iter_rows(min_row=4, values_only=True)]
assert len(xlsx) == want, f"workbook has {len(xlsx)} rows, {want} open tasks"
safe = [f"'{v}" if v.startswith(("=", "+", "-", "@")) else v for v in (r[2] or "" for r in xlsx)]
assert [r[2] for r in rows[1:]] == safe, "the CSV and the workbook list different tasks"
PY
RSS_IDLE=$(kb VmRSS)

busy() {  # CPU busy % of the whole machine over 2 s
  local a b
  read -r _ a1 a2 a3 a4 a5 a6 a7 _ < /proc/stat; sleep 2
  read -r _ b1 b2 b3 b4 b5 b6 b7 _ < /proc/stat
  a=$((a1+a2+a3+a4+a5+a6+a7)); b=$((b1+b2+b3+b4+b5+b6+b7))
  echo $(( 100 - 100 * (b4 + b5 - a4 - a5) / (b - a) ))
}
BUSY=$(busy)
ROWS=()
run_hf() {  # name runs url
  local name=$1 runs=$2 url=$3 j="$W/hf.json" before ticks
  before=$(worker_ticks)
  hyperfine -N --runs "$runs" --warmup 1 --export-json "$j" \
    "curl -fsS --max-time 300 -o /dev/null -H '$COOKIE' '$url'" > "$W/hf.txt" 2>&1 ||
    { tail -n 5 "$W/hf.txt" >&2; exit 1; }
  ticks=$(( $(worker_ticks) - before ))
  ROWS+=("$(jq -r --arg n "$name" --argjson t "$ticks" --argjson hz "$(getconf CLK_TCK)" '.results[0] |
    "| \($n) | hyperfine | 1 | \(.median*1000*10|round/10) | \(.min*1000*10|round/10) | \(.max*1000*10|round/10) | \(1/.mean*100|round/100) | \(.times|length) | \(1000*$t/$hz/((.times|length)+1)|round) |"' "$j")")
}
run_hf "CSV export, all $OPEN_N open tasks" "$CSV_RUNS" "$U_CSV"
HWM_CSV=$(kb VmHWM)
run_hf "Excel export, all $OPEN_N open tasks" "$XLSX_RUNS" "$U_XLSX"
HWM_ALL=$(kb VmHWM)

echo "# Portal export benchmark $(date +%Y%m%d-%H%M%S)"
echo
echo "- machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, shared; CPU busy before the runs: ${BUSY}%; load avg at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- $("$PYTHON" --version), Django $("$PYTHON" -c 'import django; print(django.get_version())'), gunicorn $("$PYTHON" -c "import gunicorn; print(gunicorn.__version__)") (1 sync worker), DEBUG=false, $(hyperfine --version)"
echo "- database: ${DATABASE_URL%%://*} $(psql "$DATABASE_URL" -Atc 'show server_version' 2>/dev/null || true); $TASKS_N tasks the user sees, $OPEN_N not finished"
echo "- files: CSV $(wc -c < "$W/all.csv") bytes, Excel $(wc -c < "$W/all.xlsx") bytes; hyperfine: curl, sequential, 1 warm-up (req/s = 1/mean)"
echo "- worker memory: resident $((RSS_IDLE / 1024)) MB after the checks; peak (VmHWM) $((HWM_CSV / 1024)) MB after the CSV runs, $((HWM_ALL / 1024)) MB after the Excel runs"
echo
echo "| benchmark | tool | conc | median ms | min ms | max ms | req/s | runs | worker CPU ms/run |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
