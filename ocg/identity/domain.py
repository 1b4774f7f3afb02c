"""An account's lifecycle. Imports only the stdlib, eventsourcing.domain and ocg.spine.domain.

Django's auth tables stay the source for authentication (password hash, is_active, role); the
Account stream is the audit of what happened to them. An account holds one role at a time, so
a grant replaces the current role and a revoke falls back to the base role.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ocg.spine.domain import DomainError
from ocg.spine.domain.text import clean_text

BASE_ROLE = "customer"
ROLES = ("customer", "designer", "admin")
METHOD_MAX_LENGTH = 50
REASON_MAX_LENGTH = 500
DISPLAY_NAME_MAX_LENGTH = 150


class IdentityError(DomainError):
    """Base of the identity context's errors."""


class InvalidAccount(IdentityError):
    code = "invalid"


class EmailTaken(IdentityError):
    code = "email_taken"


class InvalidCredentials(IdentityError):
    code = "invalid_credentials"


class AccountNotFound(IdentityError):
    code = "not_found"


class AccountDisabled(IdentityError):
    code = "account_disabled"


class RoleConflict(IdentityError):
    code = "role_conflict"


class InvalidToken(IdentityError):
    """A token that must not be honoured; `code` says why, never how the token looked."""

    code = "token_invalid"

    def __init__(self, message: str = "The token is not valid.", *, code: str | None = None, **ids: object) -> None:
        super().__init__(message, field=None, **ids)
        if code is not None:
            self.code = code


TOKEN_ERROR_CODES = frozenset({"token_invalid", "token_expired", "token_revoked", "token_wrong_type"})


def clean_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidAccount(f"The role must be one of {', '.join(ROLES)}.", field="role")
    return role


def clean_display_name(display_name: object) -> str:
    """A public name, optional: one line, through the client-text rule."""
    return clean_text(
        display_name, field="display_name", max_length=DISPLAY_NAME_MAX_LENGTH, required=False, error=InvalidAccount
    )


def clean_reason(reason: object) -> str:
    """Why staff disabled an account: a required note, which may span lines."""
    return clean_text(reason, field="reason", max_length=REASON_MAX_LENGTH, multiline=True, error=InvalidAccount)


def clean_method(method: str) -> str:
    method = (method or "").strip()
    if not method or len(method) > METHOD_MAX_LENGTH:
        raise InvalidAccount(f"A sign-in method is 1 to {METHOD_MAX_LENGTH} characters.", field="method")
    return method


class Account(Aggregate):
    """One user's account, id = the User row's UUID. Public methods check; the @event methods only apply."""

    class Registered(Aggregate.Created):
        email: str
        role: str
        method: str

    @event(Registered)
    def __init__(self, email: str, role: str, method: str, timestamp: datetime) -> None:
        self.email = email
        self.roles = {role}
        self.registered_with = method
        self.registered_at = timestamp
        self.disabled_reason: str | None = None
        self.disabled_at: datetime | None = None
        self.password_changed_at: datetime | None = None
        self.last_login_at: datetime | None = None
        self.last_login_method: str | None = None
        self.closed_at: datetime | None = None
        self.closed_reason: str | None = None

    @classmethod
    def register(cls, user_id: UUID, email: str, role: str, method: str, at: datetime) -> Account:
        email = (email or "").strip().lower()
        if "@" not in email:
            raise InvalidAccount("Enter a valid email address.", field="email")
        return cls._create(
            cls.Registered, id=user_id, email=email, role=clean_role(role), method=clean_method(method), timestamp=at
        )

    @property
    def role(self) -> str:
        """The one role the account holds."""
        return next(iter(self.roles))

    @property
    def is_disabled(self) -> bool:
        return self.disabled_at is not None

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def check_open(self) -> None:
        """A closed account's row is gone: nothing more happens to it."""
        if self.is_closed:
            raise AccountNotFound("This account was closed.", account_id=self.id)

    def check_enabled(self) -> None:
        self.check_open()
        if self.is_disabled:
            raise AccountDisabled("This account is disabled.", account_id=self.id)

    def grant_role(self, role: str, at: datetime) -> None:
        """Granting replaces the current role: an account holds one at a time."""
        self.check_enabled()
        role = clean_role(role)
        if role in self.roles:
            raise RoleConflict(f"The account already has the {role} role.", field="role", account_id=self.id)
        for current in sorted(self.roles):
            self._role_revoked(role=current, timestamp=at)
        self._role_granted(role=role, timestamp=at)

    def revoke_role(self, role: str, at: datetime) -> None:
        """Revoking falls back to the base role, which itself cannot be revoked."""
        self.check_enabled()
        role = clean_role(role)
        if role not in self.roles:
            raise RoleConflict(f"The account does not have the {role} role.", field="role", account_id=self.id)
        if role == BASE_ROLE:
            raise RoleConflict("The base role cannot be revoked.", field="role", account_id=self.id)
        self._role_revoked(role=role, timestamp=at)
        self._role_granted(role=BASE_ROLE, timestamp=at)

    def disable(self, reason: str, at: datetime) -> None:
        self.check_enabled()
        self._disabled(reason=clean_reason(reason), timestamp=at)

    def enable(self, at: datetime) -> None:
        """Staff lift a disable; tokens issued before it stay refused (the row's not-before keeps them out)."""
        self.check_open()
        if not self.is_disabled:
            raise InvalidAccount("This account is not disabled.", field="is_active", account_id=self.id)
        self._enabled(timestamp=at)

    def change_password(self, at: datetime) -> None:
        """Only the fact is recorded: a hash never enters the event stream."""
        self.check_enabled()
        self._password_changed(timestamp=at)

    def record_login(self, method: str, at: datetime) -> None:
        self.check_enabled()
        self._logged_in(method=clean_method(method), timestamp=at)

    class RoleGranted(Aggregate.Event):
        role: str

    @event(RoleGranted)
    def _role_granted(self, role: str, timestamp: datetime) -> None:
        self.roles.add(role)

    class RoleRevoked(Aggregate.Event):
        role: str

    @event(RoleRevoked)
    def _role_revoked(self, role: str, timestamp: datetime) -> None:
        self.roles.discard(role)

    class Disabled(Aggregate.Event):
        reason: str

    @event(Disabled)
    def _disabled(self, reason: str, timestamp: datetime) -> None:
        self.disabled_reason = reason
        self.disabled_at = timestamp

    class Enabled(Aggregate.Event):
        pass

    @event(Enabled)
    def _enabled(self, timestamp: datetime) -> None:
        self.disabled_reason = None
        self.disabled_at = None

    class PasswordChanged(Aggregate.Event):
        pass

    @event(PasswordChanged)
    def _password_changed(self, timestamp: datetime) -> None:
        self.password_changed_at = timestamp

    class LoggedIn(Aggregate.Event):
        method: str

    @event(LoggedIn)
    def _logged_in(self, method: str, timestamp: datetime) -> None:
        self.last_login_at = timestamp
        self.last_login_method = method

    def close(self, reason: str, closed_by: UUID | None, at: datetime) -> None:
        """The account's row was deleted. `closed_by` is the staff member's account id, if staff did it."""
        self.check_open()
        reason = (reason or "").strip()
        if not reason or len(reason) > REASON_MAX_LENGTH:
            raise InvalidAccount(f"Give a reason of 1 to {REASON_MAX_LENGTH} characters.", field="reason")
        self._closed(reason=reason, closed_by=closed_by, timestamp=at)

    class Closed(Aggregate.Event):
        reason: str
        closed_by: UUID | None

    @event(Closed)
    def _closed(self, reason: str, closed_by: UUID | None, timestamp: datetime) -> None:
        self.closed_at = timestamp
        self.closed_reason = reason
