"""Staff changes in Django admin go through the identity services: the stream and the sessions follow the row."""

from __future__ import annotations

from typing import Any

import pytest

from ocg.identity import services, tokens
from ocg.identity.domain import InvalidToken
from ocg.identity.models import User
from tests.identity.conftest import PASSWORD

NEW_PASSWORD = "another-horse-battery-7"


def event_names(identity, user_id) -> list[str]:
    return [type(e).__name__ for e in identity.events.get(user_id)]


def change_form(user: User, **changes: Any) -> dict[str, Any]:
    """What the admin's change page posts for `user`, with `changes` applied (False unticks a box)."""
    values: dict[str, Any] = {
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "disable_reason": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        **changes,
    }
    return {name: ("on" if value is True else value) for name, value in values.items() if value is not False}


def post_change(admin_client, user: User, **changes: Any):
    return admin_client.post(f"/admin/identity/user/{user.pk}/change/", change_form(user, **changes))


@pytest.fixture
def signed_in(user):
    """An access token issued before the staff change."""
    return tokens.issue_token_pair(user, "password")["access"]


def test_disabling_in_the_admin_records_the_reason_and_ends_every_session(admin_client, user, identity, signed_in):
    response = post_change(admin_client, user, is_active=False, disable_reason="chargeback fraud")

    assert response.status_code == 302, response.content
    user.refresh_from_db()
    assert not user.is_active and user.tokens_valid_after is not None
    assert event_names(identity, user.id)[-1] == "Disabled"
    assert identity.repository.get(user.id).disabled_reason == "chargeback fraud"
    with pytest.raises(InvalidToken):
        tokens.verify_access(signed_in)


def test_disabling_without_a_reason_is_refused_and_changes_nothing(admin_client, user, identity, signed_in):
    before = event_names(identity, user.id)

    response = post_change(admin_client, user, is_active=False, display_name="Renamed")

    assert response.status_code == 200
    assert "Give a reason for disabling this account." in response.content.decode()
    user.refresh_from_db()
    assert user.is_active and user.display_name == "Ada" and user.tokens_valid_after is None
    assert event_names(identity, user.id) == before
    assert tokens.verify_access(signed_in)["sub"] == str(user.id)


def test_enabling_in_the_admin_lets_the_account_sign_in_again_but_not_its_old_tokens(
    admin_client, user, identity, signed_in
):
    services.disable_account(user, "checking an order")

    response = post_change(admin_client, user, is_active=True)

    assert response.status_code == 302, response.content
    user.refresh_from_db()
    assert user.is_active
    assert event_names(identity, user.id)[-2:] == ["Disabled", "Enabled"]
    assert not identity.repository.get(user.id).is_disabled
    assert services.authenticate_password(user.email, PASSWORD) == user
    with pytest.raises(InvalidToken):
        tokens.verify_access(signed_in)


def test_a_role_set_in_the_admin_is_granted_and_taken_back_through_the_account(admin_client, user, identity):
    assert post_change(admin_client, user, role="designer").status_code == 302
    user.refresh_from_db()
    assert user.role == "designer"
    assert identity.repository.get(user.id).roles == {"designer"}

    assert post_change(admin_client, user, role="customer").status_code == 302
    user.refresh_from_db()
    assert user.role == "customer"
    assert identity.repository.get(user.id).roles == {"customer"}
    assert event_names(identity, user.id)[1:] == ["RoleRevoked", "RoleGranted", "RoleRevoked", "RoleGranted"]


def test_a_disabled_accounts_role_cannot_change_in_the_admin(admin_client, user, identity):
    services.disable_account(user, "checking an order")
    before = event_names(identity, user.id)

    response = post_change(admin_client, user, role="designer")

    assert response.status_code == 200
    assert "enable it to change the role" in response.content.decode()
    user.refresh_from_db()
    assert user.role == "customer"
    assert event_names(identity, user.id) == before


def test_a_password_set_in_the_admin_is_recorded_and_ends_older_sessions(admin_client, user, identity, signed_in):
    response = admin_client.post(
        f"/admin/identity/user/{user.pk}/password/",
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302, response.content
    assert event_names(identity, user.id)[-1] == "PasswordChanged"
    assert services.authenticate_password(user.email, NEW_PASSWORD) == user
    with pytest.raises(InvalidToken):
        tokens.verify_access(signed_in)


def test_switching_password_sign_in_off_in_the_admin_is_recorded_too(admin_client, user, identity, signed_in):
    response = admin_client.post(
        f"/admin/identity/user/{user.pk}/password/", {"usable_password": "false", "unset-password": "1"}
    )

    assert response.status_code == 302, response.content
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert event_names(identity, user.id)[-1] == "PasswordChanged"
    with pytest.raises(InvalidToken):
        tokens.verify_access(signed_in)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"display_name": "Ada\x1b[2J"}, "display_name"),
        ({"display_name": "Ada \u202eecalevol"}, "display_name"),
        ({"is_active": False, "disable_reason": "fraud\x1b[2J"}, "disable_reason"),
    ],
)
def test_staff_typed_text_follows_the_text_rule_and_a_refusal_changes_nothing(
    admin_client, user, identity, changes, field
):
    before = event_names(identity, user.id)

    response = post_change(admin_client, user, **changes)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field]
    user.refresh_from_db()
    assert user.is_active and user.display_name == "Ada"
    assert event_names(identity, user.id) == before


def test_adding_a_user_in_the_admin_registers_the_account(admin_client, identity):
    response = admin_client.post(
        "/admin/identity/user/add/",
        {
            "email": "grace@example.com",
            "role": "designer",
            "usable_password": "true",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302, response.content
    added = User.objects.get(email="grace@example.com")
    [registered] = identity.events.get(added.id)
    assert (type(registered).__name__, registered.method, registered.role) == ("Registered", "admin", "designer")
    assert services.authenticate_password("grace@example.com", NEW_PASSWORD) == added


def test_deleting_a_user_in_the_admin_closes_the_account_naming_the_staff_member(
    admin_client, admin_user, user, identity
):
    response = admin_client.post(f"/admin/identity/user/{user.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302, response.content
    assert not User.objects.filter(pk=user.pk).exists()
    closed = list(identity.events.get(user.id))[-1]
    assert (type(closed).__name__, closed.reason, closed.closed_by) == ("Closed", "deleted by staff", admin_user.id)
    assert identity.repository.get(user.id).is_closed


def test_bulk_deleting_users_in_the_admin_closes_each_account(admin_client, admin_user, user, identity):
    other = services.register("grace@example.com", PASSWORD)

    response = admin_client.post(
        "/admin/identity/user/",
        {"action": "delete_selected", "_selected_action": [str(user.pk), str(other.pk)], "post": "yes"},
    )

    assert response.status_code == 302, response.content
    assert not User.objects.filter(pk__in=[user.pk, other.pk]).exists()
    for account_id in (user.id, other.id):
        closed = list(identity.events.get(account_id))[-1]
        assert (type(closed).__name__, closed.closed_by) == ("Closed", admin_user.id)


def test_a_delete_whose_event_cannot_be_written_keeps_the_row(admin_client, user, identity, monkeypatch):
    def event_store_down(*aggregates, **kwargs):
        raise ConnectionError("event store unavailable")

    monkeypatch.setattr(identity, "save", event_store_down)
    with pytest.raises(ConnectionError):
        admin_client.post(f"/admin/identity/user/{user.pk}/delete/", {"post": "yes"})

    assert User.objects.filter(pk=user.pk).exists()
    assert event_names(identity, user.id) == ["Registered"]


def test_enabling_and_changing_the_role_in_one_admin_save_writes_both_in_order(admin_client, user, identity):
    """The second command reads the first one's event, not yet committed, from the same transaction."""
    services.disable_account(user, "checking an order")

    response = post_change(admin_client, user, is_active=True, role="designer")

    assert response.status_code == 302, response.content
    user.refresh_from_db()
    assert (user.is_active, user.role) == (True, "designer")
    assert event_names(identity, user.id)[-4:] == ["Disabled", "Enabled", "RoleRevoked", "RoleGranted"]
