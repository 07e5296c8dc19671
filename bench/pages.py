"""Page and API latency through the full Django stack (middleware, auth, templates, database)."""

from __future__ import annotations

from django.test import Client

from bench.harness import Figure, latency_figures, time_calls


def run(n: int = 200) -> list[Figure]:
    from saiteki.accounts.models import User

    admin = User.objects.get(username="demo-admin")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(admin)

    def get(url):
        def call():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return call

    figures: list[Figure] = []
    figures += latency_figures("home page (demo-admin)", time_calls(get("/"), n), target_p95_ms=300)
    figures += latency_figures(
        "API list /api/v1/accounts/organizations/", time_calls(get("/api/v1/accounts/organizations/"), n), 150
    )
    return figures
