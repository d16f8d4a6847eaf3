"""User and API-key management: what ``clearsight users`` / ``apikeys`` and the admin pages do."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import bindparam, delete, insert, select

from clearsight.access.roles import OFFICE_BOUND, check_role
from clearsight.access.security import (
    MAX_NAME,
    MAX_PASSWORD,
    Principal,
    hash_password,
    key_hash,
    key_prefix,
    new_api_key,
    new_password,
    new_session_id,
    same,
    verify_password,
)
from clearsight.core.errors import UserError
from clearsight.core.store.db import Store
from clearsight.core.store.models import ApiKey, SignInSession, User, utcnow

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 10


def _check(name: str, role: str, offices: list[str]) -> None:
    if not NAME.match(name):
        raise UserError(f"name {name!r} must be 1-64 letters, digits, '.', '_', '@' or '-'")
    try:
        check_role(role)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if role in OFFICE_BOUND and not offices:
        raise UserError(f"a{'n' if role[0] in 'aeiou' else ''} {role} needs at least one --office")


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"the password must have at most {MAX_PASSWORD} characters")


def add_user(
    store: Store, name: str, role: str, password: str, offices: list[str] | None = None, *, one_time: bool = False
) -> User:
    """A new account; ``one_time``: the password was generated and shown to someone else, so the user
    must replace it at the first sign-in."""
    offices = list(offices or [])
    _check(name, role, offices)
    check_password(password)
    with store.session() as s:
        if s.scalar(select(User).where(User.name == name)) is not None:
            raise UserError(f"a user called {name!r} already exists")
        user = User(
            name=name, role=role, offices=offices, password_hash=hash_password(password), disabled=False,
            must_change_password=one_time,
        )
        s.add(user)
        s.flush()
        return user


def list_users(store: Store) -> list[User]:
    with store.session() as s:
        return list(s.scalars(select(User).order_by(User.name)))


def get_user(store: Store, name: str) -> User:
    with store.session() as s:
        user = s.scalar(select(User).where(User.name == name))
        if user is None:
            raise UserError(f"no user called {name!r}")
        return user


def set_disabled(store: Store, name: str, disabled: bool = True) -> User:
    with store.session() as s:
        user = s.scalar(select(User).where(User.name == name))
        if user is None:
            raise UserError(f"no user called {name!r}")
        user.disabled = disabled
        if disabled:
            s.execute(delete(SignInSession).where(SignInSession.user_name == name))
        return user


def change_password(store: Store, name: str, password: str) -> None:
    """Set a user's own password; every session and token of the user ends (sign in again)."""
    check_password(password)
    _set_password(store, name, password, one_time=False)


def reset_password(store: Store, name: str) -> str:
    """A new one-time password for ``name`` (returned, to be shown once): every session and token of
    the user ends, and the user must choose a password at the next sign-in."""
    password = new_password()
    _set_password(store, name, password, one_time=True)
    return password


def _set_password(store: Store, name: str, password: str, one_time: bool) -> None:
    """Store ``password`` for ``name`` and end every session of the user."""
    digest = hash_password(password)
    with store.session() as s:
        user = s.scalar(select(User).where(User.name == name))
        if user is None:
            raise UserError(f"no user called {name!r}")
        user.password_hash, user.must_change_password = digest, one_time
        s.execute(delete(SignInSession).where(SignInSession.user_name == name))


def set_role(store: Store, name: str, role: str, offices: list[str] | None = None) -> User:
    with store.session() as s:
        user = s.scalar(select(User).where(User.name == name))
        if user is None:
            raise UserError(f"no user called {name!r}")
        new_offices = list(offices) if offices else list(user.offices or [])
        _check(name, role, new_offices)
        user.role, user.offices = role, new_offices
        return user


def authenticate(store: Store, name: str, password: str) -> Principal | None:
    """The user's principal if the password is right and the account is active, else None."""
    if len(name) > MAX_NAME or len(password) > MAX_PASSWORD:
        return None
    with store.session() as s:
        user = s.scalar(select(User).where(User.name == name))
    ok = verify_password(password, user.password_hash if user else None)
    if not ok or user is None or user.disabled:
        return None
    return Principal(user.name, user.role, list(user.offices or []), must_change_password=user.must_change_password)


_SESSIONS = SignInSession.__table__


def start_session(store: Store, name: str, kind: str, minutes: int, client: str = "") -> str:
    """Record a new session (``kind``: session or access) for ``name`` and return its id; sessions
    past their end are removed on the way."""
    now = utcnow()
    sid = new_session_id()
    with store.engine.begin() as conn:
        conn.execute(delete(_SESSIONS).where(_SESSIONS.c.expires_at < now))
        conn.execute(
            insert(_SESSIONS),
            {"id": sid, "user_name": name, "kind": kind, "client": client[:64], "created_at": now,
             "expires_at": now + dt.timedelta(minutes=minutes)},
        )
    return sid


def end_session(store: Store, session_id: str) -> None:
    """End one session (logout): its cookie or token is refused from the next request on."""
    with store.engine.begin() as conn:
        conn.execute(delete(_SESSIONS).where(_SESSIONS.c.id == session_id))


#: The one query each token or cookie request runs: the session still in force, and its user.
_PRINCIPAL_BY_SESSION = (
    select(User.name, User.role, User.offices, User.disabled, User.must_change_password)
    .join_from(SignInSession, User, User.name == SignInSession.user_name)
    .where(SignInSession.id == bindparam("sid"), SignInSession.expires_at > bindparam("now"))
)


def principal_of_session(store: Store, session_id: str, name: str) -> Principal | None:
    """The principal of a session still in force (role and offices re-read: a change applies at once),
    or None when the session has ended or the account is disabled."""
    with store.engine.connect() as conn:
        row = conn.execute(_PRINCIPAL_BY_SESSION, {"sid": session_id, "now": utcnow()}).first()
    if row is None or row.name != name or row.disabled:
        return None
    return Principal(row.name, row.role, list(row.offices or []), must_change_password=row.must_change_password,
                     session_id=session_id)


def create_api_key(store: Store, name: str, role: str, created_by: str, offices: list[str] | None = None) -> tuple[str, ApiKey]:
    """A new key (returned once, in clear) and its row."""
    offices = list(offices or [])
    _check(name, role, offices)
    key, prefix, digest = new_api_key()
    with store.session() as s:
        row = ApiKey(prefix=prefix, key_hash=digest, name=name, role=role, offices=offices, created_by=created_by)
        s.add(row)
        s.flush()
        return key, row


def list_api_keys(store: Store) -> list[ApiKey]:
    with store.session() as s:
        return list(s.scalars(select(ApiKey).order_by(ApiKey.created_at)))


def revoke_api_key(store: Store, prefix: str) -> ApiKey:
    """Revoke by prefix (the public part shown by ``apikeys list``) or by the whole key."""
    prefix = key_prefix(prefix) or prefix
    with store.session() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        if row is None:
            raise UserError(f"no API key with prefix {prefix!r}")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
        return row


#: The one query every API call runs (Core, not the ORM: it is on the path of every scoring request).
_KEY_BY_PREFIX = select(ApiKey.name, ApiKey.role, ApiKey.offices, ApiKey.key_hash, ApiKey.revoked_at).where(
    ApiKey.prefix == bindparam("prefix")
)


def principal_of_key(store: Store, key: str) -> Principal | None:
    """The key's principal, read at each call (so a revocation applies at once), or None."""
    prefix = key_prefix(key)
    if prefix is None:
        return None
    with store.engine.connect() as conn:
        row = conn.execute(_KEY_BY_PREFIX, {"prefix": prefix}).first()
    if row is None or row.revoked_at is not None or not same(row.key_hash, key_hash(key)):
        return None
    return Principal(f"key:{row.name}", row.role, list(row.offices or []), via="apikey")
