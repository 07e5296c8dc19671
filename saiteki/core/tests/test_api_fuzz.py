"""Property-based API fuzzing with schemathesis against our own OpenAPI schema (drf-spectacular).

Every operation of ``/api/schema/`` is called with generated requests — valid ones and deliberately
invalid ones (negative mode) — as the IT policy admin and as a system owner, each with a real API token
from ``/api/v1/auth/token/``. Each response must:

- not be a server error (``not_a_server_error``),
- have a status code the schema documents (``status_code_conformance``: error answers are documented
  with the shared error body),
- have the documented content type and match the documented schema (``content_type_conformance``,
  ``response_schema_conformance``).

Bounded and deterministic: a fixed number of examples per operation, ``derandomize`` (the same
requests every run), no deadline, no example database. The schema is built in-process at import time
(schemathesis' pytest loader is fragile with lazy fixtures) and called through the WSGI application,
inside the test's database transaction, against a small ledger (two divisions' systems, a shared
server, a contract, costs, a host model and a scenario) so that detail routes with real ids answer 200.
``test_api_fuzz_stateful`` adds a few short sequences of linked calls (the links schemathesis infers
between operations: an id created by one call is used by the next) as the admin.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from saiteki.consolidation.tests.factories import HostModelFactory, ScenarioFactory
from saiteki.core.testing import make_org_tree, make_user
from saiteki.ledger.tests.factories import ContractFactory, CostFactory, ServerFactory, SystemFactory

# Examples per operation and mode (valid and invalid). Raise locally for a deeper run, e.g.
# SAITEKI_FUZZ_EXAMPLES=200; the suite's value keeps the whole module at about a minute on 2 cores.
MAX_EXAMPLES = int(os.environ.get("SAITEKI_FUZZ_EXAMPLES", "5"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _openapi() -> dict:
    """The schema ``/api/schema/`` serves, as plain JSON (lazy translations rendered)."""
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw, renderer_context={}))


schema = schemathesis.openapi.from_dict(_openapi())
schema.app = get_wsgi_application()
schema.config.generation.update(max_examples=MAX_EXAMPLES)
# The coverage phase enumerates every boundary of every parameter: hundreds of calls per operation and
# minutes per app. Generated examples (valid and invalid) and short stateful runs keep it bounded.
schema.config.phases.update(phases=["examples", "fuzzing", "stateful"])


@pytest.fixture(autouse=True)
def _keep_test_connection(tokens):
    """Calls go straight to the WSGI application, whose request signals close the database connection
    after each response; Django's test client disconnects them for the test transaction, so do the same
    (on PostgreSQL a closed connection would end the test's transaction mid-run). After ``tokens``,
    because the test client reconnects the signals when its own request ends."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(db, api_client):
    """A small ledger and an API token for the admin and for the owner (through the token endpoint)."""
    orgs = make_org_tree()
    users = {
        "admin": make_user("t-admin", "admin", orgs["情報政策課"]),
        "owner": make_user("t-owner", "owner", orgs["税務課"]),
    }
    own = SystemFactory(number="S001", owning_division=orgs["税務課"])
    other = SystemFactory(number="S002", owning_division=orgs["県立図書館"])
    ServerFactory(name="shared-1", systems=[own, other])
    ContractFactory(number="C001", systems=[own])
    CostFactory(system=own)
    ScenarioFactory(host_model=HostModelFactory())
    out = {}
    for role in ("admin", "owner"):
        response = api_client.post(
            "/api/v1/auth/token/",
            {"username": users[role].username, "password": "pw-test-12345"},
            format="json",
        )
        assert response.status_code == 200, response.content
        out[role] = response.json()["token"]
    return out


@pytest.mark.parametrize("role", ["admin", "owner"])
@schema.parametrize()
@FUZZ_SETTINGS
def test_api_fuzz(case, role, tokens):
    case.call_and_validate(headers={"Authorization": f"Token {tokens[role]}"}, checks=CHECKS)


def test_api_fuzz_stateful(tokens):
    """Sequences of calls linked by the schema (create → read → update → delete with the new id)."""
    token = tokens["admin"]

    class Workflow(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Token {token}"}}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)

    Workflow.run(
        settings=settings(
            max_examples=4,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
