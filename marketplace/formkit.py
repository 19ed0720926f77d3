"""Form base class and helpers shared by every blueprint's forms."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice
from wtforms.validators import DataRequired, Length

from .services.errors import ServiceError

# Hubei's prefecture-level divisions, for the region field; "省外" for the rest of China.
REGIONS = (
    "武汉市", "黄石市", "十堰市", "宜昌市", "襄阳市", "鄂州市", "荆门市", "孝感市", "荆州市",
    "黄冈市", "咸宁市", "随州市", "恩施土家族苗族自治州", "仙桃市", "潜江市", "天门市",
    "神农架林区", "省外",
)


class BaseForm(FlaskForm):
    """A Flask-WTF form whose built-in messages are in Chinese (WTForms' own zh catalogue)."""

    class Meta:
        locales = ["zh"]


class ConfirmForm(BaseForm):
    """An empty form: a POST button that carries only the CSRF token."""


def options(pairs, placeholder: str | None = None) -> list[SelectChoice]:
    """Select options from (value, label) pairs, with an optional empty first option."""
    choices = [SelectChoice("", placeholder)] if placeholder else []
    return choices + [SelectChoice(value, label) for value, label in pairs]


def required(label: str):
    return DataRequired(message=f"请填写{label}。")


def chosen(label: str):
    """DataRequired for a select: the message asks to choose, not to type."""
    return DataRequired(message=f"请选择{label}。")


def max_length(n: int):
    return Length(max=n, message=f"不能超过 {n} 个字符。")


def apply_error(form, error: ServiceError) -> None:
    """Show a service's refusal next to its field, or above the form when it names none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        form.form_errors.append(error.message)


def field_errors(form) -> list[tuple[str, str, str]]:
    """(field id, label, message) of every field error, in form order, nested forms included: the
    summary at the top of a long form links each one to its field."""
    found = []
    for field in form:
        if field.type == "CSRFTokenField" or not field.errors:
            continue
        if hasattr(field, "entries") or hasattr(field, "form"):  # FieldList / FormField: recurse
            for entry in getattr(field, "entries", None) or [field.form]:
                found += field_errors(entry.form if hasattr(entry, "form") else entry)
            continue
        found += [(field.id, field.label.text, message) for message in field.errors if isinstance(message, str)]
    return found


def optional_int(value) -> int | None:
    """`coerce` for an id select that starts on an empty 请选择 option."""
    return int(value) if value not in ("", None) else None
