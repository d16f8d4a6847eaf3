"""Passwords, tokens and keys: argon2 for passwords, short-lived JWTs bound to revocable sessions,
hashed API keys, and the longest credential of each kind accepted.

The signing secret lives in ``<home>/secrets/portal.key`` (created once, readable by its owner only) or
comes from ``CLEARSIGHT_SECRET_KEY``; it never appears in a message or a log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from clearsight.core.settings import Settings
from clearsight.core.workspace import Workspace

_hasher = PasswordHasher()
#: A hash of a random password: verifying against it costs the same time as a real user (no timing oracle).
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
KEY_PREFIX = "cs_"
TOKEN_MINUTES = 15
SESSION_MINUTES = 8 * 60
ALGORITHM = "HS256"
#: Longest credential accepted, checked before any work (hashing, decoding, a database query). User
#: names follow the account-name rule; an API key is 55 characters; a token or cookie about 300.
MAX_NAME = 64
MAX_PASSWORD = 1024
MAX_API_KEY = 128
MAX_TOKEN = 4096


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_password() -> str:
    """A random password for a new account (printed once, never stored in clear)."""
    return secrets.token_urlsafe(12)


def secret_key(settings: Settings) -> str:
    """The token-signing secret: ``CLEARSIGHT_SECRET_KEY``, else a file in the secrets folder."""
    from_env = os.environ.get("CLEARSIGHT_SECRET_KEY")
    if from_env:
        return from_env
    path = Workspace(settings).portal_key
    if not path.exists():
        Workspace(settings).secrets_dir.mkdir(parents=True, exist_ok=True)
        Workspace(settings).secrets_dir.chmod(0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


@dataclass
class Principal:
    """Who is calling: a user (password, token or session) or an API key."""

    name: str
    role: str
    offices: list[str] = field(default_factory=list)
    via: str = "token"  # token, session or apikey
    csrf: str | None = None  # the session's CSRF token (cookie sessions only)
    must_change_password: bool = False  # signed in with a one-time password: may only change it
    session_id: str | None = None  # the app-store session the token or cookie belongs to


def new_session_id() -> str:
    return secrets.token_urlsafe(16)


def issue_token(
    key: str, principal: Principal, minutes: int = TOKEN_MINUTES, kind: str = "access", session_id: str | None = None
) -> str:
    """A signed JWT naming the user and the app-store session (``sid``) it lives as long as."""
    now = dt.datetime.now(dt.UTC)
    claims = {
        "sub": principal.name, "role": principal.role, "kind": kind, "iat": now, "exp": now + dt.timedelta(minutes=minutes),
        "sid": session_id or principal.session_id,
    }
    if kind == "session":
        claims["csrf"] = principal.csrf or secrets.token_urlsafe(24)
    return jwt.encode(claims, key, algorithm=ALGORITHM)


class BadCredentials(Exception):
    """A token or key that cannot be used; the message is safe to show."""


def read_token(key: str, token: str, kind: str = "access") -> dict:
    if len(token) > MAX_TOKEN:
        raise BadCredentials("the token is not valid")
    try:
        claims = jwt.decode(token, key, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
    except jwt.ExpiredSignatureError:
        raise BadCredentials("the token has expired; sign in again") from None
    except jwt.InvalidTokenError:
        raise BadCredentials("the token is not valid") from None
    if claims.get("kind") != kind or not isinstance(claims.get("sid"), str) or not isinstance(claims.get("sub"), str):
        raise BadCredentials("the token is not valid")
    return claims


def new_api_key() -> tuple[str, str, str]:
    """(key, prefix, sha256): the key is shown once; the store keeps its prefix and hash."""
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, key_hash(key)


def key_hash(key: str) -> str:
    """API keys are long random strings, so one SHA-256 suffices (and keeps each call fast)."""
    return hashlib.sha256(key.encode()).hexdigest()


def key_prefix(key: str) -> str | None:
    if not key.startswith(KEY_PREFIX) or len(key) > MAX_API_KEY:
        return None
    prefix = key[len(KEY_PREFIX) :].split("_", 1)[0]
    return prefix if len(prefix) == 8 else None


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
