"""Who may do what, asked by the pages in the words the services enforce.

Each rule is a `check_may_*(actor, ...)` in the service that owns it: it raises the refusal (a
ServiceError) and the service runs it before acting. `@rule("may_…")` registers it for the templates
as a yes/no function of the same arguments (templating.py exposes RULES), so a page offers an
action exactly when the service would take it. Python code asks with `allowed(check, actor, ...)`.
"""
from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from .errors import ServiceError

# Template name → yes/no function, filled as the service modules below are imported.
RULES: dict[str, Callable[..., bool]] = {}
MODULES = ("accounts", "admins", "attachment_rules", "chains", "challenges", "key_links", "listings",
           "official_documents", "organisations", "plan_progress", "projects", "proposals", "questions", "reviews",
           "selection", "supervision", "verification", "work_plans")


def allowed(check: Callable, actor, *args) -> bool:
    """Whether `check(actor, *args)` passes: False for a guest (None or not logged in) and for any
    refusal."""
    if actor is None or not actor.is_authenticated:
        return False
    try:
        check(actor, *args)
    except ServiceError:
        return False
    return True


def registered() -> dict[str, Callable[..., bool]]:
    """Every rule, once the modules that define them are imported."""
    for module in MODULES:
        import_module(f"{__package__}.{module}")
    return RULES


def rule(name: str):
    """Register the decorated check for the templates as `name(actor, ...) -> bool`."""

    def register(check: Callable) -> Callable:
        if name in RULES:
            raise ValueError(f"rule {name} registered twice")

        def may(actor, *args) -> bool:
            return allowed(check, actor, *args)

        may.__name__ = may.__qualname__ = name
        may.__doc__ = f"Whether {check.__module__}.{check.__name__} passes for this actor."
        may.check = check
        RULES[name] = may
        return check

    return register
