from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Django's login form with our labels; axes counts its failures (it passes the request)."""

    error_messages = {
        "invalid_login": _("The username or password is not right. Note that the password is case-sensitive."),
        "inactive": _("This account is disabled. Ask an administrator."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["password"].label = _("Password")


class TokenCodeForm(forms.Form):
    """The 6-digit code of an authenticator app."""

    code = forms.CharField(
        label=_("6-digit code"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*", "autofocus": True, "size": 8}
        ),
        error_messages={"required": _("Enter the 6-digit code shown in your authenticator app.")},
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError(_("The code has exactly 6 digits."))
        return code


class TokenCreateForm(forms.Form):
    EXPIRY_CHOICES = [
        ("", _("Never expires")),
        ("30", _("30 days")),
        ("90", _("90 days")),
        ("365", _("One year")),
    ]

    name = forms.CharField(
        label=_("Token name"),
        max_length=60,
        help_text=_("What the token is for, e.g. “publishing script”."),
        error_messages={"required": _("Give the token a name so you can recognize it later.")},
    )
    expires_in_days = forms.TypedChoiceField(label=_("Expires"), choices=EXPIRY_CHOICES, coerce=int, empty_value=None, required=False)
