"""Helpers for the catalog's REST tests: signed-in calls, and every answer checked against the OpenAPI document."""

from __future__ import annotations

import io
import json
import re
from typing import Any
from uuid import uuid4

from PIL import Image

from ocg.identity import tokens
from ocg.identity.models import User
from tests.gateway.test_error_contract import OPENAPI, assert_documented

PASSWORD = "a-long-password-9"
API = "/api/catalog"


def make_user(role: str, name: str = "") -> User:
    return User.objects.create_user(f"{role}-{uuid4().hex[:8]}@example.com", PASSWORD, role=role, display_name=name)


def bearer(user: User | None) -> dict[str, str]:
    if user is None:
        return {}
    return {"HTTP_AUTHORIZATION": f"Bearer {tokens.issue_token_pair(user, 'password')['access']}"}


def documented_path(method: str, url: str) -> str:
    """The OpenAPI path template `url` was made from (a concrete URL, query string and all)."""
    path = url.split("?", 1)[0]
    for template, item in OPENAPI["paths"].items():
        if method in item and re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path):
            return template
    raise AssertionError(f"{method.upper()} {path} is not in the OpenAPI document")


class Api:
    """A Django test client speaking JSON to the API as one user (or anonymously); each answer must match
    the status and schema the OpenAPI document lists for its operation."""

    def __init__(self, client: Any, user: User | None = None) -> None:
        self.client = client
        self.user = user

    def call(self, method: str, url: str, body: Any = None, **extra: Any) -> Any:
        headers = {**bearer(self.user), **extra}
        if body is None:
            response = self.client.generic(method.upper(), url, **headers)
        else:
            response = self.client.generic(
                method.upper(), url, json.dumps(body), content_type="application/json", **headers
            )
        assert_documented(method, documented_path(method, url), response)
        return response

    def get(self, url: str, **extra: Any) -> Any:
        return self.call("get", url, **extra)

    def post(self, url: str, body: Any = None, **extra: Any) -> Any:
        return self.call("post", url, body, **extra)

    def put(self, url: str, body: Any = None, **extra: Any) -> Any:
        return self.call("put", url, body, **extra)

    def patch(self, url: str, body: Any = None, **extra: Any) -> Any:
        return self.call("patch", url, body, **extra)

    def delete(self, url: str, **extra: Any) -> Any:
        return self.call("delete", url, **extra)


def image_bytes(image_format: str = "JPEG", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 30, 60)).save(buffer, image_format)
    return buffer.getvalue()


def field_errors(response: Any) -> set[tuple[str | None, str]]:
    return {(error["field"], error["code"]) for error in response.json()["errors"]}
