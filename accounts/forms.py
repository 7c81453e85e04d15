"""Page forms: they check input and name the errors; the services do the writing."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from accounts import services


class CountedFieldsMixin:
    """Let people type past a limit and see a live counter (static/js/accounts.js) instead of a silent stop."""

    counted = ("display_name", "bio")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.counted:
            field = self.fields[name]
            field.widget.attrs.pop("maxlength", None)
            field.widget.attrs["data-limit"] = field.max_length


class SignupForm(CountedFieldsMixin, forms.Form):
    display_name = forms.CharField(label="Name", max_length=50, required=False)
    username = forms.CharField(
        label="Username",
        max_length=15,
        help_text="Letters, digits and underscores, up to 15.",
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "username", "spellcheck": "false"}),
    )
    bio = forms.CharField(label="Bio", max_length=160, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters; not too common, not all digits, not like your username.",
    )
    password_confirm = forms.CharField(
        label="Confirm password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data["password"] != data["password_confirm"]:
            self.add_error("password_confirm", "The two passwords don't match.")
            return data
        try:
            services.validate_signup(
                username=data["username"],
                password=data["password"],
                display_name=data.get("display_name", ""),
                bio=data.get("bio", ""),
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return data


class LoginForm(forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=100,
        widget=forms.TextInput(attrs={"autocapitalize": "none", "autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class ProfileForm(CountedFieldsMixin, forms.Form):
    display_name = forms.CharField(label="Name", max_length=50, required=False)
    bio = forms.CharField(label="Bio", max_length=160, required=False, widget=forms.Textarea(attrs={"rows": 3}))
