"""The embedded mode's upload endpoint: `PUT /api/uploads/{ticket}` with the file's raw bytes.

The signed ticket is the credential (it names the key, the content type and the size limit), so the
endpoint needs no Authorization header. With S3 configured clients send files to S3 itself and
this address answers 404.
"""

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Path, Router, Schema, Status

from ocg.spine import uploads
from ocg.spine.rest import ErrorOut

router = Router(tags=["uploads"])

RAW_BODY = {
    "requestBody": {
        "required": True,
        "description": "The file's bytes as they are (no form, no JSON), with the Content-Type the ticket names.",
        "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
    }
}


class StoredOut(Schema):
    key: str = Field(description="What to attach: the key the ticket named.")
    size: int = Field(description="Bytes stored.")
    content_type: str


@router.put(
    "/{ticket}",
    auth=None,
    response={201: StoredOut, 400: ErrorOut, 404: ErrorOut},
    summary="Upload one file with a ticket (embedded mode; with S3, files go to S3's pre-signed POST)",
    openapi_extra=RAW_BODY,
)
def upload(request: HttpRequest, ticket: str = Path(..., max_length=4096)) -> Any:
    if uploads.uses_s3():
        raise Http404
    return Status(201, uploads.receive_local_upload(ticket, request))
