"""Shared column types and helpers."""
from __future__ import annotations

from datetime import UTC

from sqlalchemy import DateTime, TypeDecorator

# The clock lives in marketplace/clock.py; these names stay importable from here for the models.
from ..clock import CHINA_TIME, utcnow  # noqa: F401


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC that always comes back timezone-aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime: pass an aware one (UTC)")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def split_keywords(keywords: str | None) -> list[str]:
    """Keywords as stored ("a, b，c、d") to a list: full-width commas and 顿号 separate too."""
    return [k.strip() for k in (keywords or "").replace("，", ",").replace("、", ",").split(",") if k.strip()]
