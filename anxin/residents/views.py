"""The residents' phone pages under /m/: sign up, log in, profile, my reports,
a report's file in plain words, and the public board."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from anxin.accounts.selectors import is_resident_only, mask_mobile
from anxin.areas.models import Area
from anxin.core.pages import RESIDENT_LOGIN_URL, is_htmx, scoped, unscoped
from anxin.hazards.models import Attachment, Hazard
from anxin.ratings.selectors import rating_context
from anxin.residents import actions, selectors
from anxin.residents.choices import (
    AFTER_PHASES,
    BEFORE_PHASES,
    BOARD_PAGE_SIZE,
    CODE_TTL,
    MY_REPORTS_PAGE_SIZE,
)
from anxin.residents.forms import MobileLoginForm, PasswordResetForm, ProfileForm, SignupForm

resident_login_required = login_required(login_url=RESIDENT_LOGIN_URL)


def _add_errors(form: forms.Form, error: actions.SignupError) -> set[str]:
    """Put the action's errors on the form's fields; the error codes (the page
    links to login for ``already_registered``, to sign-up for ``not_registered``)."""
    codes: set[str] = set()
    for field, errors in error.error_dict.items():
        codes.update(e.code for e in errors if e.code)
        form.add_error(field if field in form.fields else None, errors)
    return codes


def _code_steps(
    request: HttpRequest,
    *,
    template: str,
    form_class: type[forms.Form],
    send_code: Callable[[str, HttpRequest], actions.CodeSent],
    finish: Callable[[HttpRequest], Any],
) -> HttpResponse:
    """A page of two steps (sign-up, a new password). ``action=send_code`` sends
    the one-time code (HTMX swaps ``#code-status`` and reveals the second step;
    without JS the page is rendered again with it); any other POST runs
    ``finish``, which returns the user to log in."""
    if request.user.is_authenticated:
        return redirect("residents:home")
    context: dict[str, Any] = {
        "code_sent": False,
        "error_codes": set(),
        "sent_to": "",
        "code_minutes": int(CODE_TTL.total_seconds() // 60),
    }
    if request.method != "POST":
        return render(request, template, {**context, "form": form_class()})
    form = form_class(request.POST)
    form.is_valid()
    if request.POST.get("action") == "send_code":
        try:
            sent = send_code(request.POST.get("mobile", ""), request)
        except actions.SignupError as exc:
            context["error_codes"] = _add_errors(form, exc)
            context["code_sent"] = bool(request.POST.get("code_sent"))
            status = 200 if is_htmx(request) else 400
        else:
            context.update(code_sent=True, sent_to=mask_mobile(sent.mobile))
            status = 200
        context["form"] = form
        if is_htmx(request):
            response = render(request, "residents/_code_status.html", context, status=status)
            if context["sent_to"]:
                response["HX-Trigger"] = "anxin-code-sent"
            return response
        return render(request, template, context, status=status)
    try:
        user = finish(request)
    except actions.SignupError as exc:
        context["error_codes"] = _add_errors(form, exc)
        context.update(code_sent=True, form=form)
        return render(request, template, context, status=400)
    login(request, user)  # records the login (accounts.signals), lockout cleared
    return redirect("residents:home")


# --- sign up, a new password ----------------------------------------------------------------
@unscoped("signing up reads no one's rows")
@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """The mobile number and a code, then the account."""
    return _code_steps(
        request,
        template="residents/signup.html",
        form_class=SignupForm,
        send_code=actions.request_signup_code,
        finish=lambda r: actions.sign_up(
            mobile=r.POST.get("mobile", ""),
            code=r.POST.get("code", ""),
            password1=r.POST.get("password1", ""),
            password2=r.POST.get("password2", ""),
            full_name=r.POST.get("full_name", ""),
            home_building=r.POST.get("home_building", ""),
            request=r,
        ),
    )


@unscoped("a new password reads only the account of the mobile number given")
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Forgot the password: a code to the account's mobile, then a new password."""
    return _code_steps(
        request,
        template="residents/password_reset.html",
        form_class=PasswordResetForm,
        send_code=actions.request_reset_code,
        finish=lambda r: actions.reset_password(
            mobile=r.POST.get("mobile", ""),
            code=r.POST.get("code", ""),
            password1=r.POST.get("password1", ""),
            password2=r.POST.get("password2", ""),
            request=r,
        ),
    )


# --- log in, log out, profile ------------------------------------------------------------------
class MobileLoginView(LoginView):
    unscoped_reason = "logging in reads only the user's own account"
    template_name = "residents/login.html"
    form_class = MobileLoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        if is_resident_only(self.request.user):
            return reverse("residents:home")
        return reverse("home")


class MobileLogoutView(LogoutView):
    unscoped_reason = "logging out reads nothing"
    next_page = "residents:login"


@unscoped("the user's own account")
@resident_login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """The account: name and home building can be changed (a resident who moved)."""
    user: Any = request.user
    status = 200
    if request.method == "POST":
        form = ProfileForm(request.POST)
        form.is_valid()
        try:
            actions.update_profile(
                user,
                full_name=request.POST.get("full_name", ""),
                home_building=request.POST.get("home_building", ""),
                request=request,
            )
        except actions.SignupError as exc:
            _add_errors(form, exc)
            status = 400
        else:
            messages.success(request, _("Your profile was saved."))
            return redirect("residents:profile")
    else:
        form = ProfileForm(
            initial={"full_name": user.full_name, "home_building": user.home_building_id or ""}
        )
    building = user.home_building
    community = selectors.community_of(building) if building is not None else None
    return render(
        request,
        "residents/profile.html",
        {
            "form": form,
            "full_name": user.full_name,
            "mobile": mask_mobile(user.mobile),
            "building": building,
            "community": community,
        },
        status=status,
    )


# --- my reports -------------------------------------------------------------------------------
@scoped(
    selectors.as_my_reports(Hazard.objects.all()),
    "view",
    argument="hazards",
    include_public=False,
    where=selectors.mine,
    login_url=RESIDENT_LOGIN_URL,
)
@require_GET
def home(request: HttpRequest, hazards: QuerySet[Hazard]) -> HttpResponse:
    page = Paginator(hazards, MY_REPORTS_PAGE_SIZE).get_page(request.GET.get("page"))
    items = [
        {
            "hazard": hazard,
            "status": selectors.plain_status(hazard.status),
            "thumbnail": selectors.thumbnail(hazard),
            "mine": hazard.reporter_id == request.user.pk,
        }
        for hazard in page.object_list
    ]
    return render(request, "residents/home.html", {"page": page, "items": items})


@scoped(
    selectors.as_my_reports(Hazard.objects.all()),
    "view",
    argument="hazard",
    lookup="pk",
    include_public=False,
    where=selectors.mine,
    login_url=RESIDENT_LOGIN_URL,
)
@require_GET
def report_detail(request: HttpRequest, hazard: Hazard) -> HttpResponse:
    rating = rating_context(hazard, request.user)
    context: dict[str, Any] = {
        "hazard": hazard,
        "status": selectors.plain_status(hazard.status),
        "events": selectors.resident_timeline(hazard, request.user),
        "before": selectors.photos_of(hazard, BEFORE_PHASES),
        "after": selectors.photos_of(hazard, AFTER_PHASES),
        "mine": hazard.reporter_id == request.user.pk,
        "rating": rating,
    }
    context.update(rating)
    return render(request, "residents/report_detail.html", context)


def _serve(file: Any, public: bool) -> FileResponse:
    response = FileResponse(file.open("rb"))
    response["Cache-Control"] = "public, max-age=300" if public else "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@scoped(
    Attachment.objects.exclude(public_file=""),
    "view",
    argument="attachment",
    lookup="pk",
    include_public=False,
    where=selectors.of_my_reports,
    login_url=None,
)
@require_GET
def photo(request: HttpRequest, attachment: Attachment) -> FileResponse:
    """The public copy (no EXIF) of a photo of the user's own or followed report."""
    return _serve(attachment.public_file, public=False)


# --- the public board ---------------------------------------------------------------------------
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def _board_filters(request: HttpRequest) -> tuple[dict[str, Any], list[str]]:
    errors: list[str] = []
    community: Area | None = None
    raw_community = request.GET.get("community")
    if raw_community is None:
        community = selectors.home_community(request.user)
    elif raw_community.strip():
        community = (
            selectors.community(int(raw_community)) if raw_community.strip().isdigit() else None
        )
        if community is None:
            errors.append(_("Unknown community; showing all communities."))
    main_class = (request.GET.get("category") or "").strip()
    classes = selectors.main_classes()
    if main_class and main_class not in {c.code for c in classes}:
        errors.append(_("Unknown category; showing all categories."))
        main_class = ""
    month: tuple[int, int] | None = None
    raw_month = (request.GET.get("month") or "").strip()
    if raw_month:
        match = MONTH_RE.match(raw_month)
        if match and 1 <= int(match.group(2)) <= 12 and int(match.group(1)) >= 2000:
            month = (int(match.group(1)), int(match.group(2)))
        else:
            errors.append(_("Give the month as YYYY-MM; showing all months."))
            raw_month = ""
    return {
        "community": community,
        "main_class": main_class,
        "month": month,
        "month_text": raw_month if month else "",
        "classes": classes,
    }, errors


@scoped(Hazard, "view", argument="hazards", login_url=None)
@require_GET
def board(request: HttpRequest, hazards: QuerySet[Hazard]) -> HttpResponse:
    """Closed and publicised hazards of a community, with before and after photos.
    Where the locality requires it, only blurred copies are shown (made now if
    missing); a photo that cannot be blurred is left out."""
    filters, errors = _board_filters(request)
    qs = selectors.board(hazards, filters["community"], filters["main_class"], filters["month"])
    page = Paginator(qs, BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    items = []
    for hazard in page.object_list:
        before, after = selectors.board_photos(hazard)
        if selectors.needs_blur(hazard):
            before = actions.ensure_blurred_copies(before)
            after = actions.ensure_blurred_copies(after)
        category = hazard.category
        main = category.parent or category
        items.append(
            {
                "hazard": hazard,
                "main_class": main,
                "category": category,
                "before": before,
                "after": after,
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    if "community" not in query:
        query["community"] = str(filters["community"].pk) if filters["community"] else ""
    return render(
        request,
        "residents/board.html",
        {
            **filters,
            "errors": errors,
            "page": page,
            "items": items,
            "communities": selectors.community_choices(),
            "query": query.urlencode(),
        },
    )


@scoped(
    Attachment.objects.filter(kind="photo").exclude(public_file="").select_related("hazard"),
    "view",
    argument="attachment",
    lookup="pk",
    where=selectors.on_the_board,
    login_url=None,
)
@require_GET
def board_photo(request: HttpRequest, attachment: Attachment) -> FileResponse:
    """A photo of a publicised hazard: the blurred copy where the locality
    requires it (none: 404), else the public copy without EXIF."""
    published = actions.published_copy(attachment)
    if published is None:
        raise Http404
    return _serve(published, public=True)
