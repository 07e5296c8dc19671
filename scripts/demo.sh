#!/usr/bin/env bash
# make demo: migrate the SQLite database under var/, load the demo data, start the worker and the
# scheduler (both stopped on exit), serve.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=config.settings.local
PORT=${PORT:-8000}
PY=.venv/bin/python
mkdir -p var/static
echo "==> データベースを準備しています (var/saiteki.sqlite3)"
$PY manage.py migrate --noinput -v0
echo "==> デモデータを読み込んでいます"
$PY manage.py load_demo
$PY manage.py compilemessages -v0 --ignore ".venv/*" --ignore "var/*" >/dev/null 2>&1 || true
echo "==> バックグラウンド処理ワーカーと定期処理スケジューラを起動します"
$PY manage.py run_worker --interval 1 >var/worker.log 2>&1 &
WORKER=$!
# The scheduler only enqueues the apps' recurring jobs when they are due; the worker runs them.
$PY manage.py run_scheduler --interval 30 >var/scheduler.log 2>&1 &
SCHEDULER=$!
trap 'kill $WORKER $SCHEDULER 2>/dev/null || true' EXIT INT TERM
cat <<MSG

  最適 Saiteki デモ: http://127.0.0.1:${PORT}/

  デモ利用者（パスワードはすべて saiteki-demo）
    demo-admin    情報政策課（管理者）
    demo-owner    システム所管課（税務課）
    demo-advisor  CIO補佐官
    demo-viewer   委員会閲覧者
    demo-auditor  監査

  停止するには Ctrl+C
MSG
exec_server() {
  .venv/bin/gunicorn config.wsgi --bind "127.0.0.1:${PORT}" --workers 2 --threads 4 --timeout 120 \
    --access-logfile - --error-logfile - --env DJANGO_SETTINGS_MODULE=config.settings.local
}
exec_server
