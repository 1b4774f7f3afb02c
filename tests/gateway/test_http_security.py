"""Security headers, CORS for the storefront origin, and CSRF on the API only for session cookies."""

import pytest
from django.test import Client

from ocg.identity import tokens
from ocg.identity.models import User

STOREFRONT = "https://shop.example"
ME = "{ me { id } }"


@pytest.fixture(autouse=True)
def storefront_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [STOREFRONT]


def test_preflight_from_the_storefront_allows_the_token_and_request_id_headers(client):
    response = client.options(
        "/graphql",
        HTTP_ORIGIN=STOREFRONT,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, x-request-id",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == STOREFRONT
    allowed = {header.strip() for header in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "x-request-id"} <= allowed
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response


def test_preflight_from_another_origin_gets_no_cors_grant(client):
    response = client.options(
        "/graphql",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )
    assert "Access-Control-Allow-Origin" not in response


def test_api_responses_expose_the_request_id_to_the_storefront(client):
    response = client.get("/graphql?query={__typename}", HTTP_ORIGIN=STOREFRONT)
    assert response["Access-Control-Allow-Origin"] == STOREFRONT
    assert "x-request-id" in response["Access-Control-Expose-Headers"].lower()


def test_cors_is_not_granted_outside_the_api(client):
    assert "Access-Control-Allow-Origin" not in client.get("/healthz", HTTP_ORIGIN=STOREFRONT)


def test_security_headers_are_set(client):
    response = client.get("/healthz")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response


def test_hsts_is_sent_on_https_only(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    assert client.get("/healthz", secure=True)["Strict-Transport-Security"] == "max-age=31536000"


def test_api_json_responses_carry_a_strict_content_security_policy(client):
    policy = client.get("/graphql?query={__typename}")["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy


@pytest.fixture
def shopper(event_store):
    return User.objects.create_user("csrf@example.com", "a-long-password")


def post_graphql(client, query, **headers):
    return client.post("/graphql", {"query": query}, content_type="application/json", **headers)


def test_a_session_cookie_without_csrf_token_is_not_honoured_on_api_writes(shopper):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(shopper)

    response = post_graphql(browser, ME)
    create = post_graphql(
        browser,
        'mutation { productCreate(input: {name: "X", price: {amount: "1.00", currency: "EUR"}}) { errors { code } } }',
    )

    assert response.status_code == 200
    assert response.json()["data"]["me"] is None
    assert create.json()["data"]["productCreate"]["errors"][0]["code"] == "unauthenticated"


def test_a_session_cookie_with_a_valid_csrf_token_is_honoured(shopper):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(shopper)
    csrf_token = browser.get("/graphql?query={__typename}").cookies["csrftoken"].value

    response = post_graphql(browser, ME, HTTP_X_CSRFTOKEN=csrf_token)

    assert response.json()["data"]["me"] == {"id": str(shopper.id)}


def test_a_bearer_token_needs_no_csrf_token(shopper):
    browser = Client(enforce_csrf_checks=True)
    access = tokens.issue_token_pair(shopper, "password")["access"]

    response = post_graphql(browser, ME, HTTP_AUTHORIZATION=f"Bearer {access}")

    assert response.json()["data"]["me"] == {"id": str(shopper.id)}
    assert "csrftoken" not in response.cookies  # nor is one minted for it
