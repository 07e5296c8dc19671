"""The load test's users (Locust). Started by ``loadtest/run.py`` as ``locust`` in its own process:
importing Locust next to Django crashes (gevent's monkey-patching; STACK.md), so nothing here imports
Django — the ids to visit come from the JSON file named by ``LOADTEST_DATA`` that the runner wrote.

Each user has a session of its own as one of the demo users (made by the runner; 5% log in through the
login form instead, ``LOADTEST_LOGIN_SHARE``) and then, with think time between clicks (``LOADTEST_WAIT``, seconds "min,max"), does a realistic mix:

====================================  ======
page                                   weight
====================================  ======
dashboard (the role's landing page)        12
ledger list with filters                   14
ledger list, free-text search               8
ledger list, sorted by the year's cost      4
system karte                               16
cost analysis                               6
API: systems list (a page of 50)           10
API: system detail                          8
API: cost rows of one year                  6
edit form: GET + POST (writes)              3
API: GET + PATCH with If-Match (writes)     3
====================================  ======

so about 5% of the requests are writes. Writes go to bench systems as the IT policy admin; a 412 (the
system was changed since it was read) is a correct answer under concurrency and is counted apart, not as
an error. Request names are the page kinds, so the report has one line per page.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from html.parser import HTMLParser
from http.cookiejar import Cookie
from urllib.parse import urlencode, urlparse

import gevent
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

DATA = json.loads(open(os.environ["LOADTEST_DATA"]).read())  # noqa: SIM115
_lo, _hi = (float(x) for x in os.environ.get("LOADTEST_WAIT", "5,15").split(","))
PASSWORD = DATA["password"]
LOGIN_SHARE = float(os.environ.get("LOADTEST_LOGIN_SHARE", "0.05"))
WARMUP = float(os.environ.get("LOADTEST_WARMUP", "0"))
_serial = itertools.count()
_environment = {}


@events.init.add_listener
def _keep_environment(environment, **_kw):
    _environment["env"] = environment


@events.spawning_complete.add_listener
def _measure_after_warmup(user_count, **_kw):
    """Statistics start ``LOADTEST_WARMUP`` seconds after the last user started: the ramp-up's burst
    (every user's first page at once, the 5% of logins, each gunicorn worker's first requests) is
    the morning rush, not the steady state the target is about."""
    if WARMUP > 0:
        gevent.spawn_later(WARMUP, _environment["env"].stats.reset_all)


FORM = "application/x-www-form-urlencoded"
WORDS = ["税", "財務会計", "給与", "防災", "電子申請", "GIS", "介護保険指導"]


class FormFields(HTMLParser):
    """The fields of the first <form method=post> with a ``version`` input: what a browser would submit."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self._done:
            return
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._in_form = True
            self.fields = []
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value") or "on"))
            elif kind not in ("submit", "button", "file"):
                self.fields.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text.lstrip("\n")))
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form = False
            if any(name == "version" for name, _v in self.fields):
                self._done = True


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return match.group(1) if match else ""


def loopback_cookie(host: str, name: str, value: str) -> Cookie:
    """A secure cookie for the stack's own host (the session a real browser would carry)."""
    return Cookie(
        0, name, value, None, False, host, False, False, "/", True, True, None, False, None, None, {}
    )


class OfficeUser(FastHttpUser):
    """A prefectural staff member: most are system owners, some IT policy admins (who also write).

    FastHttpUser (geventhttpclient) rather than HttpUser (requests): the load generator shares the 2
    cores with the server, and requests' per-call overhead took half a core at 16 requests/s, CPU the
    server then lacked. ``insecure`` accepts the loopback stack's throwaway self-signed certificate.
    """

    insecure = True

    wait_time = between(_lo, _hi)

    def on_start(self):
        given = DATA["sessions"][next(_serial) % len(DATA["sessions"])]
        self.kind = given["kind"]
        self.admin = self.kind == "admin"
        self.systems = DATA["systems"][self.kind]
        if random.random() < LOGIN_SHARE:
            self.login(given["username"])
        else:
            self.client.cookiejar.set_cookie(
                loopback_cookie(urlparse(self.host).hostname or "", "sessionid", given["sessionid"])
            )
        # The first page of the day (it also sets the CSRF cookie the API's session writes need).
        self.client.get("/", name="dashboard")

    def login(self, username: str) -> None:
        page = self.client.get("/accounts/login/", name="login page")
        with self.client.post(
            "/accounts/login/",
            data=urlencode(
                {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf_token(page.text)}
            ),
            headers={"Referer": self.host + "/accounts/login/", "Content-Type": FORM},
            name="login (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login failed for {username}: {response.status_code}")

    def system(self) -> int:
        return random.choice(self.systems)

    @task(12)
    def dashboard(self):
        self.client.get("/", name="dashboard")

    @task(14)
    def ledger_filtered(self):
        params = {"status": "operating", "hosting_form": random.choice(["onprem", "shared_platform"])}
        if self.admin:
            params["bureau"] = random.choice(DATA["bureaus"])
        self.client.get("/ledger/systems/", params=params, name="ledger list, filters")

    @task(8)
    def ledger_search(self):
        self.client.get("/ledger/systems/", params={"q": random.choice(WORDS)}, name="ledger list, search")

    @task(4)
    def ledger_sorted(self):
        self.client.get(
            "/ledger/systems/", params={"sort": "-cost_total"}, name="ledger list, sorted by cost"
        )

    @task(16)
    def karte(self):
        self.client.get(f"/ledger/systems/{self.system()}/", params={"tab": "karte"}, name="karte")

    @task(6)
    def cost_analysis(self):
        self.client.get("/ledger/cost-analysis/", name="cost analysis")

    @task(10)
    def api_list(self):
        self.client.get(
            "/api/v1/ledger/systems/",
            params={"page": random.randint(1, max(1, min(20, len(self.systems) // 50)))},
            name="API systems list",
        )

    @task(8)
    def api_detail(self):
        self.client.get(f"/api/v1/ledger/systems/{self.system()}/", name="API system detail")

    @task(6)
    def api_costs(self):
        self.client.get(
            "/api/v1/ledger/costs/", params={"fiscal_year": DATA["fiscal_year"]}, name="API cost rows"
        )

    @task(3)
    def form_write(self):
        if not self.admin:
            return self.karte()
        pk = self.system()
        page = self.client.get(f"/ledger/systems/{pk}/edit/", name="edit form (GET)")
        parser = FormFields()
        parser.feed(page.text)
        fields = [(k, v) for k, v in parser.fields if k != "notes"]
        fields.append(("notes", f"負荷試験 {random.randint(0, 10**9)}"))
        fields.append(("change_reason", "負荷試験"))
        with self.client.post(
            f"/ledger/systems/{pk}/edit/",
            data=urlencode(fields),
            headers={"Referer": f"{self.host}/ledger/systems/{pk}/edit/", "Content-Type": FORM},
            name="edit form (POST, write)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                response.success()
            elif response.status_code == 412:
                response.success()  # someone saved first: the right answer, counted apart
                self.environment.events.request.fire(
                    request_type="POST", name="edit form conflict (412)", response_time=0,
                    response_length=0, exception=None, context={},
                )  # fmt: skip
            else:
                response.failure(f"status {response.status_code}")

    @task(3)
    def api_write(self):
        if not self.admin:
            return self.api_detail()
        pk = self.system()
        got = self.client.get(f"/api/v1/ledger/systems/{pk}/", name="API system detail")
        etag = got.headers.get("ETag", "")
        with self.client.patch(
            f"/api/v1/ledger/systems/{pk}/",
            json={"notes": f"負荷試験 {random.randint(0, 10**9)}"},
            headers={
                "If-Match": etag,
                "X-CSRFToken": next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), ""),
                "Referer": self.host + "/",
                "X-Change-Reason": "%E8%B2%A0%E8%8D%B7%E8%A9%A6%E9%A8%93",
            },
            name="API PATCH with If-Match (write)",
            catch_response=True,
        ) as response:
            if response.status_code in (200, 412):
                response.success()
            else:
                response.failure(f"status {response.status_code}: {response.text[:200]}")
