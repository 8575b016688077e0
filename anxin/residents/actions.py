"""Writes of the residents' app: sign-up with a one-time code, blurred public copies."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from anxin.accounts.actions import (
    client_ip,
    grant_membership,
    memberships_changed,
    record_audit,
)
from anxin.accounts.choices import AuditVerb, Role
from anxin.accounts.models import MOBILE_RE, Membership, User
from anxin.areas.choices import Level
from anxin.areas.models import Area
from anxin.hazards.attachments import BlurError, blurred_copy
from anxin.hazards.models import Attachment
from anxin.residents.choices import (
    CODE_DAILY_LIMIT,
    CODE_IP_HOURLY_LIMIT,
    CODE_LENGTH,
    CODE_MAX_TRIES,
    CODE_RESEND_SECONDS,
    CODE_TTL,
    CodePurpose,
)
from anxin.residents.models import SignupCode

log = logging.getLogger(__name__)

HMAC_SALT = "anxin.residents.signup-code"


class SignupError(ValidationError):
    """A sign-up step was refused; ``message_dict`` names the fields. ``code`` is
    ``already_registered`` when the number has an account (the page links to login)."""


def _error(field: str, message: str, code: str) -> SignupError:
    return SignupError({field: [ValidationError(message, code=code)]})


def _hash(mobile: str, code: str) -> str:
    return salted_hmac(HMAC_SALT, f"{mobile}:{code}", algorithm="sha256").hexdigest()


def normalise_mobile(value: str) -> str:
    """Digits only, without a +86 / 86 prefix, spaces or dashes."""
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def is_registered(mobile: str) -> bool:
    return User.objects.filter(Q(mobile=mobile) | Q(username=mobile)).exists()


def _check_mobile(mobile: str) -> None:
    if not MOBILE_RE.match(mobile):
        raise _error(
            "mobile",
            _("Enter a mainland China mobile number of 11 digits starting with 1."),
            "invalid_mobile",
        )
    if is_registered(mobile):
        raise _error(
            "mobile",
            _("This mobile number is already registered. Log in instead."),
            "already_registered",
        )


def _check_account_mobile(mobile: str) -> None:
    """A well-formed number that an account uses (to set a new password)."""
    if not MOBILE_RE.match(mobile):
        raise _error(
            "mobile",
            _("Enter a mainland China mobile number of 11 digits starting with 1."),
            "invalid_mobile",
        )
    if not User.objects.filter(mobile=mobile, is_active=True).exists():
        raise _error(
            "mobile",
            _("No account uses this mobile number. Sign up instead."),
            "not_registered",
        )


def sms_text(code: str, purpose: str = CodePurpose.SIGNUP) -> str:
    minutes = int(CODE_TTL.total_seconds() // 60)
    if purpose == CodePurpose.RESET:
        text = _(
            "Anxin: your code to set a new password is %(code)s. It is valid for "
            "%(minutes)d minutes. If you did not ask for it, ignore this message."
        )
    else:
        text = _(
            "Anxin: your sign-up code is %(code)s. It is valid for %(minutes)d minutes. "
            "Do not tell it to anyone."
        )
    return text % {"code": code, "minutes": minutes}


def _send_sms(mobile: str, text: str) -> bool:
    """Send through the SMS channel (``anxin.notifications.channels``): the HTTP
    gateway in production, the log in development. No Delivery row is stored:
    the message holds the code, and only its hash may be kept."""
    from anxin.notifications.channels import send
    from anxin.notifications.choices import Channel
    from anxin.notifications.models import Delivery

    result = send(Delivery(channel=Channel.SMS, target=mobile, payload={"text": text}))
    if not result.ok:
        log.warning(
            "residents: sign-up code to %s****%s not sent: %s",
            mobile[:3],
            mobile[-4:],
            result.error,
        )
    return result.ok


@dataclass(frozen=True)
class CodeSent:
    mobile: str
    expires_at: Any
    resend_after_seconds: int


def request_signup_code(mobile: str, request: HttpRequest | None = None) -> CodeSent:
    """Send a new sign-up code to ``mobile`` (not yet registered)."""
    mobile = normalise_mobile(mobile)
    _check_mobile(mobile)
    return _send_code(mobile, CodePurpose.SIGNUP, request)


def request_reset_code(mobile: str, request: HttpRequest | None = None) -> CodeSent:
    """Send a code to set a new password to ``mobile`` (an account's number)."""
    mobile = normalise_mobile(mobile)
    _check_account_mobile(mobile)
    return _send_code(mobile, CodePurpose.RESET, request)


def _send_code(mobile: str, purpose: str, request: HttpRequest | None) -> CodeSent:
    """Send a new one-time code for ``purpose`` to a checked number.

    At most one code per number every ``CODE_RESEND_SECONDS`` and
    ``CODE_DAILY_LIMIT`` a day (whatever the purpose), and
    ``CODE_IP_HOURLY_LIMIT`` an hour from one address. Raises SignupError
    naming the field ``mobile``."""
    now = timezone.now()
    SignupCode.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    with transaction.atomic():
        recent = list(
            SignupCode.objects.filter(mobile=mobile, created_at__gte=now - timedelta(days=1))
            .order_by("-created_at")
            .values_list("created_at", flat=True)
        )
        if recent:
            wait = CODE_RESEND_SECONDS - int((now - recent[0]).total_seconds())
            if wait > 0:
                raise _error(
                    "mobile",
                    ngettext(
                        "A code was just sent. Ask again in %(seconds)d second.",
                        "A code was just sent. Ask again in %(seconds)d seconds.",
                        wait,
                    )
                    % {"seconds": wait},
                    "too_soon",
                )
        if len(recent) >= CODE_DAILY_LIMIT:
            raise _error(
                "mobile",
                _("Too many codes were sent to this number today. Try again tomorrow."),
                "daily_limit",
            )
        ip_address = client_ip(request)
        if (
            ip_address
            and SignupCode.objects.filter(
                ip_address=ip_address, created_at__gte=now - timedelta(hours=1)
            ).count()
            >= CODE_IP_HOURLY_LIMIT
        ):
            raise _error(
                "mobile",
                _("Too many codes were asked for from this network. Try again in an hour."),
                "address_limit",
            )
        code = f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"
        row = SignupCode.objects.create(
            mobile=mobile,
            purpose=purpose,
            code_hash=_hash(mobile, code),
            created_at=now,
            expires_at=now + CODE_TTL,
            ip_address=ip_address,
        )
    if not _send_sms(mobile, sms_text(code, purpose)):
        row.delete()  # not sent: the person may ask again at once
        raise _error(
            "mobile",
            _("The code could not be sent just now. Try again in a moment."),
            "not_sent",
        )
    return CodeSent(mobile, row.expires_at, CODE_RESEND_SECONDS)


def _use_code(mobile: str, code: str, purpose: str = CodePurpose.SIGNUP) -> SignupCode:
    """Check ``code`` against the newest code of ``mobile`` for ``purpose``; a
    wrong try is counted (and committed) even though the step then fails."""
    code = (code or "").strip()
    if not code:
        raise _error("code", _("Enter the code sent to your phone."), "required")
    now = timezone.now()
    wrong: SignupError | None = None
    with transaction.atomic():
        row = (
            SignupCode.objects.select_for_update()
            .filter(mobile=mobile, purpose=purpose, used_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None:
            raise _error("code", _("Ask for a code first."), "no_code")
        if row.expires_at <= now:
            raise _error("code", _("The code has expired. Ask for a new one."), "expired")
        if row.attempts >= CODE_MAX_TRIES:
            raise _error(
                "code",
                _("Too many wrong tries with this code. Ask for a new one."),
                "too_many_tries",
            )
        if not constant_time_compare(row.code_hash, _hash(mobile, code)):
            # counted in this transaction, which commits: the error is raised after it
            SignupCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
            left = CODE_MAX_TRIES - row.attempts - 1
            if left <= 0:
                wrong = _error(
                    "code",
                    _("The code is wrong, and this code is now used up. Ask for a new one."),
                    "too_many_tries",
                )
            else:
                wrong = _error(
                    "code",
                    ngettext(
                        "The code is wrong. %(left)d more try with this code.",
                        "The code is wrong. %(left)d more tries with this code.",
                        left,
                    )
                    % {"left": left},
                    "wrong_code",
                )
    if wrong is not None:
        raise wrong
    return row


def building_choices_q() -> Q:
    """The buildings a resident may choose as home: every building of the org tree."""
    return Q(level=Level.BUILDING)


def _home_building(value: Any) -> Area:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        pk = None
    building = Area.objects.filter(building_choices_q(), pk=pk).first() if pk is not None else None
    if building is None:
        raise _error("home_building", _("Choose your building from the list."), "invalid_choice")
    return building


def _community_of(building: Area) -> Area | None:
    return (
        Area.objects.filter(code__in=building.ancestor_codes(), level=Level.COMMUNITY)
        .order_by("-depth")
        .first()
    )


def _check_name_and_building(
    full_name: str, home_building: Any, errors: dict[str, list[ValidationError]]
) -> Area | None:
    """The name (at most 60 characters) and the home building (one of the
    list), as sign-up and the profile page take them: problems are added to
    ``errors``; the building when it is valid."""
    if len(full_name) > 60:
        errors.setdefault("full_name", []).append(
            ValidationError(_("At most 60 characters."), code="max_length")
        )
    try:
        return _home_building(home_building)
    except SignupError as exc:
        for field, messages in exc.error_dict.items():
            errors.setdefault(field, []).extend(messages)
        return None


def update_profile(
    user: User, *, full_name: str, home_building: Any, request: HttpRequest | None = None
) -> User:
    """A resident changes their name or home building (they moved). The resident
    membership moves to the new building's community, and the change is audited
    (the codes of the buildings, not the name: that is personal data). Raises
    SignupError naming the fields; nothing changes on error."""
    full_name = (full_name or "").strip()
    errors: dict[str, list[ValidationError]] = {}
    building = _check_name_and_building(full_name, home_building, errors)
    if errors:
        raise SignupError(errors)
    assert building is not None
    before = user.home_building
    name_changed = full_name != user.full_name
    with transaction.atomic():
        user.full_name = full_name
        user.home_building = building
        user.save(update_fields=["full_name", "home_building"])
        if before is None or before.pk != building.pk:
            community = _community_of(building)
            moved = (
                Membership.objects.filter(user=user, role=Role.RESIDENT, is_active=True)
                .exclude(area=community)
                .update(area=community)
            )
            if moved:  # an UPDATE sends no signal: move the version here
                memberships_changed(User.objects.filter(pk=user.pk))
        record_audit(
            user,
            AuditVerb.PROFILE_CHANGED,
            user,
            detail={
                "home_building": [before.code if before else None, building.code],
                "name_changed": name_changed,
            },
            request=request,
        )
    return user


def _new_username(mobile: str) -> str:
    """Not the mobile number: usernames are shown where mobiles are masked."""
    for _attempt in range(10):
        candidate = f"resident-{secrets.token_hex(4)}"
        if not User.objects.filter(username=candidate).exists():
            return candidate
    return f"resident-{secrets.token_hex(8)}"


def _check_passwords(
    password1: str, password2: str, user: User, errors: dict[str, list[ValidationError]]
) -> None:
    """The new password: given, typed twice alike, and accepted by the validators."""
    if not password1:
        errors.setdefault("password1", []).append(
            ValidationError(_("Choose a password."), code="required")
        )
    elif password1 != password2:
        errors.setdefault("password2", []).append(
            ValidationError(_("The two passwords are not the same."), code="password_mismatch")
        )
    else:
        try:
            validate_password(password1, user)
        except ValidationError as exc:
            errors.setdefault("password1", []).extend(exc.error_list)


def _claim(row: SignupCode) -> None:
    """Use the code up inside the caller's transaction (once, even when two
    requests bring the same code at the same moment)."""
    claimed = SignupCode.objects.filter(pk=row.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not claimed:
        raise _error("code", _("Ask for a code first."), "no_code")


def reset_password(
    *,
    mobile: str,
    code: str,
    password1: str,
    password2: str,
    request: HttpRequest | None = None,
) -> User:
    """Set a new password for the account of ``mobile`` once the code sent to it
    is right (a resident who forgot theirs). Every field is checked first, the
    code last; the change is audited. Logging in is the caller's part."""
    mobile = normalise_mobile(mobile)
    errors: dict[str, list[ValidationError]] = {}
    user = None
    try:
        _check_account_mobile(mobile)
        user = User.objects.get(mobile=mobile, is_active=True)
    except SignupError as exc:
        errors.update(exc.error_dict)
    _check_passwords(password1, password2, user or User(mobile=mobile), errors)
    if errors:
        raise SignupError(errors)
    assert user is not None
    row = _use_code(mobile, code, CodePurpose.RESET)
    with transaction.atomic():
        _claim(row)
        user.set_password(password1)
        user.save(update_fields=["password"])
        record_audit(user, AuditVerb.PASSWORD_RESET, user, request=request)
    return user


def sign_up(
    *,
    mobile: str,
    code: str,
    password1: str,
    password2: str,
    home_building: Any,
    full_name: str = "",
    request: HttpRequest | None = None,
) -> User:
    """Create a resident's account once the one-time code is right.

    Every field is checked and all problems are reported at once (SignupError
    with one list per field); the code is checked last, so that a wrong try is
    only counted when everything else is in order. On success: the user (with
    mobile, name and home building), a resident membership on the home
    building's community (scope SELF, audited by ``grant_membership``), and the
    code used up. Logging in is the caller's part (it records the login)."""
    mobile = normalise_mobile(mobile)
    full_name = (full_name or "").strip()
    errors: dict[str, list[ValidationError]] = {}
    try:
        _check_mobile(mobile)
    except SignupError as exc:
        errors.update(exc.error_dict)
    building = _check_name_and_building(full_name, home_building, errors)
    _check_passwords(
        password1, password2, User(username=mobile, full_name=full_name, mobile=mobile), errors
    )
    if errors:
        raise SignupError(errors)
    row = _use_code(mobile, code)
    assert building is not None
    community = _community_of(building)
    try:
        with transaction.atomic():
            _claim(row)
            user = User(
                username=_new_username(mobile),
                mobile=mobile,
                full_name=full_name,
                home_building=building,
            )
            user.set_password(password1)
            user.full_clean()
            user.save()
            grant_membership(user=user, role=Role.RESIDENT, area=community)
    except IntegrityError as exc:  # the same number signed up at the same moment
        raise _error(
            "mobile",
            _("This mobile number is already registered. Log in instead."),
            "already_registered",
        ) from exc
    except SignupError:
        raise
    except ValidationError as exc:  # the model's own checks (should not happen)
        raise SignupError(getattr(exc, "error_dict", {"mobile": exc.error_list})) from exc
    log.info("residents: resident %s signed up (home building %s)", user.pk, building.code)
    return user


# --- blurred public copies ---------------------------------------------------------------
def published_copy(attachment: Attachment) -> Any:
    """The file of a photo as the public sees it (the board, or the API for
    someone who sees the hazard only because it is publicised): the blurred copy
    where the locality requires blurring — None when it cannot be made — else
    the public copy without EXIF."""
    from anxin.residents.selectors import needs_blur

    if needs_blur(attachment.hazard):
        return attachment.blurred_file if ensure_blurred_copy(attachment) else None
    return attachment.public_file


def ensure_blurred_copy(attachment: Attachment) -> bool:
    """Make the photo's blurred public copy if it has none; True when it has one.

    A photo that cannot be processed is marked so and is never shown where the
    locality requires blurring. Two processes making the same copy at once: the
    first to record it wins, the other's file is removed."""
    if attachment.blurred_file:
        return True
    if attachment.blur_failed or not attachment.public_file:
        return False
    try:
        with attachment.public_file.open("rb") as handle:
            data = handle.read()
    except OSError as exc:  # storage trouble: try again next time
        log.warning("residents: cannot read public copy of attachment %s: %s", attachment.pk, exc)
        return False
    try:
        copy = blurred_copy(data)
    except BlurError as exc:
        log.warning("residents: attachment %s cannot be blurred: %s", attachment.pk, exc)
        Attachment.objects.filter(pk=attachment.pk, blurred_file="").update(blur_failed=True)
        attachment.blur_failed = True
        return False
    field = attachment.blurred_file.field
    name = field.generate_filename(attachment, "blurred.jpg")
    stored = field.storage.save(name, ContentFile(copy.data), max_length=field.max_length)
    updated = Attachment.objects.filter(pk=attachment.pk, blurred_file="").update(
        blurred_file=stored, blur_failed=False
    )
    if not updated:
        field.storage.delete(stored)
        attachment.refresh_from_db(fields=["blurred_file", "blur_failed"])
        return bool(attachment.blurred_file)
    attachment.blurred_file.name = stored
    log.info(
        "residents: blurred public copy of attachment %s (%d region(s))",
        attachment.pk,
        len(copy.regions),
    )
    return True


def ensure_blurred_copies(attachments: Iterable[Attachment]) -> list[Attachment]:
    """The photos among ``attachments`` that may be shown blurred (copies made now if needed)."""
    return [a for a in attachments if ensure_blurred_copy(a)]
