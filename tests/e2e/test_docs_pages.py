"""GraphiQL and Swagger UI load only the deployable's own static files, under a CSP that runs no inline script."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx
import pytest

from ocg.spine.docpages import DOCS_CONTENT_SECURITY_POLICY
from tests.e2e.asgi_server import running_server

URL = re.compile(r"""(?:https?:)?//[^\s"'<>]+""")


class Tags(HTMLParser):
    """Every tag with its attributes, and the text of each <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


def assets(tags: Tags) -> list[tuple[str, str | None]]:
    """(URL, integrity) of every script and stylesheet the page loads."""
    found = []
    for tag, attrs in tags.tags:
        if tag == "script" and attrs.get("src"):
            found.append((attrs["src"], attrs.get("integrity")))
        elif tag == "link" and attrs.get("href"):
            found.append((attrs["href"], attrs.get("integrity")))
    return found


@pytest.fixture
def debug_server(transactional_db, tmp_path):
    with running_server(tmp_path / "server.log", DEBUG="1") as server:
        yield server


@pytest.mark.parametrize(
    ("path", "accept"),
    [("/graphql", "text/html"), ("/api/docs", "text/html")],
    ids=["graphiql", "swagger"],
)
def test_the_docs_page_loads_only_our_own_static_files(debug_server, path, accept):
    page = httpx.get(f"{debug_server.base}{path}", headers={"Accept": accept}, timeout=10)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == DOCS_CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in DOCS_CONTENT_SECURITY_POLICY

    assert URL.findall(page.text) == []
    tags = parse(page.text)
    for attrs, text in tags.scripts:
        if not attrs.get("src"):
            assert attrs.get("type") == "application/json", f"an inline script would be refused: {text[:80]}"
            json.loads(text)

    loaded = assets(tags)
    assert len([url for url, _ in loaded if url.endswith(".js")]) >= 2
    for url, integrity in loaded:
        assert urlsplit(url).netloc == "" and url.startswith("/static/"), url
        asset = httpx.get(f"{debug_server.base}{url}", timeout=10)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].split(";")[0] in (
            "text/javascript",
            "application/javascript",
            "text/css",
            "image/png",
            "image/svg+xml",
        ), url
        if integrity:
            digest = base64.b64encode(hashlib.sha256(asset.content).digest()).decode()
            assert integrity == f"sha256-{digest}", url


def test_graphiql_keeps_its_settings_and_csrf_field(debug_server):
    page = httpx.get(f"{debug_server.base}/graphql", headers={"Accept": "text/html"}, timeout=10)
    tags = parse(page.text)
    [settings_block] = [text for attrs, text in tags.scripts if attrs.get("id") == "graphene-settings"]
    assert set(json.loads(settings_block)) >= {"graphiqlHeaderEditorEnabled", "graphiqlShouldPersistHeaders"}
    assert any(attrs.get("name") == "csrfmiddlewaretoken" for tag, attrs in tags.tags if tag == "input")


def test_api_answers_keep_the_strict_api_policy(debug_server):
    answer = httpx.post(f"{debug_server.base}/graphql", json={"query": "{ __typename }"}, timeout=10)
    assert answer.headers["content-type"].startswith("application/json")
    assert "script-src" not in answer.headers["content-security-policy"]
    schema = httpx.get(f"{debug_server.base}/api/openapi.json", timeout=10)
    assert schema.status_code == 200
    assert "script-src" not in schema.headers["content-security-policy"]
