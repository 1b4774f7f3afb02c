"""Social sign-in over HTTP, with only the providers' endpoints faked (responses): Google, GitHub, Keycloak."""

from __future__ import annotations

import base64
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache
from social_django.models import UserSocialAuth

from ocg.identity import services
from ocg.identity.models import Role, User

STOREFRONT = "https://shop.example"
CALLBACK = f"{STOREFRONT}/login/callback"
GOOGLE_TOKEN_URL = "https://accounts.google.com/o/oauth2/token"
GOOGLE_USERINFO_URL = "https://www.googleapis.com/oauth2/v3/userinfo"
GITHUB_TOKEN_URL = "https://github.com/login/oauth/access_token"
KEYCLOAK_REALM = "https://sso.example/realms/ocg/protocol/openid-connect"
KEYCLOAK_CLIENT = "ocg-webstore"
CODE_INVALID = {"field": None, "code": "code_invalid", "message": "The code is not valid or has expired."}
CODE_INVALID_REST = {"code": "code_invalid", "message": "The code is not valid or has expired.", "errors": []}

EXCHANGE = """
mutation($code: String!) {
  socialTokenExchange(code: $code) { result { access refresh accessExpiresIn } errors { field code message } }
}"""


@pytest.fixture(scope="module")
def keycloak_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(autouse=True)
def providers_configured(settings, keycloak_key):
    public = keycloak_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    settings.STOREFRONT_URL = STOREFRONT
    settings.SOCIAL_AUTH_GOOGLE_OAUTH2_KEY = "google-client-id"
    settings.SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET = "google-client-secret"
    settings.SOCIAL_AUTH_GITHUB_KEY = "github-client-id"
    settings.SOCIAL_AUTH_GITHUB_SECRET = "github-client-secret"
    settings.SOCIAL_AUTH_KEYCLOAK_KEY = KEYCLOAK_CLIENT
    settings.SOCIAL_AUTH_KEYCLOAK_SECRET = "keycloak-client-secret"
    settings.SOCIAL_AUTH_KEYCLOAK_PUBLIC_KEY = base64.b64encode(public).decode()
    settings.SOCIAL_AUTH_KEYCLOAK_AUTHORIZATION_URL = f"{KEYCLOAK_REALM}/auth"
    settings.SOCIAL_AUTH_KEYCLOAK_ACCESS_TOKEN_URL = f"{KEYCLOAK_REALM}/token"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def provider():
    """The providers' HTTP endpoints; any request to an address not registered here fails."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def fake_google(
    provider, *, sub: str = "google-1", email: str = "ada@example.com", verified: Any = True, name: str = "Ada Lovelace"
) -> None:
    provider.post(GOOGLE_TOKEN_URL, json={"access_token": "google-access", "token_type": "Bearer", "expires_in": 3599})
    provider.get(
        GOOGLE_USERINFO_URL,
        json={"sub": sub, "email": email, "email_verified": verified, "name": name},
    )


def fake_github(provider, emails: list[dict[str, Any]]) -> None:
    provider.post(
        GITHUB_TOKEN_URL, json={"access_token": "github-access", "token_type": "bearer", "scope": "user:email"}
    )
    provider.get("https://api.github.com/user", json={"id": 4242, "login": "octo", "name": "Octo Cat", "email": None})
    provider.get("https://api.github.com/user/emails", json=emails)


def fake_keycloak(provider, key: rsa.RSAPrivateKey, *, sub: str, email: str, roles: list[str]) -> None:
    now = int(time.time())
    claims = {
        "sub": sub,
        "aud": KEYCLOAK_CLIENT,
        "iss": "https://sso.example/realms/ocg",
        "iat": now,
        "exp": now + 300,
        "email": email,
        "email_verified": True,
        "preferred_username": email.split("@")[0],
        "realm_access": {"roles": ["offline_access", *roles]},
    }
    access_token = jwt.encode(claims, key, algorithm="RS256")
    provider.post(f"{KEYCLOAK_REALM}/token", json={"access_token": access_token, "token_type": "Bearer"})


def begin(client, backend: str) -> tuple[str, dict[str, list[str]]]:
    """Starts a sign-in; returns the state the provider is sent, and the query it is sent."""
    response = client.get(f"/auth/social/login/{backend}/")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    state = query["state"][0]
    assert client.session[f"{backend}_state"] == state
    return state, query


def complete(client, backend: str, state: str, **extra: str):
    return client.get(f"/auth/social/complete/{backend}/", {"code": "provider-code", "state": state, **extra})


def callback(response) -> dict[str, list[str]]:
    """The storefront redirect's query; nothing else may ride along."""
    assert response.status_code == 302, response.content
    location = response["Location"]
    assert location.startswith(f"{CALLBACK}?")
    return parse_qs(urlsplit(location).query)


def sign_in(client, provider, backend: str = "google-oauth2") -> str:
    state, _query = begin(client, backend)
    params = callback(complete(client, backend, state))
    assert list(params) == ["code"]
    return params["code"][0]


def exchange(client, code: str):
    return client.post("/api/auth/social/exchange", {"code": code}, content_type="application/json")


def me(client, access: str) -> dict[str, Any]:
    response = client.get("/api/auth/me", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert response.status_code == 200, response.content
    return response.json()


def test_google_sign_in_ends_with_a_code_that_trades_once_for_working_tokens(client, provider, event_store):
    state, query = begin(client, "google-oauth2")
    assert query["client_id"] == ["google-client-id"]
    assert query["redirect_uri"] == ["http://testserver/auth/social/complete/google-oauth2/"]
    fake_google(provider)

    response = complete(client, "google-oauth2", state)
    params = callback(response)
    assert list(params) == ["code"]
    assert "google-access" not in response["Location"]
    token_request = parse_qs(provider.calls[0].request.body)
    assert token_request["code"] == ["provider-code"]
    assert provider.calls[1].request.headers["Authorization"] == "Bearer google-access"

    traded = exchange(client, params["code"][0])
    assert traded.status_code == 200, traded.content
    tokens = traded.json()
    assert set(tokens) == {"access", "refresh", "access_expires_in"}
    user = User.objects.get(email="ada@example.com")
    assert me(client, tokens["access"])["id"] == str(user.id)
    assert not user.has_usable_password()
    assert UserSocialAuth.objects.get(user=user).uid == "google-1"
    account = services.identity().account(user.id)
    assert (account.registered_with, account.last_login_method) == ("google", "google")

    again = exchange(client, params["code"][0])
    assert (again.status_code, again.json()) == (400, CODE_INVALID_REST)


@pytest.mark.parametrize(("name", "kept"), [("Ada Lovelace", "Ada Lovelace"), ("Ada \u202eecalevoL", "")])
def test_a_providers_name_the_text_rule_refuses_is_dropped_not_the_sign_up(client, provider, event_store, name, kept):
    fake_google(provider, name=name)
    tokens = exchange(client, sign_in(client, provider)).json()
    assert me(client, tokens["access"])["display_name"] == kept
    assert User.objects.get(email="ada@example.com").display_name == kept


def test_the_exchange_works_over_graphql_too_and_only_once(client, provider, event_store):
    fake_google(provider)
    code = sign_in(client, provider)

    first = client.post("/graphql", {"query": EXCHANGE, "variables": {"code": code}}, content_type="application/json")
    payload = first.json()["data"]["socialTokenExchange"]
    assert payload["errors"] == []
    assert me(client, payload["result"]["access"])["email"] == "ada@example.com"

    second = client.post("/graphql", {"query": EXCHANGE, "variables": {"code": code}}, content_type="application/json")
    assert second.json()["data"]["socialTokenExchange"] == {"result": None, "errors": [CODE_INVALID]}


def test_a_made_up_or_expired_exchange_code_is_refused(client, provider, event_store, settings):
    assert exchange(client, "made-up").json() == CODE_INVALID_REST
    settings.SOCIAL_EXCHANGE_CODE_TTL_SECONDS = 1
    fake_google(provider)
    code = sign_in(client, provider)
    time.sleep(1.5)
    assert exchange(client, code).json() == CODE_INVALID_REST


def test_a_verified_google_email_links_to_the_existing_account(client, provider, event_store):
    existing = services.register("ada@example.com", "a-long-and-good-password-1")
    fake_google(provider, email="Ada@Example.com")

    for _ in range(2):
        tokens = exchange(client, sign_in(client, provider)).json()
        assert me(client, tokens["access"])["id"] == str(existing.id)

    assert User.objects.count() == 1
    assert UserSocialAuth.objects.filter(user=existing, provider="google-oauth2").count() == 1
    existing.refresh_from_db()
    assert existing.has_usable_password()


@pytest.mark.parametrize("verified", [False, None, "false"])
def test_an_unverified_google_email_is_refused_and_nothing_is_created_or_linked(
    client, provider, event_store, verified
):
    existing = services.register("ada@example.com", "a-long-and-good-password-1")
    fake_google(provider, email="ada@example.com", verified=verified)
    state, _query = begin(client, "google-oauth2")

    assert callback(complete(client, "google-oauth2", state)) == {"error": ["email_unverified"]}
    assert list(User.objects.all()) == [existing]
    assert not UserSocialAuth.objects.exists()


def test_a_browser_session_does_not_decide_whose_account_is_signed_in(client, provider, event_store):
    admin = User.objects.create_superuser("boss@example.com", "a-long-and-good-password-1")
    client.force_login(admin)
    fake_google(provider, email="ada@example.com")

    tokens = exchange(client, sign_in(client, provider)).json()
    assert me(client, tokens["access"])["email"] == "ada@example.com"
    assert not UserSocialAuth.objects.filter(user=admin).exists()


@pytest.mark.parametrize("state", ["forged-state", ""])
def test_a_state_mismatch_is_sent_back_as_a_bare_error(client, provider, event_store, state):
    begin(client, "google-oauth2")
    fake_google(provider)
    assert callback(complete(client, "google-oauth2", state)) == {"error": ["state_mismatch"]}
    assert len(provider.calls) == 0
    assert not User.objects.exists()


def test_the_same_callback_cannot_be_replayed(client, provider, event_store):
    state, _query = begin(client, "google-oauth2")
    fake_google(provider)
    assert list(callback(complete(client, "google-oauth2", state))) == ["code"]
    assert callback(complete(client, "google-oauth2", state)) == {"error": ["state_mismatch"]}


def test_provider_failures_come_back_as_bare_errors(client, provider, event_store):
    state, _query = begin(client, "google-oauth2")
    provider.post(GOOGLE_TOKEN_URL, status=500, body="upstream stack trace with secrets")
    response = complete(client, "google-oauth2", state)
    assert callback(response) == {"error": ["provider_error"]}
    assert "secrets" not in response["Location"]

    state, _query = begin(client, "google-oauth2")
    refused = client.get(
        "/auth/social/complete/google-oauth2/",
        {"error": "access_denied", "error_description": "The user said no", "state": state},
    )
    assert callback(refused) == {"error": ["cancelled"]}
    assert not User.objects.exists()


def test_a_disabled_account_is_not_signed_in(client, provider, event_store):
    existing = services.register("ada@example.com", "a-long-and-good-password-1")
    services.disable_account(existing, "chargeback fraud")
    fake_google(provider)
    state, _query = begin(client, "google-oauth2")
    assert callback(complete(client, "google-oauth2", state)) == {"error": ["account_disabled"]}


def test_github_signs_in_with_the_primary_verified_email(client, provider, event_store):
    state, query = begin(client, "github")
    assert "user:email" in query["scope"][0].split(",")
    fake_github(
        provider,
        [
            {"email": "octo@users.noreply.github.com", "primary": False, "verified": True},
            {"email": "octo@example.com", "primary": True, "verified": True},
        ],
    )
    params = callback(complete(client, "github", state))
    tokens = exchange(client, params["code"][0]).json()
    user = User.objects.get(email="octo@example.com")
    assert me(client, tokens["access"])["id"] == str(user.id)
    assert UserSocialAuth.objects.get(user=user, provider="github").uid == "4242"
    assert services.identity().account(user.id).registered_with == "github"


def test_github_with_an_unverified_primary_email_is_refused(client, provider, event_store):
    state, _query = begin(client, "github")
    fake_github(
        provider,
        [
            {"email": "octo@example.com", "primary": True, "verified": False},
            {"email": "octo@elsewhere.example", "primary": False, "verified": True},
        ],
    )
    assert callback(complete(client, "github", state)) == {"error": ["email_unverified"]}
    assert not User.objects.exists()


def keycloak_sign_in(client, provider, key, *, email: str, roles: list[str]) -> User:
    state, _query = begin(client, "keycloak")
    fake_keycloak(provider, key, sub=f"kc-{email}", email=email, roles=roles)
    params = callback(complete(client, "keycloak", state))
    tokens = exchange(client, params["code"][0]).json()
    user = User.objects.get(email=email)
    assert me(client, tokens["access"])["id"] == str(user.id)
    return user


def test_keycloak_grants_staff_rights_only_with_the_admin_role(client, provider, event_store, keycloak_key):
    staff = keycloak_sign_in(client, provider, keycloak_key, email="sam@ocg.example", roles=["ocg-admin"])
    plain = keycloak_sign_in(client, provider, keycloak_key, email="lee@ocg.example", roles=["ocg-viewer"])

    assert (staff.is_staff, staff.role) == (True, Role.ADMIN)
    assert (plain.is_staff, plain.role) == (False, Role.CUSTOMER)
    assert services.identity().account(staff.id).role == Role.ADMIN
    assert UserSocialAuth.objects.get(user=staff).uid == "kc-sam@ocg.example"


def test_keycloak_takes_staff_rights_away_when_the_role_is_gone(client, provider, event_store, keycloak_key):
    keycloak_sign_in(client, provider, keycloak_key, email="sam@ocg.example", roles=["ocg-admin"])
    provider.reset()
    again = keycloak_sign_in(client, provider, keycloak_key, email="sam@ocg.example", roles=[])
    assert (again.is_staff, again.role) == (False, Role.CUSTOMER)
    assert services.identity().account(again.id).role == Role.CUSTOMER


def test_keycloak_admin_role_name_comes_from_settings(client, provider, event_store, keycloak_key, settings):
    settings.KEYCLOAK_ADMIN_ROLE = "shop-staff"
    ignored = keycloak_sign_in(client, provider, keycloak_key, email="sam@ocg.example", roles=["ocg-admin"])
    provider.reset()
    honoured = keycloak_sign_in(client, provider, keycloak_key, email="kim@ocg.example", roles=["shop-staff"])
    assert (ignored.is_staff, honoured.is_staff) == (False, True)


def test_google_never_grants_staff_rights(client, provider, event_store):
    fake_google(provider, email="sam@ocg.example")
    exchange(client, sign_in(client, provider))
    user = User.objects.get(email="sam@ocg.example")
    assert (user.is_staff, user.role) == (False, Role.CUSTOMER)


@pytest.mark.parametrize(
    ("backend", "unset"),
    [
        ("google-oauth2", "SOCIAL_AUTH_GOOGLE_OAUTH2_KEY"),
        ("github", "SOCIAL_AUTH_GITHUB_SECRET"),
        ("keycloak", "SOCIAL_AUTH_KEYCLOAK_AUTHORIZATION_URL"),
    ],
)
def test_a_provider_without_its_keys_is_not_offered(client, provider, event_store, settings, backend, unset):
    """Rather than a redirect to the provider with client_id=None: a 404 the browser can show."""
    setattr(settings, unset, None)
    state_key = f"{backend}_state"

    for path in (f"/auth/social/login/{backend}/", f"/auth/social/complete/{backend}/?code=x&state=y"):
        page = client.get(path, HTTP_ACCEPT="text/html,application/xhtml+xml")
        assert page.status_code == 404
        assert page["Content-Type"].startswith("text/html")
        assert "not available" in page.content.decode()
        answer = client.get(path, HTTP_ACCEPT="application/json")
        assert (answer.status_code, answer.json()) == (
            404,
            {"code": "provider_not_configured", "message": "This sign-in provider is not available."},
        )
    assert state_key not in client.session
    assert len(provider.calls) == 0


def test_an_unknown_provider_is_a_404_too(client):
    answer = client.get("/auth/social/login/myspace/", HTTP_ACCEPT="application/json")
    assert (answer.status_code, answer.json()["code"]) == (404, "provider_not_configured")


def test_a_configured_provider_still_starts(client, db):
    _state, query = begin(client, "github")
    assert query["client_id"] == ["github-client-id"]
