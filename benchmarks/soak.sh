#!/usr/bin/env bash
# Soak test: the portal under a steady mixed load for a long while (Văn phòng browsing, unit
# heads recording progress; benchmarks/soak_locust.py), served by gunicorn as in production.
# It watches what only time shows: failed requests, latency that creeps up, workers whose
# memory keeps growing. Prints a summary and exits non-zero on any failed request or when a
# worker's memory grew by more than MAX_GROWTH percent between the first and the last third.
#
# Usage (a database filled by benchmarks/generate.sh, or the demo: load_demo):
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/sau_ro_soak benchmarks/soak.sh
#   env: PORT=8101 WORKERS=2 USERS=10 MINUTES=10 MAX_GROWTH=30 SOAK_OFFICE=… SOAK_HEADS=…
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG=false SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false CSRF_COOKIE_SECURE=false
export SECRET_KEY="${SECRET_KEY:-soak-only-$RANDOM$RANDOM}"
# Logins from one address many times over: the throttle must not lock the test out.
export LOGIN_FAILURE_LIMIT=1000
PORT=${PORT:-8101} WORKERS=${WORKERS:-2} USERS=${USERS:-10} MINUTES=${MINUTES:-10}
MAX_GROWTH=${MAX_GROWTH:-30}
for v in PORT WORKERS USERS MINUTES MAX_GROWTH; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "$v must be an integer" >&2; exit 1; }
done
(( MINUTES <= 240 && USERS <= 200 && WORKERS <= 8 )) ||
  { echo "refusing: MINUTES<=240, USERS<=200, WORKERS<=8" >&2; exit 1; }
# locust in its own environment: a tool of this script, not of the portal.
[ -x .venv/soak/bin/locust ] || { python3 -m venv .venv/soak && .venv/soak/bin/pip install -q locust; }

# Accounts: the generated set's (benchmarks/generate.sh) when the database holds one, else the
# demo's (soak_locust.py); SOAK_OFFICE / SOAK_HEADS set by hand win.
if [ -z "${SOAK_OFFICE:-}" ]; then
  read -r SOAK_OFFICE SOAK_HEADS < <(.venv/bin/python - <<'PY' 2>/dev/null || true
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from accounts.models import Role, User
from demo.generator import PASSWORD, USERNAME_PREFIX
generated = User.objects.filter(username__startswith=USERNAME_PREFIX, is_active=True).order_by("pk")
office = generated.filter(role=Role.OFFICE)[:2]
heads = generated.filter(role=Role.UNIT_HEAD)[:20]
if office and heads:
    print(*(",".join(f"{u.username}:{PASSWORD}" for u in group) for group in (office, heads)))
PY
  )
  export SOAK_OFFICE SOAK_HEADS
  [ -n "${SOAK_OFFICE:-}" ] || unset SOAK_OFFICE SOAK_HEADS
fi

# Production serves the pages' static files from the collected, hashed copies.
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py collectstatic --noinput -v 0
W=$(mktemp -d)
.venv/bin/gunicorn config.wsgi --bind "127.0.0.1:$PORT" --workers "$WORKERS" --timeout 120 \
  --log-level warning > "$W/gunicorn.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" "${SAMPLER:-}" 2>/dev/null; wait "$SERVER" 2>/dev/null; rm -rf "$W"' EXIT
for _i in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.2; done

# Every 10 s: each gunicorn worker's resident memory (kB).
( while sleep 10; do
    for pid in $(pgrep -P "$SERVER"); do
      echo "$(date +%s) $pid $(awk '/VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null)"
    done
  done > "$W/rss.txt" ) &
SAMPLER=$!

.venv/soak/bin/locust -f benchmarks/soak_locust.py --headless -H "http://127.0.0.1:$PORT" \
  -u "$USERS" -r 2 -t "${MINUTES}m" --csv "$W/soak" --only-summary > "$W/locust.log" 2>&1 || true
kill "$SAMPLER" 2>/dev/null || true

echo "## Soak: $USERS users, $MINUTES min, $WORKERS gunicorn workers ($(date -u +%F), $(nproc) CPUs)"
echo
echo "| request | count | failures | median ms | 95% ms | max ms |"
echo "|---|---:|---:|---:|---:|---:|"
awk -F, 'NR>1 {gsub(/"/,""); printf "| %s | %s | %s | %s | %s | %.0f |\n", $2, $3, $4, $5, $17, $8}' \
  "$W/soak_stats.csv"
# Latency drift: the median of the first and the last five-minute-ish thirds of the run.
awk -F, 'NR>1 && $4>0 {gsub(/"/,""); n++; if (n==1) first=$0; last=$0}
  END {print ""; print "first/last sample of the history (time, requests/s, median ms):";
       split(first,a,","); split(last,b,","); print "  " a[1] " " a[5] " " a[7]; print "  " b[1] " " b[5] " " b[7]}' \
  "$W/soak_stats_history.csv" 2>/dev/null || true
FAILURES=$(awk -F, 'NR>1 && $2 ~ /Aggregated/ {gsub(/"/,""); print $4}' "$W/soak_stats.csv")
echo
status=0
python3 - "$W/rss.txt" "$MAX_GROWTH" <<'PY' || status=1
import sys
from collections import defaultdict
samples = defaultdict(list)
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) == 3 and parts[2].isdigit():
        samples[parts[1]].append(int(parts[2]))
limit, grew = int(sys.argv[2]), False
print("| worker | first third, MB | last third, MB | growth |")
print("|---|---:|---:|---:|")
for pid, rss in samples.items():
    third = max(len(rss) // 3, 1)
    first, last = sum(rss[:third]) / third, sum(rss[-third:]) / third
    growth = 100 * (last - first) / first
    grew |= growth > limit
    print(f"| {pid} | {first / 1024:.0f} | {last / 1024:.0f} | {growth:+.1f}% |")
sys.exit(1 if grew else 0)
PY
if [ "${FAILURES:-1}" != "0" ]; then
  echo "failed requests: ${FAILURES:-unknown}"; tail -20 "$W/locust.log"; status=1
fi
exit $status
