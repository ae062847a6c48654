from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required, login_user, logout_user

from tracker.accounts import services
from tracker.accounts.forms import LoginForm
from tracker.core.enums import Role
from tracker.core.security import limiter

bp = Blueprint("accounts", __name__)

HOME_BY_ROLE = {
    Role.OFFICE: "stats.dashboard",
    Role.LEADER: "stats.dashboard",
    Role.UNIT_HANDLER: "assignments.inbox",
    Role.UNIT_LEADER: "assignments.inbox",
    Role.SUBMITTER: "items.mine",
    Role.ADMIN: "admin.users",
}


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return None
    # Browsers read "/\\evil.example" as "//evil.example" (another site): only plain local paths.
    if target.startswith("//") or "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"], error_message="尝试次数过多，请稍后再试")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data)
        except services.LoginFailed as exc:
            flash(exc.message, "danger")
            return render_template("accounts/login.html", form=form), 200
        login_user(user)
        return redirect(_safe_next(request.args.get("next")) or url_for("accounts.home"))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    services.logout_everywhere(current_user)
    logout_user()
    flash(gettext("您已安全退出"), "success")
    return redirect(url_for("accounts.login"))


@bp.get("/")
@login_required
def home():
    endpoint = HOME_BY_ROLE.get(Role(current_user.role), "items.index")
    from flask import current_app

    if endpoint not in current_app.view_functions:
        endpoint = "accounts.profile"
    return redirect(url_for(endpoint))


@bp.get("/me")
@login_required
def profile():
    return render_template("accounts/profile.html")
