"""`{{ field|shown_when }}`: the attributes that tie a form field to the choice it belongs to.

A form lists `shown_when = {field: (choice field, value, …)}`; static/lawtrail/forms.js shows such a
field only while one of those values is chosen, so a form with several outcomes shows the fields
of the chosen one, not all of them at once (without JavaScript every field stays visible).
"""

from __future__ import annotations

from django import forms, template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def shown_when(field: forms.BoundField) -> SafeString | str:
    rule = getattr(field.form, "shown_when", {}).get(field.name)
    if not rule:
        return ""
    choice, *values = rule
    return format_html(' data-when="{}" data-when-values="{}"', choice, " ".join(str(v) for v in values))
