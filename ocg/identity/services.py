"""Account operations that keep Django's auth tables and the identity event stream in step.

The User row stays the source for authentication. Each operation writes the row and saves the
matching event inside one `transaction.atomic()` block, and the identity context's events are
written on Django's own connection there (spine/joined.py): row and event commit together or
not at all, whatever crashes when. A domain rule that refuses the change rolls the row back.
The application is fetched before the block opens, so building it never waits on the block.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from ocg.identity import cached_users
from ocg.identity.application import IdentityApplication, KnownUser
from ocg.identity.domain import (
    BASE_ROLE,
    AccountDisabled,
    EmailTaken,
    InvalidAccount,
    InvalidCredentials,
    clean_display_name,
    clean_role,
)
from ocg.identity.models import User
from ocg.spine.eventstore import applications

EMAIL_MAX_LENGTH = 254
DELETED_BY_STAFF = "deleted by staff"


class WeakPassword(InvalidAccount):
    code = "weak_password"


def identity() -> IdentityApplication:
    return applications.get("identity")


def known(user: User) -> KnownUser:
    return KnownUser(email=user.email, role=user.role)


def normalize_email(email: str) -> str:
    """Stored lower-cased, as the user manager does, so uniqueness ignores case."""
    email = User.objects.normalize_email((email or "").strip()).lower()
    if len(email) > EMAIL_MAX_LENGTH:
        raise InvalidAccount("Enter a valid email address.", field="email")
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidAccount("Enter a valid email address.", field="email") from None
    return email


def check_password_strength(password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise WeakPassword(" ".join(error.messages), field="password") from None


def register(
    email: str, password: str | None, role: str = "customer", method: str = "password", display_name: str = ""
) -> User:
    """A passwordless method (magic link, social) passes no password: the account gets an unusable one."""
    email = normalize_email(email)
    role = clean_role(role)
    user = User(email=email, role=role, display_name=clean_display_name(display_name))
    if password is None:
        if method == "password":
            raise WeakPassword("Choose a password.", field="password")
        user.set_unusable_password()
    else:
        check_password_strength(password, user)
        user.set_password(password)
    if User.objects.filter(email=email).exists():
        raise EmailTaken("An account with this email already exists.", field="email")
    return register_user(user, method)


def register_user(user: User, method: str) -> User:
    """Saves a new, prepared User row (password already set) and registers its account, in one transaction."""
    accounts = identity()
    try:
        with transaction.atomic():
            user.save(force_insert=True)
            accounts.register(user.id, user.email, user.role, method)
    except IntegrityError:
        raise EmailTaken("An account with this email already exists.", field="email") from None
    return user


def delete_account(user: User, closed_by: Any = None, reason: str = DELETED_BY_STAFF) -> None:
    """The row goes and the stream records the closing (why, and which staff account did it) in one transaction.

    Nothing personal is added to the stream: the reason is a fixed text and `closed_by` an account id.
    """
    accounts = identity()
    account, user_id = known(user), user.pk
    with transaction.atomic():
        user.delete()
        accounts.close_account(user_id, reason, getattr(closed_by, "pk", closed_by), account)


def authenticate_password(email: str, password: str, request: Any = None) -> User:
    """Unknown email, wrong password and a disabled account all answer alike, in alike time.

    Even a malformed email goes through `authenticate()`, whose backend throttles failures per account
    (ocg.identity.sign_in): it matches no account, and Django's backend still hashes the password once.
    """
    try:
        email = normalize_email(email)
    except InvalidAccount:
        email = (email or "").strip()[:EMAIL_MAX_LENGTH]
    user = authenticate(request, username=email, password=password or "")
    if user is None:
        raise InvalidCredentials("The email or password is not right.")
    return user


@contextmanager
def _changing(user: User, **fields: Any) -> Iterator[IdentityApplication]:
    """Row changes and their event in one transaction; the user object is put back if either fails."""
    before = {name: getattr(user, name) for name in fields}
    accounts = identity()
    try:
        with transaction.atomic():
            for name, value in fields.items():
                setattr(user, name, value)
            user.save(update_fields=list(fields))
            yield accounts
    except BaseException:
        for name, value in before.items():
            setattr(user, name, value)
        raise


def change_password(user: User, new_password: str, old_password: str | None = None) -> None:
    """A new password also ends every session that used the old one.

    The current password is checked through authenticate(), so the per-account sign-in throttle
    bounds guesses made with a stolen session as it bounds guesses at the sign-in form.
    """
    if old_password is not None:
        checked = authenticate(None, username=user.email, password=old_password)
        if checked is None or checked.pk != user.pk:
            raise InvalidCredentials("The current password is not right.", field="old_password")
    check_password_strength(new_password, user)
    with _changing(user, password=make_password(new_password), tokens_valid_after=timezone.now()) as accounts:
        accounts.change_password(user.id, known(user))


def remove_password(user: User) -> None:
    """Password sign-in ends for this account (others remain), and so do the sessions it had."""
    with _changing(user, password=make_password(None), tokens_valid_after=timezone.now()) as accounts:
        accounts.change_password(user.id, known(user))


def grant_role(user: User, role: str) -> None:
    """Granting replaces the role held, as the domain rules."""
    account = known(user)
    with _changing(user, role=clean_role(role)) as accounts:
        accounts.grant_role(user.id, role, account)


def revoke_role(user: User, role: str) -> None:
    """The account falls back to the base role, as the domain rules."""
    account = known(user)
    with _changing(user, role=BASE_ROLE) as accounts:
        accounts.revoke_role(user.id, role, account)


def disable_account(user: User, reason: str) -> None:
    """Disabling refuses every token issued so far as well as new sign-ins."""
    if not user.is_active:
        raise AccountDisabled("This account is already disabled.", account_id=user.id)
    with _changing(user, is_active=False, tokens_valid_after=timezone.now()) as accounts:
        accounts.disable(user.id, reason, known(user))


def enable_account(user: User) -> None:
    """Sign-ins work again; tokens issued before the disable stay refused."""
    if user.is_active:
        raise InvalidAccount("This account is not disabled.", field="is_active", account_id=user.id)
    with _changing(user, is_active=True) as accounts:
        accounts.enable(user.id, known(user))


def revoke_all_tokens(user: User) -> None:
    """Every token issued before now stops working; no event, since the account itself is unchanged."""
    user.tokens_valid_after = timezone.now()
    User.objects.filter(pk=user.pk).update(tokens_valid_after=user.tokens_valid_after)
    cached_users.forget(user.pk)


def record_login(user: User, method: str) -> None:
    if not user.is_active:
        raise AccountDisabled("This account is disabled.", account_id=user.id)
    with _changing(user, last_login=timezone.now()) as accounts:
        accounts.record_login(user.id, method, known(user))


def roles(user: User) -> list[str]:
    return [user.role]
