"""JWT access tokens that every service verifies on its own, and the unit scope of a caller."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app, g, request
from sqlalchemy import Column, bindparam, select

from shared.db import Database
from shared.errors import ApiError
from shared.settings import Settings

ALGORITHM = "HS256"
COOKIE_NAME = "access_token"
_hasher = PasswordHasher()  # argon2id with the library's memory-hard defaults
_DUMMY_HASH = _hasher.hash("timing-equaliser")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user, its unit and roles, as the token says."""

    user_id: uuid.UUID
    username: str
    unit_id: uuid.UUID
    unit_code: str
    roles: tuple[str, ...]
    language: str = "vi"
    unit_name_vi: str = ""  # shown in page headers; tokens issued before carry none
    unit_name_en: str = ""
    # The user's token version when the token was issued (claim `tv`); tokens issued before
    # this claim existed carry none and count as 0, older than every user's (which start at 1).
    token_version: int = 0

    def has_role(self, *roles: str) -> bool:
        """True if the caller holds any of the roles."""
        return any(r in self.roles for r in roles)

    @property
    def sees_all_units(self) -> bool:
        """The head and the admin see every unit; everyone else only its own."""
        return self.has_role("admin", "head")

    def can_access_unit(self, unit_id: uuid.UUID | None) -> bool:
        """True if the caller may read or change objects of this unit."""
        return self.sees_all_units or (unit_id is not None and unit_id == self.unit_id)


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; takes the same time whether or not the user exists."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def issue_token(settings: Settings, principal: Principal, *, now: datetime) -> str:
    """A signed access token for the principal, valid for the configured lifetime."""
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(principal.user_id),
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=settings.token_ttl_seconds)).timestamp()),
        "jti": uuid.uuid4().hex,
        "username": principal.username,
        "unit_id": str(principal.unit_id),
        "unit_code": principal.unit_code,
        "roles": list(principal.roles),
        "lang": principal.language,
        "unit_name_vi": principal.unit_name_vi,
        "unit_name_en": principal.unit_name_en,
        "tv": principal.token_version,
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def verify_token(settings: Settings, token: str) -> Principal:
    """The principal of a valid token; raises ApiError(401) for anything else."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
        token_version = claims.get("tv", 0)
        if type(token_version) is not int:  # noqa: E721 - a bool or a string is no version
            raise TypeError("tv")
        return Principal(
            user_id=uuid.UUID(claims["sub"]),
            username=str(claims["username"]),
            unit_id=uuid.UUID(claims["unit_id"]),
            unit_code=str(claims["unit_code"]),
            roles=tuple(str(r) for r in claims["roles"]),
            language=str(claims.get("lang", "vi")),
            unit_name_vi=str(claims.get("unit_name_vi", "")),
            unit_name_en=str(claims.get("unit_name_en", "")),
            token_version=token_version,
        )
    except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
        raise ApiError(401, "token_invalid",
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from exc


AccessCheck = Callable[[Principal], str | None]
ACCESS_CHECK = "user_access_check"  # app.extensions key of the service's AccessCheck


def access_check(db: Database, *, id_column: Column, active_column: Column,
                 token_version_column: Column, copy: bool) -> AccessCheck:
    """An AccessCheck on a service's own users table (`copy=False`) or its copy of it.

    It answers None when the caller's token still grants, else the code of the 401:
    `user_inactive` once the user is deactivated, `token_revoked` once its roles, unit or
    password changed after the token was issued (the token's `tv` is older than the user's
    token version; a token without `tv` counts as 0). The owner's table must match exactly.
    A copy only refuses tokens older than it knows: a user it does not know yet, or a token
    newer than its copy (the user logged in again before the event arrived), passes, because
    a copy lags behind the tasks service by the event path (outbox, relay, consumer).
    """
    statement = select(active_column, token_version_column).where(
        id_column == bindparam("user_id"))

    def check(principal: Principal) -> str | None:
        # One autocommit select on PostgreSQL (no BEGIN/ROLLBACK around it), on a bare
        # connection (no ORM session): this runs on every authenticated request.
        row = db.read_row(statement, {"user_id": principal.user_id})
        if row is None:
            return None
        active, current = row
        if active is False:
            return "user_inactive"
        stale = principal.token_version < current if copy else principal.token_version != current
        return "token_revoked" if stale else None
    return check


def access_refusal(principal: Principal) -> str | None:
    """Why this service no longer accepts the caller's token (a message code), or None."""
    check = current_app.extensions.get(ACCESS_CHECK)
    return None if check is None else check(principal)


def install_auth(app: Flask, settings: Settings, *, public_endpoints: Iterable[str]) -> None:
    """Require a valid token on every endpoint except the listed public ones."""
    public = set(public_endpoints) | {"static"}

    @app.before_request
    def _authenticate():
        g.principal = None
        if request.endpoint in public or request.endpoint is None:
            return None
        if getattr(app.view_functions.get(request.endpoint), "is_page", False):
            return None  # pages check the cookie themselves and redirect to the login page
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else None
        token = token or request.cookies.get(COOKIE_NAME)
        if not token:
            raise ApiError(401, "token_missing", headers={"WWW-Authenticate": "Bearer"})
        principal = verify_token(settings, token)
        refusal = access_refusal(principal)
        if refusal is not None:
            raise ApiError(401, refusal,
                           headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        g.principal = principal
        return None


def current_principal() -> Principal:
    """The authenticated caller of this request."""
    principal = getattr(g, "principal", None)
    if principal is None:
        raise ApiError(401, "token_missing", headers={"WWW-Authenticate": "Bearer"})
    return principal


def require_roles(*roles: str) -> Principal:
    """The caller, if it holds one of the roles; otherwise 403."""
    principal = current_principal()
    if not principal.has_role(*roles):
        raise ApiError(403, "role_required", roles=", ".join(roles))
    return principal
