"""Forms of the points store's staff pages. They only shape input: the rules (a unique name,
points at least 1, stock not below 0) are in store.py, whose DomainError lands back on the form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rongmei.practice.models import StoreItem
from rongmei.practice.store import MAX_POINTS, MAX_STOCK


class StoreItemForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=40)
    description = forms.CharField(label=_("Description"), max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    points = forms.IntegerField(label=pgettext_lazy("practice", "Points"), min_value=1, max_value=MAX_POINTS)
    stock = forms.IntegerField(label=_("In stock"), min_value=0, max_value=MAX_STOCK)
    active = forms.BooleanField(label=_("Offered in the store"), required=False, initial=True)
    # The stock the page showed, so that a volunteer's exchange meanwhile is not overwritten.
    stock_was = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, item: StoreItem | None = None, **kwargs):
        if item is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": item.name,
                    "description": item.description,
                    "points": item.points,
                    "stock": item.stock,
                    "active": item.active,
                    "stock_was": item.stock,
                },
            )
        super().__init__(*args, **kwargs)
