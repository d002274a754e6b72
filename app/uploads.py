"""Uploaded documents (licence copies, permits): safe names, type and size limits."""
import os
import uuid

from flask import current_app
from flask_appbuilder.filemanager import FileManager
from flask_appbuilder.upload import BS3FileUploadFieldWidget, FileUploadField
from flask_babel import gettext
from markupsafe import escape

from app.domain.validation import N_
from wtforms.validators import ValidationError

# Extension -> the leading bytes every file of that type starts with.
ALLOWED_TYPES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}


def extension_of(filename: str) -> str:
    return filename.rsplit(".", 1)[1].lower() if "." in filename else ""


def upload_problem(filename: str, head: bytes, size: int, max_bytes: int) -> str | None:
    """Why an upload is refused (untranslated), or None. Pure, for direct tests."""
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


class DocumentUploadWidget(BS3FileUploadFieldWidget):
    """FAB's upload widget, its "Delete" tick box (remove the stored file) labelled in the page's language."""

    @property
    def data_template(self):
        label = str(escape(gettext("Remove this file"))).replace("%", "%%")
        return BS3FileUploadFieldWidget.data_template.replace(">Delete</input>", f">{label}</input>")


class DocumentField(FileUploadField):
    widget = DocumentUploadWidget()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, [validate_document] + list(validators or []),
                         filemanager=DocumentFileManager(), **kwargs)


def validate_document(form, field):
    data = field.data
    if not data or not getattr(data, "filename", None):
        return
    stream = data.stream
    head = stream.read(16)
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    max_bytes = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    problem = upload_problem(data.filename, head, size, max_bytes)
    if problem:
        raise ValidationError(gettext(problem))
