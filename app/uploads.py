"""Uploaded documents (licence copies, operating permits, proof evidence, supporting documents).

- Accepted: PDF, PNG and JPEG, checked by content: the leading bytes must match the extension, a PDF must parse
  as a PDF with at least one page (pypdf), an image must decode completely (Pillow: verify, then load). A file
  that starts with `%PDF-` but is an HTML page is refused, next to the field.
- Stored under a random name (`<hex>.<ext>`): the user's file name never reaches the disk. The name the user
  gave, cleaned of paths and control characters, is kept in `<column>_filename` and offered on download.
- Downloaded through the record's view (`/<view>/document/<pk>/<column>`, app.views.documents), which checks
  the read permission and the row's ownership, as an attachment with a content type from the stored type.
- A replaced or removed document's file stays on disk: the form's save can still fail after the field has
  done its work, and the previous document must not be lost then.
"""
import io
import os
import re
import unicodedata
import uuid
import warnings
from urllib.parse import quote

from flask import current_app
from flask_appbuilder.filemanager import FileManager
from flask_appbuilder.upload import FileUploadField
from flask_babel import gettext
from markupsafe import Markup, escape
from werkzeug.datastructures import FileStorage
from wtforms.validators import ValidationError
from wtforms.widgets import html_params

from app.domain.validation import N_

# Extension -> the leading bytes every file of that type starts with.
ALLOWED_TYPES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}
# Extension -> the content type it is served with (never text/html, whatever the file holds).
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}
IMAGE_FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG"}
MAX_FILENAME = 200


def extension_of(filename: str) -> str:
    return filename.rsplit(".", 1)[1].lower() if "." in filename else ""


def content_type_of(stored_name: str) -> str:
    return CONTENT_TYPES.get(extension_of(stored_name), "application/octet-stream")


def upload_problem(filename: str, head: bytes, size: int, max_bytes: int) -> str | None:
    """Why an upload is refused by its name, first bytes and size (untranslated), or None. Pure."""
    ext = extension_of(filename)
    if ext not in ALLOWED_TYPES:
        return N_("Only PDF, PNG and JPEG files can be uploaded.")
    if not any(head.startswith(magic) for magic in ALLOWED_TYPES[ext]):
        return N_("The file's content does not match its extension.")
    if size > max_bytes:
        return N_("The file is larger than the upload limit.")
    if size == 0:
        return N_("The file is empty.")
    return None


def content_problem(ext: str, data: bytes) -> str | None:
    """Why a file's content is refused (untranslated), or None: a PDF must parse and have a page, an image must
    decode completely in the format its extension names. Pure."""
    if ext == "pdf":
        return pdf_problem(data)
    if ext in IMAGE_FORMATS:
        return image_problem(data, IMAGE_FORMATS[ext])
    return N_("Only PDF, PNG and JPEG files can be uploaded.")


def pdf_problem(data: bytes) -> str | None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf warns about every repair it makes
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                return N_("The PDF is protected by a password; upload a copy without one.")
            pages = len(reader.pages)
    except (PyPdfError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, OSError):
        return N_("The file is not a readable PDF.")
    return None if pages > 0 else N_("The file is not a readable PDF.")


def image_problem(data: bytes, expected_format: str) -> str | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                found = image.format
                image.verify()  # structure and checksums
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # every pixel decodes
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError, OSError,
            ValueError, SyntaxError, EOFError):
        return N_("The file is not a readable image.")
    return None if found == expected_format else N_("The file's content does not match its extension.")


def clean_filename(filename: str, ext: str) -> str:
    """The user's file name, fit to keep and to offer on download: no folders, no control, format or line
    characters, at most MAX_FILENAME characters, ending in the checked extension."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(" " if unicodedata.category(ch).startswith("Z") else ch for ch in name
                   if not unicodedata.category(ch).startswith("C"))
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem = name.rsplit(".", 1)[0] if extension_of(name) == ext else name
    stem = stem[: MAX_FILENAME - len(ext) - 1].strip(" .") or "document"
    return f"{stem}.{ext}"


def content_disposition(filename: str) -> str:
    """`attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded name>`."""
    ext = extension_of(filename)
    stem = filename[: -len(ext) - 1] if ext else filename
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    ascii_stem = re.sub(r"[^A-Za-z0-9._ -]", "_", ascii_stem).strip(" ._") or "document"
    ascii_name = f"{ascii_stem}.{ext}" if ext else ascii_stem
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


class DocumentFileManager(FileManager):
    """Stores files as <random hex>.<ext> so user-supplied names never reach the disk."""

    def __init__(self):
        super().__init__(base_path=current_app.config["UPLOAD_FOLDER"], allowed_extensions=tuple(ALLOWED_TYPES))

    def generate_name(self, obj, file_data):
        return f"{uuid.uuid4().hex}.{extension_of(file_data.filename)}"

    def save_file(self, data, filename):
        os.makedirs(self.base_path, exist_ok=True)
        data.save(os.path.join(self.base_path, filename))
        return filename


class DocumentWidget:
    """The file input, with a note and a remove box when a document is on file. It shows nothing of a refused
    upload (FAB's widget printed the rejected `<FileStorage: ...>` into a text box)."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("name", field.name)
        kwargs.setdefault("accept", ".pdf,.png,.jpg,.jpeg")
        file_input = Markup(f'<input class="form-control" {html_params(type="file", **kwargs)}>')
        if not isinstance(field.object_data, str) or not field.object_data:
            return file_input
        remove = html_params(type="checkbox", name=f"_{field.name}-delete", id=f"_{field.name}-delete")
        on_file, remove_label = escape(gettext("A document is on file.")), escape(gettext("Remove it"))
        named = getattr(field, "on_file", None)  # set by the edit page (app.views.documents.prefill_form)
        if named:
            on_file = Markup(f'{escape(gettext("On file:"))} <a href="{escape(named["url"])}" '
                             f'class="adsheet-document-link"><i class="fa fa-download"></i> {escape(named["name"])}</a>')
        return Markup(f'<p class="help-block adsheet-document-on-file">{on_file} '
                      f'<label><input {remove}> {remove_label}</label></p>') + file_input


class DocumentField(FileUploadField):
    widget = DocumentWidget()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, [validate_document] + list(validators or []),
                         filemanager=DocumentFileManager(), **kwargs)

    def populate_obj(self, obj, name):
        """Store a new upload and its cleaned name; a removal clears both. The old file stays on disk."""
        if self._should_delete and not self.has_upload():
            setattr(obj, name, None)
            setattr(obj, f"{name}_filename", None)
            return
        if not self.has_upload():
            return
        ext = extension_of(self.data.filename)
        stored = self.filemanager.save_file(self.data, self.filemanager.generate_name(obj, self.data))
        setattr(obj, name, stored)
        setattr(obj, f"{name}_filename", clean_filename(self.data.filename, ext))

    def has_upload(self) -> bool:
        return isinstance(self.data, FileStorage) and bool(self.data.filename)


def validate_document(form, field):
    data = field.data
    if not isinstance(data, FileStorage) or not data.filename:
        return
    stream = data.stream
    head = stream.read(16)
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    max_bytes = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    problem = upload_problem(data.filename, head, size, max_bytes)
    if problem is None:
        problem = content_problem(extension_of(data.filename), stream.read())
        stream.seek(0)
    if problem:
        raise ValidationError(gettext(problem))
