"""Templates ask Python who may do what; they never compare a state, status, role or type code.

The scan parses every template under marketplace/templates with Jinja's own parser and reports:
- a comparison (==, !=, in, not in) of anything with a literal: a string or number, or a literal
  list, tuple or dict of them (`x.state == 'draft'`, `x.mode.value in ('a', 'b')`);
- the same inside a test or filter (`x is equalto 'a'`, `items|selectattr('state', 'equalto', 'a')`);
- reading an enum's code (`.value`), or looking a code up in a literal dict (`{'a': …}[x]`);
- a literal list of codes (`[('pending', '待审核'), …]`): choices and labels come from Python.

A comparison whose other side is one of ALLOWED is not a rule; each entry says why.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import Environment, nodes

import marketplace

TEMPLATES = Path(marketplace.__file__).parent / "templates"

# What a template may compare with a literal, by the other side of the comparison.
ALLOWED = {
    r"request\..*": "the request's own data (endpoint, submitted form values), not a model's state",
    r"loop\..*": "a loop's position",
    r"f\.type": "WTForms field classes: macros.html picks the widget for a field",
    r"f\.name": "WTForms field names: listings/form.html renders csrf_token and version itself",
    r"category": "flash message categories, which are Bootstrap alert colours",
    r"kind": "which of the two listing pages (capability or achievement) a shared template renders",
}
EQUALITY_TESTS = {"equalto", "eq", "==", "ne", "!=", "sameas", "in"}
PICKING_FILTERS = {"select", "reject", "selectattr", "rejectattr"}


def describe(node) -> str:
    """A short source-like text of an expression, for messages and the allow-list."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{describe(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        return f"{describe(node.node)}[{describe(node.arg)}]"
    if isinstance(node, nodes.Const):
        return repr(node.value)
    if isinstance(node, nodes.Call):
        return f"{describe(node.node)}(…)"
    if isinstance(node, nodes.Filter):
        return f"{describe(node.node)}|{node.name}"
    if isinstance(node, (nodes.List, nodes.Tuple)):
        return "[" + ", ".join(describe(item) for item in node.items) + "]"
    return type(node).__name__


def is_literal(node) -> bool:
    """A string or number, or a literal list, tuple or dict made only of them."""
    if isinstance(node, nodes.Const):
        return isinstance(node.value, (str, int, float)) and not isinstance(node.value, bool)
    if isinstance(node, (nodes.List, nodes.Tuple)):
        return bool(node.items) and all(is_literal(item) for item in node.items)
    if isinstance(node, nodes.Dict):
        return bool(node.items) and all(is_literal(pair.key) for pair in node.items)
    return False


def allowed(node) -> bool:
    return any(re.fullmatch(pattern, describe(node)) for pattern in ALLOWED)


def problems_in(source: str) -> list[tuple[int, str]]:
    """(line, what) of every rule the template writes itself."""
    found = []
    tree = Environment(extensions=["jinja2.ext.do"]).parse(source)
    for node in tree.find_all(nodes.Compare):
        left = node.expr
        for operand in node.ops:
            right = operand.expr
            if operand.op in ("eq", "ne", "in", "notin"):
                for literal, other in ((right, left), (left, right)):
                    if is_literal(literal) and not allowed(other):
                        found.append((node.lineno, f"{describe(other)} {operand.op} {describe(literal)}"))
                        break
            left = right
    for node in tree.find_all(nodes.Test):
        if node.name in EQUALITY_TESTS and any(is_literal(arg) for arg in node.args) and not allowed(node.node):
            found.append((node.lineno, f"{describe(node.node)} is {node.name} {describe(node.args[0])}"))
    for node in tree.find_all(nodes.Filter):
        args = node.args
        tests = [i for i, arg in enumerate(args) if isinstance(arg, nodes.Const) and arg.value in EQUALITY_TESTS]
        if node.name in PICKING_FILTERS and any(is_literal(arg) for i in tests for arg in args[i + 1:]):
            found.append((node.lineno, f"{describe(node.node)}|{node.name}({', '.join(map(describe, args))})"))
    for node in tree.find_all(nodes.Getattr):
        if node.attr == "value":
            found.append((node.lineno, f"{describe(node)}: an enum's code"))
    for node in tree.find_all(nodes.Getitem):
        if isinstance(node.node, nodes.Dict):
            found.append((node.lineno, f"a literal dict looked up by {describe(node.arg)}"))
    for node in tree.find_all(nodes.Call):
        if isinstance(node.node, nodes.Getattr) and isinstance(node.node.node, nodes.Dict):
            found.append((node.lineno, "a literal dict looked up with .get"))
    for node in tree.find_all((nodes.List, nodes.Tuple)):
        if len(node.items) > 1 and all(isinstance(item, (nodes.List, nodes.Tuple)) and is_literal(item)
                                       for item in node.items):
            found.append((node.lineno, f"a literal list of codes {describe(node)[:60]}"))
    return sorted(set(found))


def scan(folder: Path = TEMPLATES) -> list[str]:
    return [f"{path.relative_to(folder)}:{line}: {what}"
            for path in sorted(folder.rglob("*.html"))
            for line, what in problems_in(path.read_text(encoding="utf-8"))]


def test_no_template_writes_a_rule_of_its_own():
    """Does any template compare a state, status, role or type code instead of asking a may_* helper?"""
    problems = scan()
    assert not problems, "templates deciding rules themselves (ask a may_*/is_* helper instead):\n" + "\n".join(problems)


@pytest.mark.parametrize("source", [
    "{% if challenge.state.value == 'draft' %}x{% endif %}",
    "{% if challenge.state == 'draft' %}x{% endif %}",
    "{% if 'draft' != challenge.state %}x{% endif %}",
    "{% if p.state.label in ('草稿', '待审核') %}x{% endif %}",
    "{% if user.org_role not in ['admin'] %}x{% endif %}",
    "{% if org.type == 3 %}x{% endif %}",
    "{{ items|selectattr('state', 'equalto', 'confirmed')|list }}",
    "{% if p.kind is equalto 'cap' %}x{% endif %}",
    "{{ {'a': 'success'}[m.code] }}",
    "{{ {'a': 'success'}.get(m.code) }}",
    "{% set styles = {} %}{{ styles.get(m.state.value) }}",
    "{% for v, l in [('pending', '待审核'), ('verified', '已认证')] %}{{ l }}{% endfor %}",
    "{{ 'yes' if x.midterm_result == 'pass' else 'no' }}",
])
def test_the_scan_catches_a_rule(source):
    """Does the scan notice each way a template can write a rule?"""
    assert problems_in(source)


@pytest.mark.parametrize("source", [
    "{% if request.endpoint == 'search.results' %}x{% endif %}",
    "{% if loop.index == 1 %}x{% endif %}",
    "{% if may_edit_challenge(current_user, challenge) %}x{% endif %}",
    "{% if challenge.is_returned and not proposal.is_declined %}x{% endif %}",
    "{% for v, l in choices.institution_types %}{% if current == v %}selected{% endif %}{% endfor %}",
    "{% if share >= threshold and page.total > 0 %}x{% endif %}",
    "{{ post_button(url, '下架', confirm, fields={'status': 'archived'}) }}",
])
def test_the_scan_lets_non_rules_pass(source):
    """Does the scan leave alone what is not a rule: request data, loop positions, helper calls?"""
    assert not problems_in(source)
