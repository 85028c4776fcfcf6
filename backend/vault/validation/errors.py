"""The one error an upload can fail with, and its stable codes and user-facing messages."""

from __future__ import annotations

from django.utils.translation import gettext as _

from backend.core.errors import AppError

EMPTY_FILE = "empty_file"
FILE_TOO_LARGE = "file_too_large"
UNSUPPORTED_FILE_TYPE = "unsupported_file_type"
FILE_TYPE_MISMATCH = "file_type_mismatch"
MALFORMED_FILE = "malformed_file"
DECOMPRESSION_BOMB = "decompression_bomb"
PDF_ACTIVE_CONTENT = "pdf_active_content"
PDF_ENCRYPTED = "pdf_encrypted"
PDF_TOO_COMPLEX = "pdf_too_complex"

_STATUS_BY_CODE = {FILE_TOO_LARGE: 413, UNSUPPORTED_FILE_TYPE: 415}


class UploadRejected(AppError):
    """A file the vault will not store. 400, except 413 (too large) and 415 (unsupported type).

    ``fields`` defaults to ``{"file": [message]}`` so clients can show the message next to the
    file picker. Messages never contain anything read from the file.
    """

    status_code = 400
    default_code = MALFORMED_FILE

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        fields: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        code = code or self.default_code
        super().__init__(
            message,
            code=code,
            status=status or _STATUS_BY_CODE.get(code, 400),
            fields=fields if fields is not None else {"file": [str(message)]},
            headers=headers,
        )


def _message(code: str, limit_mb: int | None) -> str:
    if code == EMPTY_FILE:
        return _("The file is empty. Choose the file again and upload it.")
    if code == FILE_TOO_LARGE:
        return _(
            "The file is too large (the limit is %(limit)s MB). Take a smaller photo or split "
            "the document into several files."
        ) % {"limit": limit_mb}
    if code == UNSUPPORTED_FILE_TYPE:
        return _(
            "This kind of file is not supported. Upload a PDF or a photo (JPEG, PNG, WebP or HEIC)."
        )
    if code == FILE_TYPE_MISMATCH:
        return _(
            "The file's contents do not match its name or type. Export it again as a PDF or a "
            "photo and upload that file."
        )
    if code == DECOMPRESSION_BOMB:
        return _(
            "The image has too many pixels to be stored safely. Take a smaller photo or a "
            "screenshot and upload that."
        )
    if code == PDF_ACTIVE_CONTENT:
        return _(
            "This PDF contains scripts, attachments or automatic actions, which are not allowed. "
            "Open it and use Print → Save as PDF, then upload the new file."
        )
    if code == PDF_ENCRYPTED:
        return _(
            "This PDF is protected by a password. Open it, save a copy without the password and "
            "upload that copy."
        )
    if code == PDF_TOO_COMPLEX:
        return _(
            "This PDF is too large or complex to check. Split it into smaller files (for "
            "example a few pages each) and upload those."
        )
    return _(
        "The file is damaged or incomplete. Check that it opens on your phone, then upload it "
        "again."
    )


def rejected(code: str, *, limit_bytes: int | None = None) -> UploadRejected:
    """The ``UploadRejected`` for ``code``, with its translated message."""
    limit_mb = None if limit_bytes is None else max(1, limit_bytes // (1024 * 1024))
    return UploadRejected(_message(code, limit_mb), code=code)
