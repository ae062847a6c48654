"""The Excel import pages (office only): upload → preview of every row → confirm → result.

The uploaded file waits under ``UPLOAD_DIR/imports/`` with a random name; the page
carries its token (in the URL and the confirm form), never the session cookie. The
preview is a dry run of the very import that "confirm" performs, so both show the same
problems.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from tracker.accounts import policy
from tracker.core.enums import ItemKind, choices
from tracker.core.errors import DomainError, ValidationFailed
from tracker.core.forms import SelectField
from tracker.core.templating import english_page
from tracker.core.web import flash_error
from tracker.items import imports

bp = Blueprint("imports", __name__, url_prefix="/imports")

TOKEN_RE = re.compile(r"[0-9a-f]{32}")
KEEP_SECONDS = 24 * 3600


KIND_LABELS = dict(choices(ItemKind))  # lazy: follow the page's language


class UploadForm(FlaskForm):
    session_id = SelectField(_l("会次"), coerce=int, validators=[DataRequired(_l("请选择会次"))])
    kind = SelectField(_l("类别"), choices=[
        SelectChoice("", _l("按会次判断")),
        SelectChoice(ItemKind.SUGGESTION.value, KIND_LABELS[ItemKind.SUGGESTION.value]),
        SelectChoice(ItemKind.PROPOSAL.value, KIND_LABELS[ItemKind.PROPOSAL.value]),
    ], default="")
    file = FileField(_l("Excel 文件（.xlsx）"), validators=[FileRequired(_l("请选择要导入的 Excel 文件"))])
    submit = SubmitField(_l("上传并预览"))


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("确认导入"))


def _require_office() -> None:
    if not policy.has(current_user, policy.Perm.REGISTER_ITEMS):
        abort(403)


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_DIR"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _cleanup(folder: Path) -> None:
    """Forget uploads older than a day."""
    limit = time.time() - KEEP_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue


def _load(token: str) -> tuple[dict[str, Any], Path]:
    """The upload's metadata and file path; 404 unless it is this user's upload."""
    if not TOKEN_RE.fullmatch(token or ""):
        abort(404)
    folder = _folder()
    meta_path = folder / f"{token}.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        abort(404)
    if meta.get("user_id") != current_user.id:
        abort(404)
    return meta, folder / f"{token}.xlsx"


def _save_meta(token: str, meta: dict[str, Any]) -> None:
    (_folder() / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def summary(report: imports.ImportReport) -> str:
    """The report's summary line as the page shows it: ``report.summary()`` (the CLI's line too), or
    its English under ?lang=en."""
    return summary_text(report) if english_page() else report.summary()


def summary_text(report: imports.ImportReport) -> str:
    """``report.summary()`` through the catalogue: its very Chinese in Chinese (the tests compare
    the two), English under ?lang=en."""
    counts = {"rows": len(report.rows), "importable": report.importable, "skipped": len(report.skipped),
              "bad": len(report.problem_rows)}
    if report.problems:
        return gettext("共读取 %(rows)s 行：可导入 %(importable)s 行，已存在跳过 %(skipped)s 行，有问题 %(bad)s 行。"
                       "存在问题，未导入任何数据。", **counts)
    if report.dry_run:
        return gettext("共读取 %(rows)s 行：可导入 %(importable)s 行，已存在跳过 %(skipped)s 行，有问题 %(bad)s 行。"
                       "试运行，未写入任何数据。", **counts)
    return gettext("共读取 %(rows)s 行：可导入 %(importable)s 行，已存在跳过 %(skipped)s 行，有问题 %(bad)s 行。"
                   "已导入 %(imported)s 件。", imported=report.imported, **counts)


def _session_choices() -> list[SelectChoice]:
    from tracker.items.services import sessions_ordered

    return [SelectChoice(s.id, s.name) for s in sessions_ordered()]


@bp.route("/", methods=["GET", "POST"])
@login_required
def upload():
    _require_office()
    form = UploadForm()
    form.session_id.choices = _session_choices()
    if form.validate_on_submit():
        data = form.file.data.read()
        limit = current_app.config["MAX_FILE_BYTES"]
        if len(data) > limit:
            message = gettext("文件超过 %(mb)s MB，请拆分后分批导入", mb=limit // 1048576)
            form.file.errors = [message]
            flash(message, "danger")
            return render_template("imports/upload.html", form=form), 422
        try:
            report = imports.import_items(data, form.session_id.data, form.kind.data or None,
                                          actor=current_user, dry_run=True)
        except ValidationFailed as exc:
            if "file" in exc.fields:
                form.file.errors = [exc.fields["file"]]
                flash(exc.message, "danger")
            else:
                flash_error(exc, form)
            return render_template("imports/upload.html", form=form), 422
        folder = _folder()
        _cleanup(folder)
        token = secrets.token_hex(16)
        (folder / f"{token}.xlsx").write_bytes(data)
        _save_meta(token, {
            "user_id": current_user.id, "session_id": report.session_id, "kind": report.kind,
            "filename": Path(form.file.data.filename or "").name[:200], "uploaded_at": time.time(),
        })
        return redirect(url_for("imports.preview", token=token))
    status = 422 if request.method == "POST" else 200
    return render_template("imports/upload.html", form=form), status


def _run(meta: dict[str, Any], path: Path, *, dry_run: bool) -> imports.ImportReport:
    return imports.import_items(path, meta["session_id"], meta["kind"], actor=current_user,
                                dry_run=dry_run)


@bp.get("/<token>")
@login_required
def preview(token: str):
    _require_office()
    meta, path = _load(token)
    if meta.get("result"):
        return redirect(url_for("imports.result", token=token))
    try:
        report = _run(meta, path, dry_run=True)
    except DomainError as exc:
        flash_error(exc)
        return redirect(url_for("imports.upload"))
    form = ConfirmForm(token=token)
    return render_template("imports/preview.html", report=report, summary=summary(report), meta=meta, form=form,
                           token=token)


@bp.post("/confirm")
@login_required
def confirm():
    _require_office()
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    token = form.token.data
    meta, path = _load(token)
    if meta.get("result"):
        return redirect(url_for("imports.result", token=token))
    try:
        report = _run(meta, path, dry_run=False)
    except DomainError as exc:
        flash_error(exc)
        return redirect(url_for("imports.upload"))
    if not report.ok:
        flash(gettext("数据已发生变化，导入前检查发现问题，未导入任何数据。请处理下列问题后重新导入。"), "danger")
        return render_template("imports/preview.html", report=report, summary=summary(report), meta=meta,
                               form=ConfirmForm(token=token), token=token), 409
    meta["result"] = report.to_dict()
    _save_meta(token, meta)
    path.unlink(missing_ok=True)
    flash(gettext("导入完成：共导入 %(n)s 件。", n=report.imported), "success")
    return redirect(url_for("imports.result", token=token))


@bp.get("/<token>/result")
@login_required
def result(token: str):
    _require_office()
    meta, _path = _load(token)
    if not meta.get("result"):
        return redirect(url_for("imports.preview", token=token))
    report = imports.ImportReport.from_dict(meta["result"])
    return render_template("imports/result.html", report=report, summary=summary(report), meta=meta)
