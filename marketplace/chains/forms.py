"""Forms of the chain pages."""
from __future__ import annotations

from wtforms import TextAreaField

from ..bounds import VersionField
from ..formkit import BaseForm


class NarrativeForm(BaseForm):
    """The lead department's 年度工作总结; its length is the service's to check (reports/narrative.py)."""

    narrative = TextAreaField("牵头部门年度工作总结")
    version = VersionField()  # the narrative's version when the page was opened (0: none yet)
