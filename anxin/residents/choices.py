from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from anxin.areas.choices import Level
from anxin.hazards.choices import Phase, Status

# Localities that set a policy for residents (nearest one up the tree wins).
POLICY_LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY)


# --- sign-up and password reset with a one-time code sent by SMS --------------------------
class CodePurpose(models.TextChoices):
    SIGNUP = "signup", _("Sign up")
    RESET = "reset", _("New password")


CODE_LENGTH = 6
CODE_TTL = timedelta(minutes=10)
CODE_MAX_TRIES = 5  # wrong tries per code; then a new code is needed
CODE_RESEND_SECONDS = 60  # at most one new code per number in this many seconds
CODE_DAILY_LIMIT = 10  # codes per number in 24 hours (protects people from SMS floods)
CODE_IP_HOURLY_LIMIT = 20  # codes asked from one address in an hour (protects the SMS budget)

# --- what a hazard's status means to the resident who reported or follows it -------------
PLAIN_STATUS: dict[str, Promise] = {
    Status.REPORTED: _("Received, waiting to be checked"),
    Status.VERIFIED: _("Checked and passed to the responsible unit to fix"),
    Status.DISPATCHED: _("Checked and passed to the responsible unit to fix"),
    Status.RETURNED: _("Checked; the responsible unit is being reassigned"),
    Status.RECTIFYING: _("Being fixed"),
    Status.AWAITING_RECHECK: _("Fixed, waiting for the recheck"),
    Status.CLOSED: _("Fixed and closed"),
    Status.REJECTED: _("Checked: not a safety hazard"),
    Status.MERGED: _("Merged into a report of the same hazard"),
}

# Photos shown as "before" and "after" on a resident's report and the public board.
BEFORE_PHASES = (Phase.FOUND, Phase.VERIFY, Phase.RECTIFY_BEFORE)
AFTER_PHASES = (Phase.RECTIFY_AFTER, Phase.RECHECK)
BOARD_PHOTOS_PER_SIDE = 3
BOARD_PAGE_SIZE = 10
MY_REPORTS_PAGE_SIZE = 20
