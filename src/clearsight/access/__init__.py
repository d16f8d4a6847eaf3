"""Access: who may do what. Users, roles and API keys, sign-in sessions and tokens, the throttles on
sign-in and key checks, and the hash-chained audit log of every read of declaration-level data, all kept
in the app store (SQLAlchemy). The audit log's functions are used through their module (``from
clearsight.access import audit``; ``audit.record(...)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.core.exports import lazy_exports

if TYPE_CHECKING:
    from clearsight.access.audit import Anchor, GroupCommit, Verification, record
    from clearsight.access.refusals import RefusalAudit
    from clearsight.access.roles import OFFICE_BOUND, POLICY, ROLES, allowed, check_role
    from clearsight.access.security import (
        MAX_API_KEY,
        MAX_NAME,
        MAX_PASSWORD,
        MAX_TOKEN,
        SESSION_MINUTES,
        TOKEN_MINUTES,
        BadCredentials,
        Principal,
        issue_token,
        new_password,
        read_token,
        same,
        secret_key,
    )
    from clearsight.access.throttle import CheckLimiter, LoginThrottle, throttle_keys
    from clearsight.access.users import (
        add_user,
        authenticate,
        change_password,
        check_password,
        create_api_key,
        end_session,
        get_user,
        list_api_keys,
        list_users,
        principal_of_key,
        principal_of_session,
        reset_password,
        revoke_api_key,
        set_disabled,
        set_role,
        start_session,
    )

__all__ = [
    "MAX_API_KEY",
    "MAX_NAME",
    "MAX_PASSWORD",
    "MAX_TOKEN",
    "OFFICE_BOUND",
    "POLICY",
    "ROLES",
    "SESSION_MINUTES",
    "TOKEN_MINUTES",
    "Anchor",
    "BadCredentials",
    "CheckLimiter",
    "GroupCommit",
    "LoginThrottle",
    "Principal",
    "RefusalAudit",
    "Verification",
    "add_user",
    "allowed",
    "authenticate",
    "change_password",
    "check_password",
    "check_role",
    "create_api_key",
    "end_session",
    "get_user",
    "issue_token",
    "list_api_keys",
    "list_users",
    "new_password",
    "principal_of_key",
    "principal_of_session",
    "read_token",
    "record",
    "reset_password",
    "revoke_api_key",
    "same",
    "secret_key",
    "set_disabled",
    "set_role",
    "start_session",
    "throttle_keys",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Anchor": "audit",
        "GroupCommit": "audit",
        "Verification": "audit",
        "record": "audit",  # append an audit entry (rooms that audit a user's decision)
        "RefusalAudit": "refusals",
        "OFFICE_BOUND": "roles",
        "POLICY": "roles",
        "ROLES": "roles",
        "allowed": "roles",
        "check_role": "roles",
        "MAX_API_KEY": "security",
        "MAX_NAME": "security",
        "MAX_PASSWORD": "security",
        "MAX_TOKEN": "security",
        "SESSION_MINUTES": "security",
        "TOKEN_MINUTES": "security",
        "BadCredentials": "security",
        "Principal": "security",
        "issue_token": "security",
        "new_password": "security",
        "read_token": "security",
        "same": "security",
        "secret_key": "security",
        "CheckLimiter": "throttle",
        "LoginThrottle": "throttle",
        "throttle_keys": "throttle",
        "add_user": "users",
        "authenticate": "users",
        "change_password": "users",
        "check_password": "users",
        "create_api_key": "users",
        "end_session": "users",
        "get_user": "users",
        "list_api_keys": "users",
        "list_users": "users",
        "principal_of_key": "users",
        "principal_of_session": "users",
        "reset_password": "users",
        "revoke_api_key": "users",
        "set_disabled": "users",
        "set_role": "users",
        "start_session": "users",
    },
)
