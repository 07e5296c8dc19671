#!/usr/bin/env bash
# make test: system packages, lint, type check, migrations check, the whole suite on SQLite and on PostgreSQL.
#   REQUIRE_POSTGRES=1  fail if PostgreSQL does not answer (CI sets it)
#   DATABASE_URL        PostgreSQL to test on (default postgres://postgres@127.0.0.1:5432/saiteki)
#   PYTEST_ARGS         extra pytest arguments (e.g. "-k ledger")
#   PYTEST_WORKERS      parallel pytest processes (default: one per CPU; 0 runs in one process)
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=config.settings.test
export DJANGO_ALLOW_ASYNC_UNSAFE=true

# --- system packages the tests need (real browser, Japanese fonts, PDF tools) ----------------------
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list :lang=ja 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
# Directory login and read-replica tests start a real OpenLDAP and a PostgreSQL primary + hot standby.
[ -x /usr/sbin/slapd ] || need+=(slapd)
command -v ldapsearch >/dev/null || need+=(ldap-utils)
ls /usr/lib/postgresql/*/bin/pg_basebackup >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    # slapd's package must not configure (and start) a directory of its own: the tests bring theirs.
    echo "slapd slapd/no_configuration boolean true" | debconf-set-selections 2>/dev/null || true
    echo "==> Debian パッケージをインストールします: ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null || {
      echo "!! apt-get に失敗しました"; exit 1; }
  else
    echo "!! 次の Debian パッケージが必要です: sudo apt-get install ${need[*]}"; exit 1
  fi
fi

echo "==> ruff"
.venv/bin/ruff check . || exit 1
.venv/bin/ruff format --check . || exit 1
echo "==> mypy"
# The typed boundaries (STYLE.md habit 12): core, every app's services and selectors, the importers and
# the optimizer. Settings come from [tool.django-stubs] in pyproject.toml.
mypy_targets=(saiteki/core)
for f in saiteki/*/services.py saiteki/*/selectors.py saiteki/*/services/ saiteki/*/selectors/; do
  if [[ -e $f && $f != saiteki/core/* ]]; then mypy_targets+=("$f"); fi
done
mypy_targets+=(saiteki/ledger/importers saiteki/accounts/importers.py saiteki/knowledge/importers.py
  saiteki/consolidation/optimizer)
.venv/bin/mypy "${mypy_targets[@]}" || exit 1
echo "==> makemigrations --check"
$PY manage.py makemigrations --check --dry-run -v1 || exit 1
$PY manage.py compilemessages -v0 --ignore ".venv/*" --ignore "var/*" || exit 1

# pytest-xdist: one process per CPU, a test file stays on one worker (its module fixtures are built once).
# Each worker gets its own test database (test_saiteki_gw0, …) and its own tmp/media folders.
workers=(-n "${PYTEST_WORKERS:-auto}" --dist loadfile)
[ "${PYTEST_WORKERS:-auto}" = 0 ] && workers=()

ran=()
status=0
echo "==> pytest (SQLite)"
DATABASE_URL="sqlite:///var/test-saiteki.sqlite3" $PY -m pytest "${workers[@]}" ${PYTEST_ARGS:-} || status=1
ran+=("SQLite")

PG_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/saiteki}
if $PY - "$PG_URL" <<'PYEOF'
import sys, psycopg
from urllib.parse import urlparse
u = urlparse(sys.argv[1])
try:
    psycopg.connect(host=u.hostname, port=u.port or 5432, user=u.username, password=u.password, dbname="postgres", connect_timeout=3).close()
except Exception as exc:
    print(f"PostgreSQL に接続できません: {exc}")
    sys.exit(1)
PYEOF
then
  echo "==> pytest (PostgreSQL: ${PG_URL%%\?*})"
  DATABASE_URL="$PG_URL" $PY -m pytest "${workers[@]}" ${PYTEST_ARGS:-} || status=1
  ran+=("PostgreSQL")
elif [ "${REQUIRE_POSTGRES:-0}" = 1 ]; then
  echo "!! PostgreSQL が必要ですが応答しません (REQUIRE_POSTGRES=1)"
  status=1
else
  echo "==> PostgreSQL が応答しないため、PostgreSQL での実行は省略しました"
fi

echo
echo "==> 実行したデータベース: ${ran[*]}"
[ $status = 0 ] && echo "==> すべて成功しました" || echo "!! 失敗したテストがあります"
exit $status
