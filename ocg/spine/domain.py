"""What every context's domain shares: the base of all domain errors.

Plain Python with no imports, so a context's domain.py may use it and still depend on nothing
but the standard library and eventsourcing.domain.
"""


class DomainError(Exception):
    """A refused command or request: a stable `code`, a message for people, the field at fault, the ids concerned."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, **ids: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.ids = ids
