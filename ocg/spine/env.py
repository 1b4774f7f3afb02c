"""Settings from the environment: every NAME may also be given as NAME_FILE (a mounted secret)."""

import os

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on", "y", "t"}


def env(name: str, default: str | None = None) -> str | None:
    """The value of NAME, else the contents of the file named by NAME_FILE, else the default."""
    value = os.environ.get(name)
    if value is not None and value != "":
        return value
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as secret:
                return secret.read().strip()
        except OSError as error:
            raise ImproperlyConfigured(f"{name}_FILE points at {path!r}, which cannot be read: {error}") from error
    return default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    return default if value is None else value.strip().lower() in TRUE_WORDS


def env_int(name: str, default: int) -> int:
    value = env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from error


def env_float(name: str, default: float) -> float:
    value = env(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from error


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]
