"""How a bounded context plugs into the spine without the spine knowing it.

Each context's AppConfig derives from `ContextConfig` and declares what it brings: the permissions
its roles hold, its `manage.py bench` entries and its demo data. The spine reads them from the app
registry, so adding a context touches no spine file. A context's apps.py imports this module, not
the class, so that Django still finds exactly one AppConfig in it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib import import_module
from typing import Any, ClassVar

from django.apps import AppConfig, apps


class ContextConfig(AppConfig):
    """Base of every bounded context's AppConfig.

    - `permissions`: permission name -> the roles that hold it (a superuser holds every one);
    - `benchmarks`: `manage.py bench` name -> dotted path of `run(quick: bool) -> dict` of figures;
    - `demo_data`: dotted path of a module with `seed() -> list[str]` (lines to report) and,
      optionally, `banner() -> list[str]` (lines `manage.py serve` prints in DEBUG) and
      `start_services(base_url) -> stop | None` (local stand-ins `manage.py serve` starts first in DEBUG);
    - `health_checks`: check name -> dotted path of `check() -> dict`, shown by /readyz and the admin's
      health page: `{"status": "ok" | "degraded", ...detail}` (detail is JSON, shown as is).
    """

    permissions: ClassVar[dict[str, tuple[str, ...]]] = {}
    benchmarks: ClassVar[dict[str, str]] = {}
    demo_data: ClassVar[str | None] = None
    health_checks: ClassVar[dict[str, str]] = {}


def contexts() -> list[ContextConfig]:
    """The installed contexts, in INSTALLED_APPS order (which is the order demo data is seeded in)."""
    return [config for config in apps.get_app_configs() if isinstance(config, ContextConfig)]


def _unique(kind: str, pairs: list[tuple[str, str, Any]]) -> dict[str, Any]:
    """Merge per-context declarations; one name declared by two contexts is a start-up error."""
    merged: dict[str, Any] = {}
    owners: dict[str, str] = {}
    for owner, name, value in pairs:
        if name in merged and merged[name] != value:
            raise ValueError(f"{kind} {name!r} is declared by both {owners[name]} and {owner}")
        merged[name] = value
        owners[name] = owner
    return merged


@functools.cache
def role_permissions() -> dict[str, frozenset[str]]:
    """Role -> the permissions it holds, from every context's declarations."""
    declared = _unique(
        "permission",
        [(c.label, name, tuple(roles)) for c in contexts() for name, roles in c.permissions.items()],
    )
    by_role: dict[str, set[str]] = {}
    for permission, roles in declared.items():
        for role in roles:
            by_role.setdefault(role, set()).add(permission)
    return {role: frozenset(held) for role, held in by_role.items()}


@functools.cache
def known_permissions() -> frozenset[str]:
    return frozenset(name for c in contexts() for name in c.permissions)


def benchmarks() -> dict[str, str]:
    return _unique("benchmark", [(c.label, name, path) for c in contexts() for name, path in c.benchmarks.items()])


def health_checks() -> dict[str, str]:
    return _unique("health check", [(c.label, n, path) for c in contexts() for n, path in c.health_checks.items()])


def demo_modules() -> list[Any]:
    return [import_module(c.demo_data) for c in contexts() if c.demo_data]


def call_each(modules: list[Any], function: str) -> list[str]:
    """Call `function` on every module that has it; concatenate the lines they return."""
    lines: list[str] = []
    for module in modules:
        hook: Callable[[], list[str]] | None = getattr(module, function, None)
        if hook is not None:
            lines.extend(hook())
    return lines
