"""Embedded mode's file flow over HTTP: `PUT /api/uploads/{ticket}` with the raw bytes, then `/media/<key>`."""

from __future__ import annotations

import os

import pytest
from django.core.files.storage import default_storage

from ocg.identity.models import Role
from tests.catalog.rest_support import API, Api, field_errors, image_bytes, make_user


@pytest.fixture
def designer(client, event_store, run_projection, settings, local_storage) -> Api:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    run_projection("catalog")
    return Api(client, make_user(Role.DESIGNER, "Ada Atelier"))


def ticket(designer: Api, content_type: str = "image/png") -> dict:
    product = designer.post(f"{API}/products", {"name": "Silk Gown"}).json()
    response = designer.post(f"{API}/products/{product['id']}/images/upload-url", {"content_type": content_type})
    assert response.status_code == 200, response.content
    return response.json()


def test_the_ticket_is_the_credential_and_the_upload_answers_201_with_its_key(client, designer, settings):
    issued = ticket(designer)
    assert (issued["method"], issued["headers"], issued["fields"]) == ("PUT", {"Content-Type": "image/png"}, {})
    data = image_bytes("PNG", (40, 30))

    stored = Api(client).put(issued["url"], content_type="image/png", data=data)

    assert stored.status_code == 201
    assert stored.json() == {"key": issued["key"], "size": len(data), "content_type": "image/png"}
    assert (settings.MEDIA_ROOT / issued["key"]).read_bytes() == data


def test_a_file_over_the_api_body_limit_is_taken_up_to_its_tickets_limit(client, designer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    settings.CATALOG_IMAGE_MAX_BYTES = 64 * 1024
    data = os.urandom(16 * 1024)
    issued = ticket(designer)

    assert Api(client).put(issued["url"], content_type="image/png", data=data).status_code == 201

    over = ticket(designer)
    refused = Api(client).put(over["url"], content_type="image/png", data=b"\x89" * (64 * 1024 + 1))
    assert (refused.status_code, field_errors(refused)) == (400, {("file", "invalid_upload")})
    assert not default_storage.exists(over["key"])


def test_refused_uploads_store_nothing(client, designer):
    issued = ticket(designer)
    anonymous = Api(client)
    for url, content_type, data, field in (
        (issued["url"], "image/jpeg", image_bytes("PNG"), "contentType"),
        (issued["url"] + "x", "image/png", image_bytes("PNG"), "ticket"),
        ("/api/uploads/not-a-ticket", "image/png", image_bytes("PNG"), "ticket"),
        (issued["url"], "image/png", b"", "file"),
    ):
        response = anonymous.put(url, data=data, CONTENT_TYPE=content_type)
        assert (response.status_code, field_errors(response)) == (400, {(field, "invalid_upload")}), field
    assert not default_storage.exists(issued["key"])

    assert anonymous.put(issued["url"], content_type="image/png", data=image_bytes("PNG")).status_code == 201
    again = anonymous.put(issued["url"], content_type="image/png", data=image_bytes("PNG", (9, 9)))
    assert (again.status_code, field_errors(again)) == (400, {("ticket", "invalid_upload")})


def test_uploaded_files_are_served_from_media_root_and_nothing_else(client, designer, settings, tmp_path):
    issued = ticket(designer)
    data = image_bytes("PNG")
    Api(client).put(issued["url"], content_type="image/png", data=data)
    (tmp_path / "secret.txt").write_text("not for the web")

    served = client.get(f"/media/{issued['key']}")
    assert served.status_code == 200
    assert (served["Content-Type"], served["X-Content-Type-Options"]) == ("image/png", "nosniff")
    assert b"".join(served.streaming_content) == data
    assert client.head(f"/media/{issued['key']}").status_code == 200
    assert client.post(f"/media/{issued['key']}").status_code == 405
    for path in ("/media/../secret.txt", "/media/%2e%2e/secret.txt", "/media/..%2fsecret.txt", "/media/products/"):
        refused = client.get(path)
        assert refused.status_code in (400, 404), path
        assert b"not for the web" not in refused.content
    assert client.get("/media/products/nothing-here.png").status_code == 404


def test_with_s3_configured_neither_local_endpoint_answers(client, designer, settings):
    issued = ticket(designer)
    Api(client).put(issued["url"], content_type="image/png", data=image_bytes("PNG"))
    settings.AWS_STORAGE_BUCKET_NAME = "a-bucket"

    refused = Api(client).put(issued["url"], content_type="image/png", data=image_bytes("PNG"))
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    assert client.get(f"/media/{issued['key']}").status_code == 404
