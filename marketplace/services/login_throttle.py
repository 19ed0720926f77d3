"""Throttling of failed logins per client address and per account, shared by every worker.

Flask-Limiter's in-process storage counts per gunicorn worker (two workers let twice the limit
through) and only per address, so password guessing spread over many addresses was never slowed.
Here each attempt is counted where every worker sees it: in Redis when the rate limits use Redis,
in the `login_attempt` table otherwise.

An attempt first *reserves* a slot under both keys and only then checks the password; reserving
is serialised per key across workers (Redis MULTI, or a lock in the database), so at most the
limit get through. A wrong password keeps its slot for the
window; a right one gives its slot back and clears the account's failures. Refused attempts do not
count, so a locked-out user is let in again once the window has passed.

Redis down (or not answering within REDIS_TIMEOUT) is not a reason to let guessing through, nor to
refuse every login: the attempt is counted in the database instead, which every node shares too.
"""
from __future__ import annotations

import hashlib
import math
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from limits import parse as parse_limit
from redis.exceptions import RedisError
from sqlalchemy import delete, func, insert, select, text

from ..clock import CHINA_TIME, utcnow
from ..extensions import db
from ..models import LoginAttempt, token_digest
from .accounts import normalise_email


@dataclass
class Lockout(Exception):
    """Too many failed logins: `retry_at` (UTC) is when the next attempt will be counted again."""

    retry_at: datetime

    @property
    def seconds(self) -> int:
        return max(1, math.ceil((self.retry_at - utcnow()).total_seconds()))

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.seconds / 60))
        local = self.retry_at.astimezone(CHINA_TIME).strftime("%H:%M")
        return f"登录失败次数过多，已暂时锁定。请在约 {minutes} 分钟后（北京时间 {local} 以后）再试，或通过“忘记密码”重置密码。"


@dataclass
class Attempt:
    """The slots one login attempt holds, to be released on success or kept on failure."""

    keys: list[tuple[str, int, int]]  # (key, limit, window seconds)
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    ids: list[int] = field(default_factory=list)  # database rows reserved
    in_redis: bool = False  # where the slots were reserved: Redis, or (ids) the database


def _limits(email: str, address: str) -> list[tuple[str, int, int]]:
    config = current_app.config
    result = []
    for key, setting in ((f"ip:{address or 'unknown'}", "LOGIN_IP_LIMIT"),
                         (f"account:{token_digest(normalise_email(email))}", "LOGIN_ACCOUNT_LIMIT")):
        item = parse_limit(config[setting])
        result.append((key, int(item.amount), int(item.get_expiry())))
    return result


def _redis():
    """A Redis client when the rate limits are stored in Redis; None for the database path."""
    uri = current_app.config.get("RATELIMIT_STORAGE_URI") or ""
    if not uri.startswith(("redis://", "rediss://", "unix://")):
        return None
    client = current_app.extensions.get("login_throttle_redis")
    if client is None:
        import redis

        timeout = float(current_app.config.get("REDIS_TIMEOUT") or 2)
        client = redis.Redis.from_url(uri, socket_connect_timeout=timeout, socket_timeout=timeout)
        current_app.extensions["login_throttle_redis"] = client
    return client


def begin(email: str, address: str) -> Attempt:
    """Reserve a slot for one login attempt; raises Lockout (nothing reserved) when over a limit.

    On the database path the reservation is part of the request's transaction: the route commits
    it with the answer (a failure then counts) or rolls it back (a lockout).
    """
    attempt = Attempt(_limits(email, address))
    client = _redis()
    retry_at = None
    if client is not None:
        try:
            retry_at = _reserve_redis(client, attempt)
            attempt.in_redis = True
        except RedisError:
            _redis_unreachable()
    if not attempt.in_redis:
        retry_at = _reserve_db(attempt)
    if retry_at is not None:
        if attempt.in_redis:
            try:
                _release_redis(client, attempt)
            except RedisError:  # gone since the reservation: its slot expires with the window
                _redis_unreachable()
        raise Lockout(retry_at)
    return attempt


def succeeded(attempt: Attempt) -> None:
    """The password was right: give the slot back and forget the account's earlier failures."""
    account_key = attempt.keys[1][0]
    if attempt.in_redis:
        try:
            client = _redis()
            _release_redis(client, attempt)
            client.delete(_redis_key(account_key))
        except RedisError:  # gone since the reservation: its slot expires with the window
            _redis_unreachable()
    db.session.execute(delete(LoginAttempt).where(
        LoginAttempt.id.in_(attempt.ids) | (LoginAttempt.key == account_key)))


def forget_account(email: str) -> None:
    """Clear the account's failed logins (after a password reset: the lockout message sends users there)."""
    key = f"account:{token_digest(normalise_email(email))}"
    client = _redis()
    if client is not None:
        try:
            client.delete(_redis_key(key))
        except RedisError:
            _redis_unreachable()
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.key == key))


def _redis_unreachable() -> None:
    current_app.logger.warning("Login throttle: Redis unreachable, counting attempts in the database meanwhile")


def _release_redis(client, attempt: Attempt) -> None:
    with client.pipeline() as pipe:
        for key, _, _ in attempt.keys:
            pipe.zrem(_redis_key(key), attempt.token)
        pipe.execute()


def _redis_key(key: str) -> str:
    return current_app.config.get("LOGIN_THROTTLE_PREFIX", "marketplace:login:") + key


def _reserve_redis(client, attempt: Attempt) -> datetime | None:
    """A sliding window per key in a sorted set of attempt times; one MULTI per key keeps it atomic."""
    now = time.time()
    retry = None
    for key, limit, window in attempt.keys:
        name = _redis_key(key)
        with client.pipeline() as pipe:  # transaction=True: MULTI/EXEC
            pipe.zremrangebyscore(name, 0, now - window)
            pipe.zadd(name, {attempt.token: now})
            pipe.zcard(name)
            pipe.zrange(name, 0, 0, withscores=True)
            pipe.expire(name, window)
            _, _, count, oldest, _ = pipe.execute()
        if count > limit:
            first = oldest[0][1] if oldest else now
            retry = max(retry or 0, first + window)
    return datetime.fromtimestamp(retry, UTC) if retry is not None else None


def _reserve_db(attempt: Attempt) -> datetime | None:
    """Insert one row per key, then count, in the request's transaction, serialised per key.

    PostgreSQL: a transaction-scoped advisory lock per key, so two workers' attempts on one
    account or address take turns and each counts the other's committed row. SQLite: the insert
    takes the database's single write lock until the commit, which serialises the same way.
    """
    session = db.session
    now = utcnow()
    if session.get_bind().dialect.name == "postgresql":
        for key in sorted(key for key, _, _ in attempt.keys):  # one order everywhere: no deadlock
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_id(key)})
    for key, _, window in attempt.keys:
        session.execute(delete(LoginAttempt).where(
            LoginAttempt.key == key, LoginAttempt.attempted_at <= now - timedelta(seconds=window)))
        attempt.ids.append(session.execute(
            insert(LoginAttempt).values(key=key, attempted_at=now).returning(LoginAttempt.id)).scalar_one())
    _prune(now - timedelta(seconds=max(window for _, _, window in attempt.keys)))
    retry = None
    for key, limit, window in attempt.keys:
        count, oldest = session.execute(
            select(func.count(), func.min(LoginAttempt.attempted_at))
            .where(LoginAttempt.key == key, LoginAttempt.attempted_at > now - timedelta(seconds=window))).one()
        if count > limit:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
            candidate = oldest + timedelta(seconds=window)
            retry = max(retry, candidate) if retry else candidate
    return retry


def _prune(before: datetime) -> None:
    """Forget old attempts of every key, a few at a time, skipping rows another worker holds."""
    old = (select(LoginAttempt.id).where(LoginAttempt.attempted_at < before).limit(100)
           .with_for_update(skip_locked=True))
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.id.in_(old)))


def _lock_id(key: str) -> int:
    """A signed 64-bit number for pg_advisory_xact_lock, from the key."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
