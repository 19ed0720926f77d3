"""Form base class and helpers shared by every blueprint's forms."""
from __future__ import annotations

import math
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, StopValidation, ValidationError

from .models.base import split_keywords
from .services.errors import ServiceError

# Hubei's prefecture-level divisions, for the region field; "省外" for the rest of China.
REGIONS = (
    "武汉市", "黄石市", "十堰市", "宜昌市", "襄阳市", "鄂州市", "荆门市", "孝感市", "荆州市",
    "黄冈市", "咸宁市", "随州市", "恩施土家族苗族自治州", "仙桃市", "潜江市", "天门市",
    "神农架林区", "省外",
)

BAD_DATE = "请按“年-月-日”填写日期，如 2030-06-30。"


# White space Word and web pages leave in pasted text: zero-width characters go, NBSP becomes a
# space, the line and paragraph separators a line break. U+3000 becomes a space in a one-line field
# only: at the start of a paragraph it is the customary Chinese indent.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_TEXT = _INVISIBLE | {0xA0: " ", 0x2028: "\n", 0x2029: "\n"}
_LINE = _INVISIBLE | {0xA0: " ", 0x3000: " ", 0x2028: " ", 0x2029: " "}


def normalise_text(value, one_line: bool = False):
    """Typed or pasted text with the odd white space above made plain; a one-line field is also
    stripped at both ends."""
    if not isinstance(value, str):
        return value
    return value.translate(_LINE).strip() if one_line else value.translate(_TEXT)


class BaseForm(FlaskForm):
    """A Flask-WTF form whose built-in messages are in Chinese (WTForms' own zh catalogue), and
    whose text fields normalise white space pasted from Word (passwords are left as typed)."""

    class Meta:
        locales = ["zh"]

        def bind_field(self, form, unbound_field, options):
            kind = unbound_field.field_class
            if issubclass(kind, StringField) and not issubclass(kind, PasswordField):
                one_line = not issubclass(kind, TextAreaField)
                options = dict(options, filters=[lambda v: normalise_text(v, one_line),
                                                 *unbound_field.kwargs.get("filters", ())])
            return super().bind_field(form, unbound_field, options)


def options(pairs, placeholder: str | None = None) -> list[SelectChoice]:
    """Select options from (value, label) pairs, with an optional empty first option."""
    choices = [SelectChoice("", placeholder)] if placeholder else []
    return choices + [SelectChoice(value, label) for value, label in pairs]


class Required:
    """Like DataRequired, but something typed that could not be read (a word in a number or date
    field) keeps the field's own message ("应为数字…") instead of "请填写…", and 0 counts as filled."""

    field_flags = {"required": True}

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        typed = any(str(value).strip() for value in field.raw_data or [])
        if field.process_errors and typed:
            raise StopValidation()  # the parse error is already in field.errors; skip range checks
        data = field.data
        if data is None or (isinstance(data, str) and not data.strip()) or (isinstance(data, (list, tuple)) and not data):
            field.errors[:] = []
            raise StopValidation(self.message)


def consent_box() -> BooleanField:
    """The 我已阅读并同意 box of every form that creates an account or asks again after a new version
    (rendered with links to both texts by macros.consent_field)."""
    from .services.consent import REFUSAL

    return BooleanField("我已阅读并同意《用户协议》和《隐私政策》", validators=[DataRequired(message=REFUSAL)])


def required(label: str):
    return Required(f"请填写{label}。")


def chosen(label: str):
    """DataRequired for a select: the message asks to choose, not to type."""
    return DataRequired(message=f"请选择{label}。")


def max_length(n: int, label: str = ""):
    """Refuse text over n characters, saying the limit and the length typed: nothing is cut silently."""

    def check(form, field):
        length = len(field.data or "")
        if length > n:
            raise ValidationError(f"{label}不能超过 {n} 字（当前 {length} 字）。")

    check.field_flags = {}
    return check


def title_field(label: str, n: int, description: str | None = None) -> StringField:
    """A required title of at most n characters; the input carries its limit for the live counter in
    app.js (no maxlength: a browser would cut a pasted title silently)."""
    return StringField(label, validators=[required(label), max_length(n, label)], description=description,
                       render_kw={"data-max-chars": n})


def keywords_check(most: int | None = None):
    """Keywords as split_keywords splits them: each at least 2 characters, and at most `most`."""

    def check(form, field):
        words = split_keywords(field.data)
        if most is not None and len(words) > most:
            raise ValidationError(f"关键词最多 {most} 个，现有 {len(words)} 个，请保留最能代表的几个。")
        short = [w for w in words if len(w) < 2]
        if short:
            raise ValidationError(f"每个关键词至少 2 个字：{'、'.join(f'“{w}”' for w in short)} 太短。")

    return check


def between(low, high, message: str):
    """NumberRange that stays quiet when there is no number: an empty field is Required's to report,
    an unreadable one already says it should be a number."""

    def check(form, field):
        data = field.data
        if data is None or field.process_errors:
            return
        # Decimal's own test: math.isfinite would raise on sNaN and on an int too large for a float.
        finite = data.is_finite() if isinstance(data, Decimal) else isinstance(data, int) or math.isfinite(data)
        if not finite or (low is not None and data < low) or (high is not None and data > high):
            raise ValidationError(message)

    return check


def decimals(places: int, message: str):
    """Refuse more decimal places than are stored (12.345 would be rounded silently otherwise)."""

    def check(form, field):
        data = field.data
        if isinstance(data, Decimal) and data.is_finite() and -data.normalize().as_tuple().exponent > places:
            raise ValidationError(message)

    return check


def apply_error(form, error: ServiceError) -> None:
    """Show a service's refusal next to its field, or above the form when it names none."""
    if error.problems:  # several fields at once: each message next to its own field
        for name, message in error.problems:
            apply_error(form, ServiceError(message, field=name))
        return
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [m for m in error.messages if m not in field.errors]
    else:
        form.form_errors.extend(m for m in error.messages if m not in form.form_errors)


def field_errors(form) -> list[tuple[str, str, str]]:
    """(field id, label, message) of every field error, in form order, nested forms included: the
    summary at the top of a long form links each one to its field."""
    found = []
    for field in form:
        if field.type == "CSRFTokenField":
            continue
        # FieldList / FormField: always recurse. Their own `errors` are a snapshot taken when the form
        # was validated, so a problem a route adds to a cell afterwards would be missed.
        if hasattr(field, "entries") or hasattr(field, "form"):
            # A FieldList's own messages (strings among its rows' error dicts) come first.
            found += [(field.id, field.label.text, message) for message in field.errors if isinstance(message, str)]
            for entry in getattr(field, "entries", None) or [field.form]:
                found += field_errors(entry.form if hasattr(entry, "form") else entry)
            continue
        found += [(field.id, field.label.text, message) for message in field.errors if isinstance(message, str)]
    return found


def optional_int(value) -> int | None:
    """`coerce` for an id select that starts on an empty 请选择 option."""
    return int(value) if value not in ("", None) else None
