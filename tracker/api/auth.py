from __future__ import annotations

from flask import jsonify, request

from tracker.accounts import services as accounts
from tracker.api import bp
from tracker.api.common import Unauthorized, api_login_required, json_body, require
from tracker.core.security import limiter


@bp.post("/token")
@limiter.limit("30 per minute")
def token():
    data = json_body()
    require(data, "username", "password")
    try:
        user = accounts.authenticate(str(data["username"]), str(data["password"]))
    except accounts.LoginFailed as exc:
        raise Unauthorized(exc.message) from None
    value, expires = accounts.issue_token(user)
    return jsonify({"token": value, "expires_at": expires.isoformat()}), 201


@bp.delete("/token")
@api_login_required
def revoke():
    header = request.headers.get("Authorization", "")
    accounts.revoke_token(header[7:].strip())
    return "", 204
