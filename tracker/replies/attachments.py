"""Reply attachments: PDF, Word and images, recognised by their content (magic bytes), never by
their name; at most MAX_FILE_BYTES each (20 MB by default); stored under UPLOAD_DIR with a random
name and served only through a permission-checked download route."""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import secrets
import zipfile
from pathlib import Path
from typing import Any

from flask import current_app

from tracker.accounts import policy
from tracker.audit import services as audit
from tracker.core import clock
from tracker.core.db import db
from tracker.core.enums import ReplyStatus
from tracker.core.errors import Conflict, NotFound, ValidationFailed, ensure
from tracker.items import services as items
from tracker.items.workflow import Action
from tracker.replies.models import Attachment, Reply

MAX_BYTES = 20 * 1024 * 1024  # the default of the MAX_FILE_BYTES setting


def max_bytes() -> int:
    """The largest file a user may upload (the MAX_FILE_BYTES setting, TRACKER_MAX_UPLOAD_MB)."""
    return int(current_app.config.get("MAX_FILE_BYTES") or MAX_BYTES)
MAX_PER_REPLY = 20
ALLOWED_TEXT = "PDF、Word（.doc/.docx）或图片（JPG/PNG/GIF）"

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORD_STREAM = "WordDocument".encode("utf-16-le")


def detect(data: bytes) -> tuple[str, str] | None:
    """(extension, MIME type) from the file's content, or None when it is not an allowed type."""
    if data.startswith(b"%PDF-"):
        return "pdf", "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png", "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg", "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif", "image/gif"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            return "docx", DOCX_MIME
        return None
    if data.startswith(_OLE) and _WORD_STREAM in data[:1 << 20]:
        return "doc", "application/msword"
    return None


_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\/:*?\"<>|]+")


def clean_filename(name: str, ext: str) -> str:
    """The name shown and offered on download: no path or control characters, the right extension."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip(" .") or "附件"
    if not base.lower().endswith("." + ext) and not (ext == "jpg" and base.lower().endswith(".jpeg")):
        base = f"{base}.{ext}"
    if len(base) > 200:
        base = base[:190] + "." + ext
    return base


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(attachment: Attachment) -> Path:
    return upload_dir() / attachment.stored_name


def _ensure_may_change(reply: Reply, actor: Any) -> None:
    ensure(policy.can(actor, Action.DRAFT_REPLY, reply))
    items.ensure_writable(reply.assignment.item)
    if reply.status == ReplyStatus.SENT.value:
        raise Conflict("答复已发送，附件不能再增删", code="not_draft")
    if reply.status != ReplyStatus.DRAFT.value:
        raise Conflict("答复已提交，不能再增删附件；如需修改，请由签发、会签或审核人退回", code="not_draft")


def check_upload(filename: str, data: bytes) -> tuple[str, str]:
    """(extension, MIME type) of an acceptable upload; else ValidationFailed (field ``files``)."""
    shown = _UNSAFE.sub("_", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])[:100] or "该文件"
    if not data:
        message = f"“{shown}”是空文件"
        raise ValidationFailed(message, fields={"files": message})
    limit = max_bytes()
    if len(data) > limit:
        message = f"“{shown}”超过 {limit // 1048576} MB，每个附件不能超过 {limit // 1048576} MB"
        raise ValidationFailed(message, fields={"files": message})
    kind = detect(data)
    if kind is None:
        message = f"“{shown}”不是允许的文件类型，只能上传{ALLOWED_TEXT}（按文件内容识别）"
        raise ValidationFailed(message, fields={"files": message})
    return kind


def add_attachment(reply: Reply, *, actor: Any, filename: str, data: bytes) -> Attachment:
    """Check and store one uploaded file for a draft reply."""
    _ensure_may_change(reply, actor)
    kind = check_upload(filename, data)
    if Attachment.select().where(Attachment.reply == reply.id).count() >= MAX_PER_REPLY:
        message = f"每份答复最多 {MAX_PER_REPLY} 个附件"
        raise ValidationFailed(message, fields={"files": message})
    ext, mime = kind
    stored = secrets.token_hex(16)
    target = upload_dir() / stored
    target.write_bytes(data)
    try:
        with db.atomic():
            a = reply.assignment
            att = Attachment.create(reply=reply, item=a.item_id, filename=clean_filename(filename, ext),
                                    stored_name=stored, content_type=mime, size=len(data),
                                    sha256=hashlib.sha256(data).hexdigest(), uploaded_by=actor.id,
                                    uploaded_at=clock.now())
            audit.record("attachment_added", att, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
                         after={"filename": att.filename, "size": att.size},
                         detail=f"{a.unit.name}上传答复附件“{att.filename}”")
    except Exception:
        target.unlink(missing_ok=True)
        raise
    return att


def remove_attachment(att: Attachment, *, actor: Any) -> None:
    reply = att.reply
    _ensure_may_change(reply, actor)
    a = reply.assignment
    with db.atomic():
        att.delete_instance()
        audit.record("attachment_removed", att, actor=actor, item_id=a.item_id, unit_id=a.unit_id,
                     before={"filename": att.filename}, detail=f"{a.unit.name}删除答复附件“{att.filename}”")
    with contextlib.suppress(OSError):
        path_of(att).unlink(missing_ok=True)


def get_attachment_for(user: Any, attachment_id: int) -> Attachment:
    """An attachment whose reply (or item) the user may see, else NotFound (404)."""
    att = Attachment.get_or_none(Attachment.id == attachment_id)
    if att is None:
        raise NotFound()
    visible = (policy.can_view_reply(user, att.reply) if att.reply_id is not None
               else policy.can_view_item(user, att.item))
    if not visible:
        raise NotFound()
    return att


def attachments_of(reply: Reply) -> list[Attachment]:
    return list(Attachment.select().where(Attachment.reply == reply.id).order_by(Attachment.id))
