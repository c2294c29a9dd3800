"""Forms for documents: one built from each type's catalogue fields, and the signing forms.

They parse and present input; the actions judge it (drafts may be partial, so no field is
required here: the issue action names what is missing).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from lawtrail.cases.choices import common_opinions
from lawtrail.documents.catalogue import DocumentType, FieldSpec
from lawtrail.documents.values import form_text
from lawtrail.lib import timez
from lawtrail.web.kit import OpinionForm

DT_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _form_field(spec: FieldSpec) -> forms.Field:
    common: dict[str, Any] = {"label": spec.label, "required": False, "help_text": spec.help}
    field: forms.Field
    if spec.type == "textarea":
        field = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=20000, **common)
    elif spec.type == "date":
        field = forms.DateField(widget=DATE_WIDGET, **common)
    elif spec.type == "datetime":
        field = forms.DateTimeField(widget=DT_WIDGET, **common)
    elif spec.type == "amount":
        field = forms.DecimalField(min_value=0, decimal_places=2, max_digits=12, **common)
    elif spec.type == "integer":
        field = forms.IntegerField(min_value=0, max_value=1_000_000, **common)
    elif spec.type == "choice":
        field = forms.ChoiceField(choices=[("", "—")] + [(o, o) for o in spec.options], **common)
    elif spec.type == "multichoice":
        # Large tick boxes, one a line: picked on a tablet, never typed.
        field = forms.MultipleChoiceField(choices=[(o, o) for o in spec.options],
                                          widget=forms.CheckboxSelectMultiple(attrs={"class": "tick"}), **common)
    elif spec.type == "lines":
        common["help_text"] = (spec.help + " " if spec.help else "") + "每行一项"
        field = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=20000, **common)
    elif spec.type == "table":
        common["help_text"] = "每行一条,各栏以 | 分隔:" + " | ".join(spec.columns)
        field = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=20000, **common)
    else:
        field = forms.CharField(max_length=500, **common)
    return field


def initial_value(spec: FieldSpec, value: Any) -> Any:
    if value in (None, "", []):
        return None
    if spec.type == "multichoice":
        return list(value)
    if spec.type == "datetime":
        return timez.beijing(dt.datetime.fromisoformat(str(value))).replace(tzinfo=None)
    if spec.type == "date":
        return dt.date.fromisoformat(str(value))
    return form_text(spec, value)


class DocumentForm(forms.Form):
    """The fields of one document type; field names are the catalogue keys (prefixed `f-` in HTML)."""

    def __init__(self, *args: Any, doc_type: DocumentType, values: dict[str, Any] | None = None,
                 **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "f")
        super().__init__(*args, **kwargs)
        self.doc_type = doc_type
        # Marked in the form (documents/_fields.html) but not enforced: the issue action names what is missing.
        self.mandatory = [spec.key for spec in doc_type.fields if spec.required]
        for spec in doc_type.fields:
            self.fields[spec.key] = _form_field(spec)
            if values is not None:
                self.initial[spec.key] = initial_value(spec, values.get(spec.key))

    def values(self) -> dict[str, Any]:
        """What the user submitted, keyed by field; empty fields clear their value."""
        out: dict[str, Any] = {}
        for spec in self.doc_type.fields:
            value = self.cleaned_data.get(spec.key)
            out[spec.key] = "" if value is None else value
        return out


class HandSignatureForm(forms.Form):
    slot = forms.CharField(widget=forms.HiddenInput)
    name = forms.CharField(label="签名人姓名", max_length=100)
    id_number = forms.CharField(label="证件号码(可选)", max_length=64, required=False)
    fingerprint = forms.BooleanField(label="已在纸质文书上按手印", required=False)
    image = forms.CharField(widget=forms.HiddenInput, required=False, max_length=1_000_000)


class RefusalForm(forms.Form):
    slot = forms.CharField(widget=forms.HiddenInput)
    name = forms.CharField(label="拒签人姓名", max_length=100)
    reason = forms.CharField(label="拒签理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    WITNESS_ROWS = 3

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, self.WITNESS_ROWS + 1):
            self.fields[f"witness_{i}_name"] = forms.CharField(label=f"见证人{i}姓名", max_length=100, required=False)
            self.fields[f"witness_{i}_id"] = forms.CharField(label=f"见证人{i}身份证号或联系方式", max_length=64,
                                                             required=False)

    def witnesses(self) -> list[dict[str, str]]:
        out = []
        for i in range(1, self.WITNESS_ROWS + 1):
            name = (self.cleaned_data.get(f"witness_{i}_name") or "").strip()
            if name:
                out.append({"name": name, "id_number": self.cleaned_data.get(f"witness_{i}_id") or ""})
        return out


class ApprovalForm(OpinionForm):
    slot = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, doc_type: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.opinions = common_opinions(doc_type)


class CorrectionForm(forms.Form):
    reason = forms.CharField(label="更正理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class NumberSchemeForm(forms.Form):
    format = forms.CharField(
        label="文书编号格式", max_length=100,
        help_text="可用 {agency}(机关简称)、{abbr}(文书简称)、{year}(年度)、{seq}(序号,可写 {seq:03d} 补足三位)",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
