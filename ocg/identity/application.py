"""The identity context's commands: primitives and ids in, one save per command.

Every way of making a User row (sign-up, the admin, `User.objects.create_user`) registers its
account in the same transaction. A row made otherwise (a raw ORM create, a row older than this
rule) has no stream yet: the first command on it registers the account from the row, in the same save.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from ocg.identity.domain import Account, AccountNotFound
from ocg.spine.eventstore import ContextApplication, command

ADOPTED = "existing"


@dataclass(frozen=True)
class KnownUser:
    """What the auth table says about a user, enough to register a stream it never had."""

    email: str
    role: str


class IdentityApplication(ContextApplication):
    name = "identity"
    # Each command pairs an event with a User row write: both commit in one transaction.
    joins_django_transactions = True

    @command
    def register(self, user_id: UUID, email: str, role: str, method: str) -> UUID:
        account = Account.register(user_id, email, role, method, at=Account.Registered.create_timestamp())
        self.save(account)
        return account.id

    @command
    def grant_role(self, user_id: UUID, role: str, known: KnownUser | None = None) -> None:
        account = self._account(user_id, known)
        account.grant_role(role, at=Account.Event.create_timestamp())
        self.save(account)

    @command
    def revoke_role(self, user_id: UUID, role: str, known: KnownUser | None = None) -> None:
        account = self._account(user_id, known)
        account.revoke_role(role, at=Account.Event.create_timestamp())
        self.save(account)

    @command
    def disable(self, user_id: UUID, reason: str, known: KnownUser | None = None) -> None:
        account = self._account(user_id, known)
        account.disable(reason, at=Account.Event.create_timestamp())
        self.save(account)

    @command
    def enable(self, user_id: UUID, known: KnownUser | None = None) -> None:
        account = self._account(user_id, known)
        account.enable(at=Account.Event.create_timestamp())
        self.save(account)

    @command
    def change_password(self, user_id: UUID, known: KnownUser | None = None) -> None:
        account = self._account(user_id, known)
        account.change_password(at=Account.Event.create_timestamp())
        self.save(account)

    @command
    def record_login(self, user_id: UUID, method: str, known: KnownUser | None = None) -> None:
        account = self._account(user_id, known, adopt_method=method)
        account.record_login(method, at=Account.Event.create_timestamp())
        self.save(account)

    @command
    def close_account(
        self, user_id: UUID, reason: str, closed_by: UUID | None = None, known: KnownUser | None = None
    ) -> None:
        account = self._account(user_id, known)
        account.close(reason, closed_by, at=Account.Event.create_timestamp())
        self.save(account)

    def account(self, user_id: UUID) -> Account:
        try:
            return self.repository.get(user_id)
        except AggregateNotFoundError:
            raise AccountNotFound(f"No account {user_id}.", account_id=user_id) from None

    def _account(self, user_id: UUID, known: KnownUser | None, adopt_method: str = ADOPTED) -> Account:
        try:
            return self.repository.get(user_id)
        except AggregateNotFoundError:
            if known is None:
                raise AccountNotFound(f"No account {user_id}.", account_id=user_id) from None
        return Account.register(
            user_id, known.email, known.role, adopt_method, at=Account.Registered.create_timestamp()
        )
