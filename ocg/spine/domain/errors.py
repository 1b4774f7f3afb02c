"""The base of all domain errors; plain Python, importable from any context's domain.py."""


class DomainError(Exception):
    """A refused command or request: a stable `code`, a message for people, the field at fault, the ids concerned."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, **ids: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.ids = ids
