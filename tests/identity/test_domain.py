"""The Account aggregate without a database: given events, when a command, then these events or this error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from ocg.identity.domain import Account, AccountDisabled, InvalidAccount, RoleConflict

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def given(*commands) -> Account:
    """An account registered at T0, then the given commands applied, with its events already collected."""
    account = Account.register(uuid4(), "Ada@Example.com", "customer", "password", at=T0)
    for apply in commands:
        apply(account)
    account.collect_events()
    return account


def then(account: Account) -> list[tuple[str, dict]]:
    events = account.collect_events()
    return [
        (type(e).__name__, {k: v for k, v in e.__dict__.items() if k not in {"originator_id", "originator_version"}})
        for e in events
    ]


def replayed(account: Account, history: list) -> Account:
    copy = None
    for domain_event in history:
        copy = domain_event.mutate(copy)
    return copy


def test_registering_records_the_email_role_and_method_with_the_given_clock():
    user_id = uuid4()
    account = Account.register(user_id, " Ada@Example.com ", "designer", "magic_link", at=T0)
    [(name, payload)] = then(account)
    assert account.id == user_id
    assert name == "Registered"
    assert payload["email"] == "ada@example.com"
    assert (payload["role"], payload["method"], payload["timestamp"]) == ("designer", "magic_link", T0)
    assert account.registered_at == T0


@pytest.mark.parametrize(
    ("email", "role", "method", "field"),
    [
        ("no-at-sign", "customer", "password", "email"),
        ("a@b.c", "superhero", "password", "role"),
        ("a@b.c", "customer", "", "method"),
    ],
)
def test_registering_with_bad_input_is_refused(email, role, method, field):
    with pytest.raises(InvalidAccount) as caught:
        Account.register(uuid4(), email, role, method, at=T0)
    assert caught.value.field == field


def test_granting_a_role_replaces_the_one_held():
    account = given()
    account.grant_role("designer", at=T0 + timedelta(days=1))
    assert then(account) == [
        ("RoleRevoked", {"role": "customer", "timestamp": T0 + timedelta(days=1)}),
        ("RoleGranted", {"role": "designer", "timestamp": T0 + timedelta(days=1)}),
    ]
    assert account.role == "designer"


def test_granting_a_role_already_held_is_refused():
    account = given(lambda a: a.grant_role("admin", at=T0))
    with pytest.raises(RoleConflict):
        account.grant_role("admin", at=T0)
    assert then(account) == []


def test_revoking_a_role_falls_back_to_the_base_role():
    account = given(lambda a: a.grant_role("designer", at=T0))
    account.revoke_role("designer", at=T0)
    assert [name for name, _ in then(account)] == ["RoleRevoked", "RoleGranted"]
    assert account.role == "customer"


@pytest.mark.parametrize("role", ["customer", "admin"])
def test_revoking_the_base_role_or_one_not_held_is_refused(role):
    account = given()
    with pytest.raises(RoleConflict):
        account.revoke_role(role, at=T0)
    assert then(account) == []


def test_disabling_records_the_reason_and_then_refuses_everything():
    account = given()
    account.disable("chargeback fraud", at=T0 + timedelta(hours=2))
    assert then(account) == [("Disabled", {"reason": "chargeback fraud", "timestamp": T0 + timedelta(hours=2)})]
    assert account.is_disabled
    for command in (
        lambda: account.disable("again", at=T0),
        lambda: account.grant_role("designer", at=T0),
        lambda: account.change_password(at=T0),
        lambda: account.record_login("password", at=T0),
    ):
        with pytest.raises(AccountDisabled):
            command()
    assert then(account) == []


def test_disabling_needs_a_reason():
    account = given()
    with pytest.raises(InvalidAccount) as caught:
        account.disable("  ", at=T0)
    assert caught.value.field == "reason"


def test_enabling_lifts_a_disable_and_commands_work_again():
    account = given(lambda a: a.disable("checking an order", at=T0))
    account.enable(at=T0 + timedelta(hours=1))
    assert then(account) == [("Enabled", {"timestamp": T0 + timedelta(hours=1)})]
    assert not account.is_disabled and account.disabled_reason is None
    account.record_login("password", at=T0 + timedelta(hours=2))
    assert [name for name, _ in then(account)] == ["LoggedIn"]


def test_enabling_an_account_that_is_not_disabled_is_refused():
    account = given()
    with pytest.raises(InvalidAccount) as caught:
        account.enable(at=T0)
    assert caught.value.field == "is_active"
    assert then(account) == []


def test_a_password_change_records_only_the_fact():
    account = given()
    account.change_password(at=T0 + timedelta(minutes=5))
    assert then(account) == [("PasswordChanged", {"timestamp": T0 + timedelta(minutes=5)})]


def test_a_login_records_the_method_and_time():
    account = given()
    account.record_login("google-oauth2", at=T0 + timedelta(minutes=1))
    assert then(account) == [("LoggedIn", {"method": "google-oauth2", "timestamp": T0 + timedelta(minutes=1)})]
    assert (account.last_login_method, account.last_login_at) == ("google-oauth2", T0 + timedelta(minutes=1))


def test_replaying_the_events_rebuilds_the_same_state():
    account = Account.register(uuid4(), "ada@example.com", "customer", "password", at=T0)
    account.grant_role("designer", at=T0 + timedelta(seconds=1))
    account.record_login("password", at=T0 + timedelta(seconds=2))
    account.disable("left the platform", at=T0 + timedelta(seconds=3))
    copy = replayed(account, account.collect_events())
    assert (copy.roles, copy.last_login_at, copy.disabled_at, copy.disabled_reason) == (
        {"designer"},
        T0 + timedelta(seconds=2),
        T0 + timedelta(seconds=3),
        "left the platform",
    )


@pytest.mark.parametrize("reason", ["fraud\x00", "fraud\x1b[2J", "fraud\ud800", "x" * 501])
def test_a_disable_reason_follows_the_text_rule(reason):
    account = given()
    with pytest.raises(InvalidAccount) as caught:
        account.disable(reason, at=T0)
    assert (caught.value.field, caught.value.code) == ("reason", "invalid")
    assert then(account) == [] and not account.is_disabled


def test_a_disable_reason_may_span_lines_and_is_stored_clean():
    account = given()
    account.disable("  chargeback\r\nsee ticket\t42  ", at=T0)
    assert then(account) == [("Disabled", {"reason": "chargeback\nsee ticket\t42", "timestamp": T0})]
