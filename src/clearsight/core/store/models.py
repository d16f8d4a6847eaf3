"""App-store tables: users, sign-in sessions, API keys, the audit log, scoring decisions and rule profiles."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    offices: Mapped[list] = mapped_column(JSON, default=list)
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    #: a one-time password (generated, or reset by an admin): nothing but changing it is allowed
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class SignInSession(Base):
    """A cookie session or bearer token in force: its JWT names the row (``sid``), so deleting the row
    (logout, password change or reset) ends it at the next request."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # session (cookie) or access (bearer token)
    client: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)  # public part, shown in listings
    key_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the whole key
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    offices: Mapped[list] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(255))
    filter: Mapped[str] = mapped_column(Text)  # JSON, keys sorted
    rows: Mapped[int] = mapped_column(Integer)
    client: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Decision(Base):
    """A real-time lane decision or an officer's lane change, in the outbox until it is moved into the
    warehouse's ``selections`` (same columns; see :mod:`clearsight.selectivity.decisions`)."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[str] = mapped_column(String(64), index=True)
    item_no: Mapped[int] = mapped_column(Integer)
    #: the model's figures; empty on an officer's lane change (channel ``officer``)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    fraud_probability: Mapped[float | None] = mapped_column(Float, nullable=True)
    expected_revenue: Mapped[float | None] = mapped_column(Float, nullable=True)
    lane: Mapped[str] = mapped_column(String(8))
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    #: why the item is in its lane: none (green), rule, random or model (explore: batch only)
    selected_by: Mapped[str] = mapped_column(String(8), default="none", server_default="none")
    random_control: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rules_hit: Mapped[list | None] = mapped_column(JSON, default=list)
    model_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    #: one per request (``rt-...``); NULL on rows written before the outbox (read as ``rt-<id>``)
    selection_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    channel: Mapped[str] = mapped_column(String(8), default="realtime", server_default="realtime")
    office_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lodged_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    exploration: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: when the row was moved into the warehouse's ``selections`` (NULL: not yet)
    moved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True, index=True)


class RuleProfile(Base):
    """A selectivity rule profile (criteria -> lane), see :mod:`clearsight.rules.profiles`."""

    __tablename__ = "rule_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    lane: Mapped[str] = mapped_column(String(8))
    criteria: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
