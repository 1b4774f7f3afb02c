"""Accounts over GraphQL and the service layer: sign-up, sign-in, `me`, and the events they leave behind."""

from __future__ import annotations

import pytest
from django.db import transaction

from ocg.identity import services, tokens
from ocg.identity.domain import AccountDisabled, RoleConflict
from ocg.identity.models import User
from tests.identity.conftest import PASSWORD, graphql

REGISTER = """
mutation($input: AccountRegisterInput!) {
  register(input: $input) {
    result { id email displayName roles }
    errors { field code message }
  }
}"""

TOKEN_CREATE = """
mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) { result { access } errors { field code message } }
}"""

ME = "{ me { id email displayName roles } }"


def event_names(identity, user_id) -> list[str]:
    return [type(e).__name__ for e in identity.events.get(user_id)]


def test_signing_up_creates_the_user_and_its_registered_event(client, identity):
    payload = graphql(
        client, REGISTER, input={"email": "Grace@Example.com", "password": PASSWORD, "displayName": "Grace"}
    )["data"]["register"]
    assert payload["errors"] == []
    assert payload["result"]["email"] == "grace@example.com"
    assert payload["result"]["roles"] == ["customer"]
    user = User.objects.get(email="grace@example.com")
    assert str(user.id) == payload["result"]["id"]
    assert user.password.startswith("argon2")
    [registered] = identity.events.get(user.id)
    assert (type(registered).__name__, registered.email, registered.role, registered.method) == (
        "Registered",
        "grace@example.com",
        "customer",
        "password",
    )


@pytest.mark.parametrize(
    ("email", "password", "field", "code"),
    [
        ("not-an-email", PASSWORD, "email", "invalid"),
        ("a@b", PASSWORD, "email", "invalid"),
        ("grace@example.com", "short", "password", "weak_password"),
        ("grace@example.com", "password123", "password", "weak_password"),
        ("grace@example.com", "12345678901234", "password", "weak_password"),
        ("grace@example.com", "grace@example.com", "password", "weak_password"),
        ("ADA@example.com", PASSWORD, "email", "email_taken"),
    ],
)
def test_sign_up_errors_change_nothing(client, user, identity, email, password, field, code):
    users_before = User.objects.count()
    position = identity.recorder.max_notification_id()
    payload = graphql(client, REGISTER, input={"email": email, "password": password})["data"]["register"]
    assert payload["result"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [(field, code)]
    assert User.objects.count() == users_before
    assert identity.recorder.max_notification_id() == position


@pytest.mark.parametrize(
    "display_name",
    ["Ada\x00", "Ada\x07", "Ada\x9b", "Ada\nLovelace", "Ada \u202eecalevol", "Ada\ud800", "x" * 151, "\ufb2c" * 51],
)
def test_a_display_name_the_text_rule_refuses_changes_nothing(client, identity, display_name):
    payload = graphql(
        client, REGISTER, input={"email": "grace@example.com", "password": PASSWORD, "displayName": display_name}
    )
    payload = payload["data"]["register"]
    assert payload["result"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("display_name", "invalid")]
    assert not User.objects.exists()
    assert identity.recorder.max_notification_id() is None


def test_a_display_name_is_stored_trimmed_and_in_nfc(client, identity):
    payload = graphql(
        client, REGISTER, input={"email": "grace@example.com", "password": PASSWORD, "displayName": " Gra\u0301ce "}
    )["data"]["register"]
    assert payload["errors"] == []
    assert payload["result"]["displayName"] == "Gr\u00e1ce"
    assert User.objects.get().display_name == "Gr\u00e1ce"


def test_a_failed_event_write_rolls_the_user_row_back(identity, monkeypatch):
    def event_store_down(*aggregates, **kwargs):
        raise ConnectionError("event store unavailable")

    monkeypatch.setattr(identity, "save", event_store_down)
    with pytest.raises(ConnectionError):
        services.register("grace@example.com", PASSWORD)
    assert not User.objects.filter(email="grace@example.com").exists()


def test_a_failed_event_write_keeps_the_account_enabled(user, identity, monkeypatch):
    monkeypatch.setattr(identity, "save", lambda *a, **k: (_ for _ in ()).throw(ConnectionError("down")))
    with pytest.raises(ConnectionError):
        services.disable_account(user, "fraud")
    user.refresh_from_db()
    assert user.is_active and user.tokens_valid_after is None


@pytest.mark.parametrize(
    ("email", "password"), [("ada@example.com", "wrong-password-123"), ("nobody@example.com", PASSWORD), ("x", "")]
)
def test_a_wrong_password_and_an_unknown_email_look_the_same(client, user, identity, email, password):
    position = identity.recorder.max_notification_id()
    payload = graphql(client, TOKEN_CREATE, email=email, password=password)["data"]["tokenCreate"]
    assert payload["result"] is None
    assert payload["errors"] == [
        {"field": None, "code": "invalid_credentials", "message": "The email or password is not right."}
    ]
    assert identity.recorder.max_notification_id() == position


def test_signing_in_records_a_login(client, user, identity):
    payload = graphql(client, TOKEN_CREATE, email="ADA@example.com", password=PASSWORD)["data"]["tokenCreate"]
    assert payload["errors"] == []
    assert event_names(identity, user.id) == ["Registered", "LoggedIn"]
    assert identity.repository.get(user.id).last_login_method == "password"
    user.refresh_from_db()
    assert user.last_login is not None


def test_me_is_the_token_user_and_null_when_anonymous(client, user):
    access = tokens.issue_token_pair(user, "password")["access"]
    assert graphql(client, ME, token=access)["data"]["me"] == {
        "id": str(user.id),
        "email": "ada@example.com",
        "displayName": "Ada",
        "roles": ["customer"],
    }
    body = graphql(client, ME)
    assert body["data"] == {"me": None}
    assert "errors" not in body


def test_a_row_made_without_the_services_gets_its_stream_on_first_login(identity):
    """A raw ORM create (or a row older than the rule that every way of making a user registers it)."""
    admin = User.objects.create(email="root@example.com", role="admin", is_staff=True, is_superuser=True)
    tokens.issue_token_pair(admin, "google-oauth2")
    events = list(identity.events.get(admin.id))
    assert [(type(e).__name__, getattr(e, "method", None)) for e in events] == [
        ("Registered", "google-oauth2"),
        ("LoggedIn", "google-oauth2"),
    ]
    assert events[0].role == "admin"


def test_create_user_and_create_superuser_register_the_account_with_the_row(identity):
    """createsuperuser, scripts and the demo seed go through the manager: no row exists without its stream."""
    customer = User.objects.create_user("Grace@Example.com", PASSWORD)
    root = User.objects.create_superuser("root@example.com", PASSWORD)

    for user, role in ((customer, "customer"), (root, "admin")):
        [registered] = identity.events.get(user.id)
        assert (type(registered).__name__, registered.email, registered.role, registered.method) == (
            "Registered",
            user.email,
            role,
            "direct",
        )
    assert customer.email == "grace@example.com"


def test_a_user_created_in_a_transaction_that_rolls_back_leaves_no_event(identity):
    """The event is written in Django's transaction, so it goes when the row goes."""
    with pytest.raises(RuntimeError), transaction.atomic():
        created = User.objects.create_user("grace@example.com", PASSWORD)
        assert [type(e).__name__ for e in identity.events.get(created.id)] == ["Registered"]
        raise RuntimeError("the caller fails after the user was created")

    assert not User.objects.filter(email="grace@example.com").exists()
    assert not identity.recorder.max_notification_id()
    assert list(identity.events.get(created.id)) == []


def test_a_role_change_rolled_back_by_its_caller_leaves_no_event(user, identity):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.grant_role(user, "designer")
        raise RuntimeError("the caller fails after the grant")

    user.refresh_from_db()
    assert user.role == "customer"
    assert event_names(identity, user.id) == ["Registered"]


def test_granting_and_revoking_roles_keeps_the_row_and_the_stream_in_step(user, identity):
    services.grant_role(user, "designer")
    assert User.objects.get(pk=user.pk).role == "designer"
    access = tokens.issue_token_pair(user, "password")["access"]
    assert tokens.verify_access(access)["roles"] == ["designer"]
    services.revoke_role(user, "designer")
    assert User.objects.get(pk=user.pk).role == "customer"
    assert event_names(identity, user.id) == [
        "Registered",
        "RoleRevoked",
        "RoleGranted",
        "LoggedIn",
        "RoleRevoked",
        "RoleGranted",
    ]
    assert identity.repository.get(user.id).roles == {"customer"}


def test_a_refused_role_change_leaves_the_row_alone(user, identity):
    with pytest.raises(RoleConflict):
        services.revoke_role(user, "admin")
    assert User.objects.get(pk=user.pk).role == "customer"
    assert event_names(identity, user.id) == ["Registered"]


def test_passwordless_sign_up_gets_an_unusable_password(identity):
    user = services.register("link@example.com", None, method="magic_link")
    assert not user.has_usable_password()
    assert [e.method for e in identity.events.get(user.id)] == ["magic_link"]


def test_a_disabled_account_cannot_be_given_tokens(user):
    services.disable_account(user, "fraud")
    with pytest.raises(AccountDisabled):
        tokens.issue_token_pair(user, "password")
