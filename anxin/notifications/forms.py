from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.notifications.models import NotificationPreference


class PreferenceForm(forms.ModelForm):  # type: ignore[type-arg]
    """A user's channels, quiet hours and digest, plus their e-mail address."""

    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        help_text=_("Where e-mail notifications are sent."),
    )

    class Meta:
        model = NotificationPreference
        fields = [
            "email_enabled",
            "sms_enabled",
            "quiet_hours_start",
            "quiet_hours_end",
            "digest_enabled",
        ]
        widgets = {
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "quiet_hours_start": _(
                "Local time. Non-urgent messages are held until the quiet hours end; "
                "urgent (red) ones always go out. May wrap midnight, e.g. 22:00–07:00. "
                "The same start and end time means no quiet hours."
            ),
            "sms_enabled": _("Sent to the mobile number of your account."),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["email"].initial = user.email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("quiet_hours_start"), data.get("quiet_hours_end")
        one_missing = (start is None) != (end is None)
        if one_missing and not (
            self.has_error("quiet_hours_start") or self.has_error("quiet_hours_end")
        ):
            missing = "quiet_hours_end" if end is None else "quiet_hours_start"
            self.add_error(
                missing, _("Give both the start and the end of the quiet hours, or neither.")
            )
        if data.get("email_enabled") and not data.get("email") and not self.has_error("email"):
            self.add_error(
                "email", _("Enter an e-mail address to receive notifications by e-mail.")
            )
        if data.get("sms_enabled") and not self.user.mobile:
            self.add_error(
                "sms_enabled",
                _("Your account has no mobile number; ask an administrator to add one."),
            )
        return data
