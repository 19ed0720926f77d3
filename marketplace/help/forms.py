"""The consent page's form: the one 我已阅读并同意 box."""
from __future__ import annotations

from ..formkit import BaseForm, consent_box


class ConsentForm(BaseForm):
    accept_terms = consent_box()
