"""Forms of the residents' phone pages. The checks that matter live in the actions;
these forms render the fields and carry the errors back to them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.accounts.views import WorkbenchLoginForm
from anxin.residents.selectors import building_choices


class CodeStepsForm(forms.Form):
    """Two steps on one page: the mobile number (a code is sent), then the code
    and a new password. No field checks anything itself: the actions do, and
    their errors are added to the fields."""

    mobile = forms.CharField(
        label=_("Mobile number"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "inputmode": "tel",
                "autocomplete": "tel",
                "placeholder": "13800000000",
                "maxlength": "20",
            }
        ),
    )
    code = forms.CharField(
        label=_("Code from the SMS"),
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6"}
        ),
    )
    password1 = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class HomeFields(forms.Form):
    """Name and home building, as the sign-up and the profile ask them."""

    full_name = forms.CharField(
        label=_("Your name (optional)"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name", "maxlength": "60"}),
    )
    home_building = forms.CharField(label=_("Your building"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home_building"].widget = forms.Select(
            choices=[("", _("Choose your building")), *building_choices()]
        )


class SignupForm(CodeStepsForm, HomeFields):
    """``actions.request_signup_code`` then ``actions.sign_up``."""


class PasswordResetForm(CodeStepsForm):
    """``actions.request_reset_code`` then ``actions.reset_password``."""


class ProfileForm(HomeFields):
    """Name and home building; ``actions.update_profile`` checks them."""


class MobileLoginForm(WorkbenchLoginForm):
    """The workbench's login (username or mobile, lockout) on the phone."""

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
