"""Forms of the inbox: the per-category delivery settings."""
from __future__ import annotations

from wtforms import BooleanField

from ..formkit import BaseForm
from .inbox import CATEGORIES


class PreferencesForm(BaseForm):
    """Two checkboxes per category, named inbox_<code> and email_<code>."""

    def channels(self):
        """(code, label, inbox field, email field) for each category, in display order."""
        return [(code, label, self[f"inbox_{code}"], self[f"email_{code}"]) for code, label in CATEGORIES.items()]

    def choices(self) -> dict[str, tuple[bool, bool]]:
        return {code: (inbox.data, email.data) for code, _, inbox, email in self.channels()}


for _code, _label in CATEGORIES.items():
    setattr(PreferencesForm, f"inbox_{_code}", BooleanField(f"{_label}：站内信"))
    setattr(PreferencesForm, f"email_{_code}", BooleanField(f"{_label}：邮件"))
