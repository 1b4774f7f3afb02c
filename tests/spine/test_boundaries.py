"""The spine is the ground floor: it imports no bounded context and holds none of their names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ocg.spine.contexts import contexts

SPINE = Path(__file__).resolve().parents[2] / "ocg" / "spine"


def spine_modules() -> list[Path]:
    return sorted(path for path in SPINE.rglob("*.py") if "migrations" not in path.parts)


def docstring_nodes(tree: ast.Module) -> set[int]:
    """ids of the string constants that are docstrings: prose may name a context as an example."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


@pytest.fixture(scope="module")
def context_labels() -> set[str]:
    labels = {config.label for config in contexts()}
    assert {"catalog", "identity", "orders"} <= labels
    return labels


@pytest.mark.parametrize("path", spine_modules(), ids=lambda path: str(path.relative_to(SPINE)))
def test_a_spine_module_imports_no_context_and_names_none(path, context_labels):
    tree = ast.parse(path.read_text())
    packages = {f"ocg.{label}" for label in context_labels}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        for name in names:
            assert not any(name == p or name.startswith(p + ".") for p in packages), f"{path.name} imports {name}"
    docstrings = docstring_nodes(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            words = {word.strip("\"'.:/_-") for word in node.value.replace("_", " ").replace(".", " ").split()}
            assert not words & context_labels, f"{path.name} holds a context's name in {node.value!r}"
