from django import forms

from lawtrail.archive.choices import Retention


class AssembleForm(forms.Form):
    retention = forms.ChoiceField(label="保管期限", required=False,
                                  choices=[("", "按规定的默认值")] + list(Retention.choices))
    notes = forms.CharField(label="备考表说明", required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 3, "placeholder": "本卷情况说明,如缺损、补充等"}))


class BindForm(forms.Form):
    note = forms.CharField(label="检查意见", required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2, "placeholder": "如:齐全完整,同意装订归档"}))
