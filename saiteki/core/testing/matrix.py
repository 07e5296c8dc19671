"""A declarative permission matrix: requests × roles → expected HTTP status, checked in one go.

Why one assertion for a whole table: a policy change usually moves several cells at once, and a test
that stops at the first wrong cell hides the others. ``assert_matrix`` runs every request for every
role, then fails with a table that marks each wrong cell as ``expected→got``::

    Permission matrix: 2 of 12 cells differ (expected→got)
    request                          admin  owner    advisor  viewer  auditor  none
    GET /ledger/systems/7/edit/      200    404→200  403      403     403      404
    PATCH /api/v1/ledger/systems/7/  200    404      403      403→200 403      403

The matrix maps a request to the statuses expected per role::

    assert_matrix(client, role_users, {
        "/ledger/systems/": statuses(200, 200, 200, 200, 200, 403),          # in ROLES order
        f"PATCH /api/v1/ledger/systems/{pk}/": {"admin": 200, "owner": 404},  # only these roles
        "create in own division": (lambda c, role: c.post(url, {...}, format="json"), 403),
    }, data={"notes": "x"})

A key is ``"[METHOD ]url"`` (the method defaults to ``method=``; ``data=`` is sent with writes, a dict
or ``data(role)``), or a label whose value is a pair ``(request, expected)`` where the request is a URL
string or ``request(client, role) -> response``. Expected is one status for every role, a sequence in
``roles`` order or a dict per role (roles left out are not requested). Requests run role by role in
``roles`` order, so a matrix of writes can put the admin last.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

ROLES: tuple[str, ...] = ("admin", "owner", "advisor", "viewer", "auditor", "none")

_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

Expected = int | Sequence[int] | Mapping[str, int]
Request = str | Callable[[Any, str], Any]


def statuses(*codes: int, roles: Sequence[str] = ROLES) -> dict[str, int]:
    """``statuses(200, 200, 403, …)`` → ``{"admin": 200, "owner": 200, "advisor": 403, …}``."""
    if len(codes) != len(roles):
        raise ValueError(f"{len(codes)} statuses for {len(roles)} roles ({', '.join(roles)})")
    return dict(zip(roles, codes, strict=True))


def _expected_per_role(expected: Expected, roles: Sequence[str]) -> dict[str, int]:
    if isinstance(expected, int):
        return dict.fromkeys(roles, expected)
    if isinstance(expected, Mapping):
        unknown = set(expected) - set(roles)
        if unknown:
            raise ValueError(f"unknown roles in the matrix: {sorted(unknown)}")
        return {role: expected[role] for role in roles if role in expected}
    return statuses(*expected, roles=roles)


def _login(client, user) -> None:
    """API clients authenticate directly (no CSRF, no session); page clients log in with a session."""
    if user is None:
        client.logout()
        if hasattr(client, "force_authenticate"):
            client.force_authenticate(None)
    elif hasattr(client, "force_authenticate"):
        client.force_authenticate(user)
    else:
        client.force_login(user)


def _split(key: str, method: str) -> tuple[str, str]:
    head, _, rest = key.partition(" ")
    if head.upper() in _METHODS and rest:
        return head.upper(), rest.strip()
    return method.upper(), key


def _send(client, method: str, url: str, data, role: str):
    """Reads go without a body; writes carry ``data`` (as JSON for API clients, as a form otherwise)."""
    call = getattr(client, method.lower())
    payload = data(role) if callable(data) else data
    if method in {"GET", "HEAD", "OPTIONS"} or payload is None:
        return call(url)
    if hasattr(client, "force_authenticate"):
        return call(url, payload, format="json")
    return call(url, payload)


def run_matrix(
    client,
    role_users: Mapping[str, Any],
    matrix: Mapping[str, Expected | tuple[Request, Expected]],
    *,
    method: str = "GET",
    data: Any = None,
    roles: Sequence[str] = ROLES,
    check: Callable[[str, str, Any], None] | None = None,
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """Run every request for every role; returns ``(expected, got)``, each ``{label: {role: status}}``."""
    rows: list[tuple[str, Callable[[str], Any], dict[str, int]]] = []
    for key, value in matrix.items():
        if isinstance(value, tuple):
            request, expected = value
        else:
            request, expected = key, value
        send: Callable[[str], Any]
        if callable(request):
            fn = request

            def send_call(role, fn=fn):
                return fn(client, role)

            send = send_call
            label = key
        else:
            verb, url = _split(request, method)

            def send_request(role, verb=verb, url=url):
                return _send(client, verb, url, data, role)

            send = send_request
            label = key if isinstance(value, tuple) else f"{verb} {url}"
        rows.append((label, send, _expected_per_role(expected, roles)))

    got: dict[str, dict[str, int]] = {label: {} for label, _, _ in rows}
    for role in roles:
        _login(client, role_users.get(role))
        for label, request_as, expected in rows:
            if role not in expected:
                continue
            response = request_as(role)
            got[label][role] = response.status_code
            if check is not None:
                check(label, role, response)
    return {label: expected for label, _, expected in rows}, got


def matrix_diff(expected: Mapping[str, Mapping[str, int]], got: Mapping[str, Mapping[str, int]]) -> str:
    """The rows with at least one wrong cell, as an aligned table; ``""`` when everything matches."""
    roles: list[str] = []
    for cells in expected.values():
        roles.extend(role for role in cells if role not in roles)
    wrong_rows = []
    n_wrong = n_cells = 0
    for label, cells in expected.items():
        row = [label]
        row_wrong = False
        for role in roles:
            if role not in cells:
                row.append("")
                continue
            n_cells += 1
            actual = got[label].get(role)
            if actual == cells[role]:
                row.append(str(actual))
            else:
                row.append(f"{cells[role]}→{actual}")
                n_wrong += 1
                row_wrong = True
        if row_wrong:
            wrong_rows.append(row)
    if not wrong_rows:
        return ""
    table = [["request", *roles], *wrong_rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in table]
    return f"Permission matrix: {n_wrong} of {n_cells} cells differ (expected→got)\n" + "\n".join(lines)


def assert_matrix(
    client,
    role_users: Mapping[str, Any],
    matrix: Mapping[str, Expected | tuple[Request, Expected]],
    *,
    method: str = "GET",
    data: Any = None,
    roles: Iterable[str] = ROLES,
    check: Callable[[str, str, Any], None] | None = None,
) -> dict[str, dict[str, int]]:
    """Assert the whole matrix (see the module docstring); returns the statuses got, per request.

    ``check(label, role, response)`` runs after every response (e.g. to assert the error body).
    """
    expected, got = run_matrix(
        client, role_users, matrix, method=method, data=data, roles=tuple(roles), check=check
    )
    diff = matrix_diff(expected, got)
    assert not diff, "\n" + diff
    return got
