"""Every data table sits in its own scrolling region (`.table-responsive`), focusable and labelled, so
that on a phone the table scrolls sideways as a whole and keyboard users can scroll it too
(tests/e2e/test_phone_layout.py checks the layout in a browser)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import marketplace

TEMPLATES = Path(marketplace.__file__).parent / "templates"
# Printed documents (PDFs) are laid out for paper, not for a phone's screen.
NOT_PAGES = ("documents/",)
WRAPPER = re.compile(r'<div class="table-responsive" tabindex="0" role="region" aria-label="[^"{}]+">\s*$')


def _tables():
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.relative_to(TEMPLATES).as_posix().startswith(NOT_PAGES):
            continue
        source = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<table\b", source):
            yield path.relative_to(TEMPLATES).as_posix(), source[:match.start()]


@pytest.mark.parametrize("template, before", list(_tables()), ids=lambda v: v if len(v) < 60 else "")
def test_every_table_is_in_a_labelled_focusable_region(template, before):
    assert WRAPPER.search(before), f"{template}: a <table> outside its labelled .table-responsive region"


def test_there_are_tables_to_check():
    assert len(list(_tables())) >= 15
