"""``make prod-check``: start the production settings against PostgreSQL on loopback and check them.

Runs ``check --deploy``, ``migrate`` and ``collectstatic`` as the install does, starts gunicorn (HTTPS,
production settings) and the worker, then checks:

- the login page answers 200 in Japanese, with the security headers and an X-Request-ID;
- a static file named in the page is the hashed name from WhiteNoise's manifest and is served with a
  long cache lifetime;
- ``/healthz`` answers 200 with every check ``ok`` (the worker's heartbeat is seen), also when probed
  by address over plain headers as a load balancer does;
- the log lines are JSON and carry the request id;

and stops everything. Database: ``PROD_CHECK_DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/saiteki_prodcheck``, created when absent). Exit code 0 when all pass.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtest.stack import ROOT, Stack, ensure_postgres_database, log  # noqa: E402


def main() -> int:
    url = os.environ.get("PROD_CHECK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/saiteki_prodcheck")
    ensure_postgres_database(url)
    failures: list[str] = []

    def check(ok: bool, what: str) -> None:
        print(f"  {'OK ' if ok else 'NG '} {what}", flush=True)
        if not ok:
            failures.append(what)

    stack = Stack(database_url=url, workdir=ROOT / "var" / "prodcheck")
    stack.prepare()
    with stack:
        stack.start()
        log("確認")
        status, headers, body = stack.get("/accounts/login/")
        page = body.decode()
        check(status == 200 and "ログイン" in page, f"ログイン画面 200（{status}）")
        check(headers.get("X-Frame-Options") == "DENY", "X-Frame-Options: DENY")
        check("default-src 'self'" in headers.get("Content-Security-Policy", ""), "Content-Security-Policy")
        check("Strict-Transport-Security" in headers, "HSTS")
        request_id = headers.get("X-Request-ID", "")
        check(bool(re.fullmatch(r"[0-9a-f-]{36}", request_id)), f"X-Request-ID（{request_id}）")

        manifest = json.loads((stack.workdir / "static" / "staticfiles.json").read_text())["paths"]
        css = re.findall(r'href="(/static/[^"]+\.css)"', page)
        check(bool(css), "ログイン画面がスタイルシートを参照")
        if css:
            hashed = css[0].removeprefix("/static/")
            check(
                hashed in manifest.values(), f"静的ファイル名がマニフェストのハッシュ付きの名前（{hashed}）"
            )
            s_status, s_headers, s_body = stack.get(css[0])
            check(s_status == 200 and len(s_body) > 0, f"静的ファイル 200（{s_status}）")
            check(
                "max-age=315360000" in s_headers.get("Cache-Control", ""),
                "ハッシュ付き静的ファイルは長期キャッシュ",
            )

        h_status, _h, h_body = stack.get("/healthz")
        health = json.loads(h_body)
        check(
            h_status == 200 and health["status"] == "ok", f"/healthz 200 ok（{h_status} {health['status']}）"
        )
        for name, result in health["checks"].items():
            check(result["status"] == "ok", f"/healthz {name}: {result['message']}")
        # The balancer probes by address: not in ALLOWED_HOSTS, no X-Forwarded-Proto.
        p_status, _p, _pb = stack.get("/healthz", headers={"Host": "10.0.0.7"})
        check(p_status == 200, f"/healthz をアドレス指定で確認できる（{p_status}）")
        bad_status, _b, _bb = stack.get("/accounts/login/", headers={"Host": "evil.example"})
        check(bad_status == 400, f"許可されていないホスト名は 400（{bad_status}）")
        stack.get(
            "/accounts/login/?next=/ledger/", headers={"X-Request-ID": "6f1c1f5e-8a47-4d55-9d1a-0f6c2b2f0a11"}
        )
    lines = (stack.workdir / "gunicorn.log").read_text().splitlines()
    records = []
    for line in lines:
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except ValueError:
                pass
    access = [r for r in records if r.get("logger") == "saiteki.request"]
    check(bool(access), f"JSON のアクセスログ（{len(access)} 行）")
    check(
        any(r.get("request_id") == "6f1c1f5e-8a47-4d55-9d1a-0f6c2b2f0a11" for r in access),
        "アクセスログに受け取った X-Request-ID が残る",
    )
    print()
    if failures:
        print(f"!! prod-check: {len(failures)} 件の確認に失敗しました（ログ: {stack.workdir}）")
        return 1
    print("==> prod-check: すべて成功しました")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
