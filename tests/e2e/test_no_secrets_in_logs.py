"""Every sign-in path against the web server as deployed: no secret it carried shows up in what the process printed.

The server is uvicorn with the image's flags on the test database and Redis; passwordless mail goes out from the
Celery task run inside the server (eager) to a real SMTP server (aiosmtpd) the test reads. Each request carries an
X-Request-ID, so the test can also check that each one was logged exactly once.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
import websockets
from aiosmtpd.controller import Controller
from django.core.cache import cache

from ocg.identity.models import User
from ocg.spine.localbroker import free_port
from tests.e2e.asgi_server import Server, running_server

EMAIL = "ada@example.com"
ADMIN_EMAIL = "boss@example.com"
MAIL_DEADLINE_SECONDS = 15

TOKEN_PAIR = "result { access refresh } errors { field code message }"
REGISTER = """mutation($email: String!, $password: String!) {
  register(input: {email: $email, password: $password}) { result { id } errors { field code message } } }"""
TOKEN_CREATE = f"""mutation($email: String!, $password: String!) {{
  tokenCreate(email: $email, password: $password) {{ {TOKEN_PAIR} }} }}"""
TOKEN_REFRESH = f"mutation($refresh: String!) {{ tokenRefresh(refresh: $refresh) {{ {TOKEN_PAIR} }} }}"
TOKEN_REVOKE = """mutation($refresh: String!, $access: String) {
  tokenRevoke(refresh: $refresh, access: $access) { result errors { code } } }"""
PASSWORDLESS_VERIFY = f"""mutation($email: String!, $token: String) {{
  passwordlessVerify(email: $email, token: $token) {{ {TOKEN_PAIR} }} }}"""
SOCIAL_EXCHANGE = f"mutation($code: String!) {{ socialTokenExchange(code: $code) {{ {TOKEN_PAIR} }} }}"


class Inbox:
    """aiosmtpd handler: keeps every message it is handed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int) -> EmailMessage:
        deadline = time.monotonic() + MAIL_DEADLINE_SECONDS
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"no sign-in mail within {MAIL_DEADLINE_SECONDS}s"
        return self.messages[count - 1]


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


class Client:
    """HTTP to the server, each request with an X-Request-ID of its own; every secret it sees is remembered."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.base, timeout=15, follow_redirects=False)
        self.request_ids: list[str] = []
        self.secrets: set[str] = set()

    def new_request_id(self) -> str:
        request_id = f"e2e-{len(self.request_ids)}-{secrets.token_hex(4)}"
        self.request_ids.append(request_id)
        return request_id

    def secret(self, *values: str | None) -> None:
        self.secrets.update(value for value in values if value)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"X-Request-ID": self.new_request_id(), **kwargs.pop("headers", {})}
        response = self.http.request(method, path, headers=headers, **kwargs)
        assert response.status_code < 500, (path, response.status_code, response.text)
        for cookie in response.cookies.jar:
            self.secret(cookie.value)
        return response

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        response = self.request("POST", "/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        [payload] = body["data"].values()
        return payload

    def pair(self, payload: dict[str, Any]) -> dict[str, str]:
        assert payload["errors"] == [], payload
        pair = payload["result"]
        self.secret(pair["access"], pair["refresh"])
        return pair

    def rest_pair(self, response: httpx.Response) -> dict[str, str]:
        assert response.status_code == 200, response.text
        pair = response.json()
        self.secret(pair["access"], pair["refresh"])
        return pair


def sign_in_mail(message: EmailMessage) -> tuple[str, str]:
    """The 6-digit code and the magic link's token."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    code = re.search(r"\b(\d{6})\b", text).group(1)
    token = re.search(r"[#&?]token=([A-Za-z0-9_%-]+)", text).group(1)
    return code, token


async def open_socket(url: str, request_id: str, origin: str, subprotocols: list[str] | None = None) -> int:
    """Opens a socket and returns the HTTP status of a refused handshake (0 when it was accepted)."""
    try:
        async with websockets.connect(
            url,
            origin=origin,
            subprotocols=subprotocols,
            additional_headers={"X-Request-ID": request_id},
            open_timeout=10,
        ):
            return 0
    except websockets.InvalidStatus as refused:
        return refused.response.status_code


def appears(secret: str, output: str) -> bool:
    """A 6-digit code counts only as a whole number: the same digits inside a longer run are something else."""
    if secret.isdigit():
        return re.search(rf"(?<!\d){secret}(?!\d)", output) is not None
    return secret in output


def request_lines(output: str) -> list[dict[str, Any]]:
    lines = []
    for line in output.splitlines():
        if line.startswith("{") and '"logger":"ocg.request"' in line:
            lines.append(json.loads(line))
    return lines


@pytest.fixture
def server(event_store, inbox, tmp_path):
    controller, _handler = inbox
    cache.clear()
    with running_server(
        tmp_path / "server.log",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(controller.port),
        EMAIL_USE_TLS="0",
        CELERY_TASK_ALWAYS_EAGER="1",
        RATE_LIMIT_AUTH_PER_MINUTE="1000",
        RATE_LIMIT_IP_PER_MINUTE="10000",
        LOG_LEVEL="INFO",
    ) as running:
        yield running
    cache.clear()


def test_no_secret_of_any_sign_in_path_reaches_the_server_output(server, inbox):
    _controller, mail = inbox
    client = Client(server)
    password = f"pw-{secrets.token_urlsafe(12)}"
    wrong_password = f"wrong-{secrets.token_urlsafe(12)}"
    admin_password = f"admin-{secrets.token_urlsafe(12)}"
    client.secret(password, wrong_password, admin_password)
    User.objects.create_superuser(ADMIN_EMAIL, admin_password)

    # Password sign-in, over GraphQL and REST, right and wrong.
    assert client.graphql(REGISTER, email=EMAIL, password=password)["errors"] == []
    first = client.pair(client.graphql(TOKEN_CREATE, email=EMAIL, password=password))
    refused = client.graphql(TOKEN_CREATE, email=EMAIL, password=wrong_password)
    assert refused["result"] is None and refused["errors"]
    second = client.rest_pair(client.request("POST", "/api/auth/token", json={"email": EMAIL, "password": password}))
    wrong = client.request("POST", "/api/auth/token", json={"email": EMAIL, "password": wrong_password})
    assert wrong.status_code == 401
    me = client.request("GET", "/api/auth/me", headers={"Authorization": f"Bearer {second['access']}"})
    assert me.status_code == 200, me.text

    # Rotation, reuse of a used refresh token (a security warning), revocation.
    rotated = client.pair(client.graphql(TOKEN_REFRESH, refresh=first["refresh"]))
    reused = client.graphql(TOKEN_REFRESH, refresh=first["refresh"])
    assert reused["result"] is None and reused["errors"]
    assert client.graphql(TOKEN_REFRESH, refresh=rotated["refresh"])["result"] is None
    third = client.rest_pair(client.request("POST", "/api/auth/token/refresh", json={"refresh": second["refresh"]}))
    assert client.graphql(TOKEN_REVOKE, refresh=third["refresh"], access=third["access"])["result"] is True
    fourth = client.rest_pair(client.request("POST", "/api/auth/token", json={"email": EMAIL, "password": password}))
    revoked = client.request("POST", "/api/auth/token/revoke", json=fourth)
    assert revoked.status_code == 204, revoked.text

    # Passwordless: by code over REST, by magic-link token over GraphQL.
    sent = client.request("POST", "/api/auth/passwordless/request", json={"email": EMAIL})
    assert sent.json() == {"sent": True}
    code, link_token = sign_in_mail(mail.wait_for(1))
    client.secret(code, link_token)
    by_code = client.request("POST", "/api/auth/passwordless/verify", json={"email": EMAIL, "code": code})
    signed_in = client.rest_pair(by_code)
    client.request("POST", "/api/auth/passwordless/request", json={"email": EMAIL})
    code_2, link_token_2 = sign_in_mail(mail.wait_for(2))
    client.secret(code_2, link_token_2)
    client.pair(client.graphql(PASSWORDLESS_VERIFY, email=EMAIL, token=link_token_2))

    # Social: made-up exchange codes, and a provider callback's code in a query string.
    rest_code, graphql_code = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    client.secret(rest_code, graphql_code)
    bad = client.request("POST", "/api/auth/social/exchange", json={"code": rest_code})
    assert bad.status_code == 400
    assert client.graphql(SOCIAL_EXCHANGE, code=graphql_code)["result"] is None
    provider_code = secrets.token_urlsafe(16)
    client.secret(provider_code)
    client.request("GET", f"/auth/social/complete/google-oauth2/?code={provider_code}&state=s")

    # Secrets in the query string of ordinary requests.
    query_token, query_code = secrets.token_urlsafe(16), secrets.token_hex(8)
    client.secret(query_token, query_code)
    assert client.request("GET", f"/healthz?token={query_token}&code={query_code}").status_code == 200
    assert client.request("GET", f"/no-such-page?token={query_token}").status_code == 404

    # Admin: form login with CSRF, then a page with the session.
    login_page = client.request("GET", "/admin/login/")
    csrf_cookie = login_page.cookies["csrftoken"]
    csrf_field = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text).group(1)
    client.secret(csrf_cookie, csrf_field)
    login = client.request(
        "POST",
        "/admin/login/?next=/admin/",
        data={"username": ADMIN_EMAIL, "password": admin_password, "csrfmiddlewaretoken": csrf_field},
        headers={"Cookie": f"csrftoken={csrf_cookie}", "Referer": f"{server.base}/admin/login/"},
    )
    assert login.status_code == 302, login.text
    session = login.cookies["sessionid"]
    client.secret(session)
    admin_home = client.request("GET", "/admin/", headers={"Cookie": f"sessionid={session}; csrftoken={csrf_cookie}"})
    assert admin_home.status_code == 200

    # Sockets: the token in the subprotocol pair (authenticated, then refused for its unknown path), and in a URL.
    socket_base = f"ws://127.0.0.1:{server.port}"
    statuses = [
        asyncio.run(
            open_socket(f"{socket_base}/ws/e2e/", client.new_request_id(), server.base, ["bearer", signed_in["access"]])
        ),
        asyncio.run(
            open_socket(f"{socket_base}/ws/e2e/?token={signed_in['access']}", client.new_request_id(), server.base)
        ),
    ]
    assert statuses == [403, 403]

    time.sleep(0.5)
    server.process.terminate()
    server.process.wait(timeout=20)
    output = server.output()

    leaked = [secret for secret in client.secrets if appears(secret, output)]
    assert leaked == [], f"{len(leaked)} secret(s) in the server output"
    assert "refresh token reuse" in output, "the reuse warning is missing: was the output captured?"
    assert "No hostname" not in output

    lines = [line for line in request_lines(output) if line["request_id"].startswith("e2e-")]
    logged = [line["request_id"] for line in lines]
    assert sorted(logged) == sorted(client.request_ids), "each request is logged once, and only requests are"
    sockets = {line["request_id"]: line for line in lines if line["method"] == "WEBSOCKET"}
    authenticated, in_url = (sockets[request_id] for request_id in client.request_ids[-2:])
    assert (authenticated["close_code"], authenticated["user_id"] is not None) == (4404, True)
    assert (in_url["close_code"], in_url["user_id"]) == (4401, None)
    assert all("?" not in line["path"] for line in lines)
    assert not re.search(r'"(GET|POST) /[^"]* HTTP/1\.1"', output), "the server's own access log is on"
