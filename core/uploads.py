"""Upload checks for documents: the kind is read from the content, never trusted from the name, and
the size is checked against the limit the caller's setting gives. Spreadsheets are checked in
core/spreadsheets.py (check_upload)."""

import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PDF_MAGIC = b"%PDF-"


def check_size(upload, *, limit: int) -> None:
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(upload.size / 2**20, 1), "limit": limit // 2**20}
        )


def _head(upload, length: int) -> bytes:
    upload.seek(0)
    head = upload.read(length)
    upload.seek(0)
    return head


def is_pdf(upload) -> bool:
    return _head(upload, len(PDF_MAGIC)) == PDF_MAGIC


def is_docx(upload) -> bool:
    """A zip archive holding a Word document part."""
    if _head(upload, 4) != b"PK\x03\x04":
        return False
    try:
        with zipfile.ZipFile(upload) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False
    finally:
        upload.seek(0)
