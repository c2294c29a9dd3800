from __future__ import annotations

from typing import Any

from django import forms

from .choices import ReplyKind


class ScoreForm(forms.Form):
    """The whole checklist on one form (a tablet's one screen): a score and a comment per item."""

    def __init__(self, *args: Any, rows: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[f"score_{row['id']}"] = forms.IntegerField(
                label=f"得分(满分 {row['points']})", required=False, initial=row["score"],
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": row["points"]}))
            self.fields[f"comment_{row['id']}"] = forms.CharField(
                label="评查意见", required=False, initial=row["comment"], max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}))

    def items(self) -> list[dict[str, Any]]:
        return [{**row, "score_field": self[f"score_{row['id']}"], "comment_field": self[f"comment_{row['id']}"]}
                for row in self.rows]


class SubmitForm(forms.Form):
    summary = forms.CharField(label="评查意见(总体)", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ReplyForm(forms.Form):
    kind = forms.ChoiceField(label="答复", choices=ReplyKind.choices, widget=forms.RadioSelect)
    reply = forms.CharField(label="说明(有异议时必填)", required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(forms.Form):
    note = forms.CharField(label="办结意见(被评查人有异议时必填)", required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


PERIODS = [*[(f"m{m}", f"{m}月") for m in range(1, 13)], *[(f"q{q}", f"第{'一二三四'[q - 1]}季度") for q in range(1, 5)],
           ("y", "全年")]


class PeriodForm(forms.Form):
    """The period picker: a year and, within it, a month, a quarter or the whole year."""

    year = forms.TypedChoiceField(label="年份", coerce=int)
    p = forms.ChoiceField(label="考核周期", choices=PERIODS)

    def __init__(self, *args: Any, this_year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, f"{y}年") for y in range(this_year, this_year - 6, -1)]  # type: ignore[attr-defined]

    @staticmethod
    def split(value: str) -> tuple[str, int]:
        """"m3" → ("month", 3), "q2" → ("quarter", 2), "y" → ("year", 1)."""
        kind = {"m": "month", "q": "quarter", "y": "year"}[value[0]]
        return kind, int(value[1:] or 1)
