#!/usr/bin/env bash
# Time the data generator at benchmark scale against PostgreSQL (see README.md, "Data generator").
# Extra arguments go to generate_data and win over the defaults: generate.sh --tasks 20000
# The database must exist: createdb -h 127.0.0.1 -U postgres sau_ro_bench
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/sau_ro_bench}"
export DEBUG="${DEBUG:-true}"  # a local run: no SECRET_KEY needed
PYTHON="${PYTHON:-.venv/bin/python}"

"$PYTHON" manage.py migrate -v0
# Each --clear leaves the previous run's rows dead in the tables and indexes: compact them so
# that runs compare (without this every run is slower than the one before).
psql "$DATABASE_URL" -qc "VACUUM FULL ANALYZE"
/usr/bin/time -f "wall %e s, user %U s, system %S s, peak RSS %M KB" \
    "$PYTHON" manage.py generate_data --units 500 --plans 200 --tasks 100000 --seed 1 --clear "$@"
