"""Reading what the app shows: pages the way a browser does, parsed, then picked with CSS selectors,
never sliced as text; and the links it hands out in mail.

The parser is selectolax (its Lexbor engine), not BeautifulSoup4: Lexbor builds the tree by the HTML5
parsing algorithm, as Chromium does, so an element left open or a stray end tag nests the way the
browser shows it, and a selector finds what a reader sees; BeautifulSoup's built-in html.parser does
not follow that algorithm (it needs html5lib for that, slower by far). selectolax is one compiled
wheel with no further dependencies, and its CSS selectors come with it (BeautifulSoup adds soupsieve).

Every function takes a page as a test-client response, an HTML string, or a node picked before.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from selectolax.lexbor import LexborHTMLParser, LexborNode


def parse(page) -> LexborHTMLParser | LexborNode:
    """The parsed document (a node passes through unchanged)."""
    if isinstance(page, (LexborHTMLParser, LexborNode)):
        return page
    if not isinstance(page, str):
        page = page.get_data(as_text=True)
    return LexborHTMLParser(page)


def select(page, css: str) -> list[LexborNode]:
    """Every element matching `css`, in document order."""
    return parse(page).css(css)


def first(page, css: str) -> LexborNode | None:
    """The first element matching `css`, or None."""
    return parse(page).css_first(css)


def only(page, css: str) -> LexborNode:
    """The one element matching `css`; fails the test when there are none or several."""
    found = select(page, css)
    assert len(found) == 1, f"{len(found)} elements match {css!r}"
    return found[0]


def text_of(page, css: str | None = None) -> str:
    """The text a reader sees in the page, a node, or the first match of `css` ("" when none matches),
    with runs of white space made one space. Inline markup (<mark>, <b>) does not split words."""
    node = parse(page)
    if css is not None:
        node = node.css_first(css)
        if node is None:
            return ""
    if isinstance(node, LexborHTMLParser):
        node = node.body or node.root
    return " ".join(node.text(deep=True, separator="").split())


def texts(page, css: str) -> list[str]:
    """The text of each element matching `css`."""
    return [text_of(node) for node in select(page, css)]


def links(page, css: str = "a[href]") -> list[str]:
    """The href of each link matching `css`."""
    return [node.attributes.get("href") or "" for node in select(page, css)]


def without(page, css: str) -> LexborHTMLParser:
    """A copy of the whole page with every element matching `css` taken out."""
    tree = parse(page)
    assert isinstance(tree, LexborHTMLParser), "without() takes a page, not a node picked from one"
    tree = tree.clone()
    for node in tree.css(css):
        node.decompose()
    return tree


def form_values(page, css: str = "form") -> dict[str, str | list[str]]:
    """What the first form matching `css` would send as it stands: each named control's value (a list
    when several controls share the name), ticked boxes only, the selected option of each select."""
    form = first(page, css)
    assert form is not None, f"no form matches {css!r}"
    values: dict[str, list[str]] = {}
    for control in form.css("input[name], select[name], textarea[name]"):
        attrs = control.attributes
        name = attrs["name"]
        if control.tag == "select":
            chosen = [o for o in control.css("option") if "selected" in o.attributes] or control.css("option")[:1]
            value = [o.attributes.get("value") if o.attributes.get("value") is not None else text_of(o) for o in chosen]
        elif control.tag == "textarea":
            value = [control.text(deep=True).removeprefix("\n")]
        elif (attrs.get("type") or "").lower() in ("checkbox", "radio"):
            value = [attrs.get("value") or "on"] if "checked" in attrs else []
        elif (attrs.get("type") or "").lower() in ("submit", "button", "reset", "image", "file"):
            value = []
        else:
            value = [attrs.get("value") or ""]
        values.setdefault(name, []).extend(value)
    return {name: v[0] if len(v) == 1 else v for name, v in values.items() if v}


class Option(NamedTuple):
    text: str
    value: str
    selected: bool
    disabled: bool


def options(page, css: str) -> list[Option]:
    """The options of the one select matching `css`, in order."""
    return [Option(text_of(o), o.attributes.get("value") or "", "selected" in o.attributes, "disabled" in o.attributes)
            for o in only(page, css).css("option")]


def flash_messages(page) -> list[str]:
    """The banners flashed at the top of <main> (base.html marks them data-flash)."""
    return texts(page, "[data-flash]")


def error_summary(page) -> dict[str, str]:
    """The entries of the error summary above a form (macros.form_errors), in page order: the field
    each links to ("#title") and its text ("榜单名称：请填写榜单名称。")."""
    return {node.attributes.get("href") or "": text_of(node) for node in select(page, "[data-error-summary] li a")}


def link_path(text, path: str) -> str:
    """The site path of the link starting with `path` ("/auth/reset/") in a mail, a mail's body or other
    text: links in mail start at BASE_URL, http://localhost in the tests."""
    text = getattr(text, "body", text)
    match = re.search(rf"http://localhost({re.escape(path)}\S+)", text)
    assert match, text
    return match.group(1)
