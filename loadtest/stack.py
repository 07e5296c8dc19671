"""The production setup on loopback: PostgreSQL database, gunicorn with the production settings, the worker.

Used by ``make prod-check`` (:mod:`loadtest.prod_check`) and ``make loadtest`` (:mod:`loadtest.run`).
Nothing here imports Django or Locust: every step is the command an operator would run (``manage.py
migrate``, ``collectstatic``, ``gunicorn``, ``manage.py run_worker``) in its own process with the
environment of ``/etc/saiteki/saiteki.env`` (docs/deploy.md). Processes started here are stopped by
their process ids when the ``with`` block ends.

TLS: the production settings mark the session and CSRF cookies ``Secure``, so a client on plain HTTP
would never send them back. In production a reverse proxy terminates TLS; here gunicorn itself serves
HTTPS with a throwaway self-signed certificate, which keeps the settings exactly as deployed.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


def log(message: str) -> None:
    print(f"==> {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_postgres_database(url: str) -> None:
    """Create the database (UTF-8 locale, pg_trgm: docs/deploy.md) when it does not exist."""
    import psycopg

    u = urlparse(url)
    name = u.path.lstrip("/")
    params = dict(host=u.hostname, port=u.port or 5432, user=u.username, password=u.password)
    try:
        admin = psycopg.connect(**params, dbname="postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        sys.exit(f"!! PostgreSQL に接続できません（{u.hostname}:{u.port or 5432}）: {exc}")
    with admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            admin.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0 LOCALE 'C.UTF-8'")
    with psycopg.connect(**params, dbname=name, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    if not cert.exists():
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "7", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True,
        )  # fmt: skip
    return cert, key


@dataclass
class Stack:
    """gunicorn (production settings, HTTPS on loopback) and the worker against ``database_url``."""

    database_url: str
    workdir: Path
    workers: int = 2
    threads: int = 4
    with_worker: bool = True
    port: int = field(default_factory=free_port)
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        dropped = {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "REPLICA_DATABASE_URL", "DEBUG"}
        env = {k: v for k, v in os.environ.items() if k not in dropped}
        key_file = self.workdir / "secret-key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(50))
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            SECRET_KEY=key_file.read_text().strip(),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            CSRF_TRUSTED_ORIGINS=self.base_url,
            DATABASE_URL=self.database_url,
            STATIC_ROOT=str(self.workdir / "static"),
            MEDIA_ROOT=str(self.workdir / "media"),
            PYTHONUNBUFFERED="1",
        )
        return env

    def manage(self, *args: str, quiet: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [PY, "manage.py", *args], cwd=ROOT, env=self.env(), capture_output=quiet, text=True
        )
        if result.returncode != 0:
            sys.exit(f"!! manage.py {' '.join(args)} に失敗しました:\n{result.stdout}\n{result.stderr}")
        return result

    def prepare(self) -> None:
        """What docs/deploy.md's install does: deployment checks, migrate, collectstatic."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        # WARNING by default: the deployment checks must be clean (CHECK_FAIL_LEVEL=ERROR to look past them).
        level = os.environ.get("CHECK_FAIL_LEVEL", "WARNING")
        log(f"manage.py check --deploy（本番設定、--fail-level {level}）")
        result = self.manage("check", "--deploy", "--fail-level", level)
        print((result.stdout + result.stderr).strip())
        log("manage.py migrate")
        self.manage("migrate", "--noinput")
        log("manage.py collectstatic（WhiteNoise のマニフェスト付き）")
        self.manage("collectstatic", "--noinput")
        self.manage("compilemessages", "--ignore", ".venv/*", "--ignore", "var/*")

    def start(self) -> None:
        cert, key = self_signed_certificate(self.workdir)
        logs = self.workdir
        log(
            f"gunicorn: {self.base_url}（workers {self.workers} × threads {self.threads}、本番設定）"
            + ("、ワーカー（run_worker）" if self.with_worker else "")
        )
        self._spawn(
            [GUNICORN, "config.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
             "--threads", str(self.threads), "--timeout", "120", "--certfile", str(cert), "--keyfile", str(key),
             "--error-logfile", "-"],
            logs / "gunicorn.log",
        )  # fmt: skip
        if self.with_worker:
            self._spawn([PY, "manage.py", "run_worker", "--interval", "1"], logs / "worker.log")
        self.wait_until_healthy()

    def _spawn(self, args: list[str], logfile: Path) -> None:
        out = open(logfile, "w")  # noqa: SIM115 - closed with the process
        self.processes.append(
            subprocess.Popen(
                args, cwd=ROOT, env=self.env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        )

    def get(self, path: str, headers: dict | None = None, timeout: float = 30) -> tuple[int, dict, bytes]:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        request = urllib.request.Request(self.base_url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, context=context, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def wait_until_healthy(self, timeout: float = 180) -> dict:
        """Until /healthz answers 200 and, with the worker, sees it live (its first beat)."""
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            for p in self.processes:
                if p.poll() is not None:
                    sys.exit(
                        f"!! プロセスが終了しました（{p.args[0]}、終了コード {p.returncode}）。ログ: {self.workdir}"
                    )
            try:
                status, _headers, body = self.get("/healthz", timeout=10)
                last = json.loads(body)
                if status == 200 and (not self.with_worker or last["checks"]["worker"]["status"] == "ok"):
                    return last
            except (OSError, ValueError) as exc:
                last = exc
            time.sleep(1)
        sys.exit(f"!! /healthz が正常になりませんでした: {last}")

    def stop(self) -> None:
        for p in reversed(self.processes):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.processes:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        self.processes.clear()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
