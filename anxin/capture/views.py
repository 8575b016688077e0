"""The phone report page ("report in three taps"), its JSON helpers, and the
service worker and web app manifest that let it work offline.

Logged-in users send their reports to the REST API (``POST /api/v1/hazards/``)
from the page's offline queue; people without an account send them to
``submit`` where the locality allows anonymous reports.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from anxin.accounts.actions import client_ip
from anxin.accounts.choices import Role
from anxin.capture import actions as capture_actions
from anxin.capture import selectors
from anxin.capture.forms import (
    AnonymousReportForm,
    FollowForm,
    NearbyForm,
    PointForm,
    form_errors,
)
from anxin.core.pages import unscoped
from anxin.core.process_cache import ProcessCache
from anxin.hazards import actions
from anxin.hazards.attachments import IMAGE_FORMATS
from anxin.hazards.choices import Phase, SourceChannel
from anxin.hazards.errors import HazardValidationError
from anxin.hazards.models import Hazard

# Background Sync tag and IndexedDB names shared by the page and the worker.
SYNC_TAG = "anxin-capture-sync"
CACHE_PREFIX = "anxin-capture-"
THEME_COLOUR = "#1f6feb"
ICON_SIZES = (192, 512)


def _json(data: Any, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "private, no-store"
    return response


def _bad(errors: dict[str, list[str]], status: int = 400) -> JsonResponse:
    return _json({"errors": errors, "detail": _("The request has invalid fields.")}, status)


def _login_needed() -> JsonResponse:
    return _json({"detail": _("Please log in first.")}, status=403)


def _owner(user: Any) -> str:
    """Whose items the offline queue shows and sends in this session."""
    return f"u{user.pk}" if user.is_authenticated else "anon"


def _source(user: Any) -> str:
    """The source channel the page sends: a grid worker's report is a patrol
    report; a resident's a resident report; other staff leave it to the server."""
    if not user.is_authenticated:
        return SourceChannel.RESIDENT
    roles = user.roles
    if Role.GRID_WORKER in roles:
        return SourceChannel.PATROL
    if not roles or roles <= {Role.RESIDENT}:
        return SourceChannel.RESIDENT
    return ""


def _report_detail_pattern() -> str:
    """/m/reports/<id>/ with ``{id}`` in place of the number."""
    return reverse("residents:report_detail", args=[999999999]).replace("999999999", "{id}")


def _optional_reverse(name: str, default: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return default


def _point(form: PointForm) -> tuple[float, float]:
    return float(form.cleaned_data["lat"]), float(form.cleaned_data["lng"])


# --- the page --------------------------------------------------------------------------
@unscoped("the report page: categories and the outline of the area, the same for everyone")
@require_GET
@ensure_csrf_cookie
def report(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    report_url = reverse("capture:report")
    login_url = _optional_reverse("residents:login", "/login/")
    signup_url = _optional_reverse("residents:signup", "")
    config = {
        "owner": _owner(user),
        "authenticated": bool(user.is_authenticated),
        "source": _source(user),
        "apiUrl": reverse("api:hazard-list"),
        "submitUrl": reverse("capture:submit"),
        "nearbyUrl": reverse("capture:nearby"),
        "followUrl": reverse("capture:follow"),
        "whereUrl": reverse("capture:where"),
        "sessionUrl": reverse("capture:session"),
        "reportDetailUrl": _report_detail_pattern(),
        "knowledgeUrl": reverse("knowledge:list"),
        "loginUrl": f"{login_url}?next={report_url}",
        "signupUrl": f"{signup_url}?next={report_url}" if signup_url else "",
        "maxImageBytes": settings.ATTACHMENT_MAX_IMAGE_BYTES,
        "maxFiles": settings.ATTACHMENTS_PER_REQUEST,
        "imageTypes": sorted(set(IMAGE_FORMATS.values())),
        "syncTag": SYNC_TAG,
    }
    taxonomy = selectors.taxonomy_for_page()
    subclasses_by_class: dict[str, list[dict[str, Any]]] = {}
    for item in taxonomy["subclasses"]:
        subclasses_by_class.setdefault(item["parent"], []).append(item)
    context = {
        "config": config,
        "text": _page_text(),
        "taxonomy": taxonomy,
        "classes": [
            {
                **c,
                "svg": mark_safe(selectors.icon_svg(c["icon"])),  # constant markup
                "subclasses": subclasses_by_class.get(c["code"], []),
            }
            for c in taxonomy["classes"]
        ],
        "outline": selectors.area_outline(),
        "is_patrol": config["source"] == SourceChannel.PATROL,
        "max_image_mb": settings.ATTACHMENT_MAX_IMAGE_BYTES // 1_000_000,
        "max_files": settings.ATTACHMENTS_PER_REQUEST,
        "login_url": config["loginUrl"],
        "signup_url": config["signupUrl"],
    }
    return render(request, "capture/report.html", context)


def _page_text() -> dict[str, Any]:
    """The page script's words, in the user's language."""
    text = {
        "queued": _("Waiting to send"),
        "queued_offline": _("Saved on this phone. It will be sent when you are back online."),
        "sending": _("Sending…"),
        "sent": _("Sent"),
        "failed": _("Not accepted — please check"),
        "code": _("Code %(code)s"),
        "open_report": _("Follow its progress"),
        "retry": _("Send again"),
        "edit": _("Edit"),
        "delete": _("Delete"),
        "delete_confirm": _("Delete this report from this phone?"),
        "queue_empty": _("No reports on this phone yet."),
        "saved": _("Saved. Sending now…"),
        "saved_offline": _("You are offline. The report is saved and will be sent later."),
        "photo_too_big": _("The photo %(name)s is larger than %(mb)s MB."),
        "photo_bad_type": _("%(name)s is not a photo (JPEG, PNG, WebP)."),
        "photo_too_many": _("At most %(n)s photos per report."),
        "photo_remove": _("Remove this photo"),
        "photos": _("Photos: %(n)s"),
        "locating": _("Finding where you are…"),
        "located": _("Location found (within about %(m)s m). Drag the pin if it is not right."),
        "location_moved": _("Pin moved. The report will use this point."),
        "location_denied": _("Location is off. Tap the map where the hazard is."),
        "location_failed": _("Your location could not be found. Tap the map where the hazard is."),
        "location_outside": _("The point lies outside every grid of the area."),
        "choose_category": _("Choose what kind of hazard it is."),
        "choose_location": _("Tell us where it is: allow location or tap the map."),
        "no_match": _("Nothing matches. Try other words, or pick a picture above."),
        "duplicate_question": _(
            "Someone nearby has already reported this hazard — do you want to follow it?"
        ),
        "follow": _("Follow this one"),
        "yours": _("You already follow this"),
        "metres": _("%(m)s m away"),
        "reported_on": _("reported %(date)s"),
        "followed": _("You now follow “%(title)s”. You will be told when it changes."),
        "follow_failed": _("It could not be followed: it may be closed or too far away."),
        "anonymous_allowed": _("You may report here without an account."),
        "anonymous_refused": _(
            "Reports here need an account. Please log in or sign up; your report is kept."
        ),
        "login_needed": _("Please log in again, then send it again."),
        "server_busy": _("The server could not take it now; it will be tried again."),
        "unknown_error": _("Something went wrong; it will be tried again."),
    }
    words: dict[str, Any] = {key: str(value) for key, value in text.items()}
    words["field_labels"] = {
        "category": str(_("Category")),
        "lat": str(_("Location")),
        "lng": str(_("Location")),
        "location": str(_("Location")),
        "attachments": str(_("Photos")),
        "description": str(_("Description")),
        "title": str(_("Title")),
        "name": str(_("Your name")),
        "phone": str(_("Your phone")),
        "source": str(_("Source")),
    }
    return words


# --- JSON helpers of the page ---------------------------------------------------------------
@unscoped("a CSRF token and whose queue this session sends")
@require_GET
@never_cache
def session(request: HttpRequest) -> JsonResponse:
    """A fresh CSRF token and whose queue this session may send (the page and
    the service worker ask before they send, so a stale cached page or a
    Background Sync without a page still sends with valid credentials)."""
    return _json({"token": get_token(request), "owner": _owner(request.user)})


@unscoped("the names of the areas at a point and its locality's policy, public to reporters")
@require_GET
def where(request: HttpRequest) -> JsonResponse:
    """The area names of a point and whether its locality takes anonymous reports."""
    form = PointForm(request.GET)
    if not form.is_valid():
        return _bad(form_errors(form))
    return _json(selectors.where(*_point(form)))


@unscoped(
    "offers open reports near the reporter to follow, beyond the user's scope "
    "(public-safe fields only): the one exception the page walk allows"
)
@require_GET
def nearby(request: HttpRequest) -> JsonResponse:
    """Open hazards of this subclass within its duplicate radius and window:
    public-safe fields only (no people, no codes, no exact points)."""
    if not request.user.is_authenticated:
        return _login_needed()
    form = NearbyForm(request.GET)
    if not form.is_valid():
        return _bad(form_errors(form))
    category = form.cleaned_data["category"]
    lat, lng = _point(form)
    found = selectors.nearby_reports(category, lat, lng, user=request.user)
    return _json(
        {
            "category": category.code,
            "radius_m": category.duplicate_radius_m,
            "window_days": category.duplicate_window_days,
            "results": [item.as_json() for item in found],
        }
    )


@unscoped("writes only: follows a hazard through hazards.actions.follow")
@require_POST
def follow(request: HttpRequest) -> JsonResponse:
    """Follow the open hazard someone else reported instead of reporting it again."""
    if not request.user.is_authenticated:
        return _login_needed()
    form = FollowForm(request.POST)
    if not form.is_valid():
        return _bad(form_errors(form))
    try:
        hazard = actions.follow(form.cleaned_data["hazard"], request.user, near=_point(form))
    except Http404:
        return _json({"detail": _("No such hazard.")}, status=404)
    return _json(
        {
            "id": hazard.pk,
            "title": hazard.title,
            "url": _report_detail_pattern().replace("{id}", str(hazard.pk)),
            "detail": _("You now follow “%(title)s”. You will be told when it changes.")
            % {"title": hazard.title},
        }
    )


@unscoped("writes only: a report without an account, through hazards.actions.report_hazard")
@require_POST
def submit(request: HttpRequest) -> JsonResponse:
    """A report by someone without an account, where the locality allows it.

    Answers like the API: 201 with the new file, 200 with the first file for a
    repeated Idempotency-Key, 400 with field messages, 403 where anonymous
    reports are not accepted (log in or sign up instead), 429 when one network
    address has filed ``ANONYMOUS_REPORTS_PER_HOUR`` of them in the last hour."""
    form = AnonymousReportForm(request.POST)
    if not form.is_valid():
        return _bad(form_errors(form))
    user: Any = request.user
    data = form.cleaned_data
    lat, lng = _point(form)
    reporter = user if user.is_authenticated else None
    if reporter is None:
        from anxin.residents.selectors import policy_for_point

        policy = policy_for_point(lat, lng)
        if policy is None:
            return _bad({"location": [_("The point lies outside every grid of the area.")]})
        if not policy.allow_anonymous_reports:
            return _json(
                {
                    "detail": _(
                        "Reports here need an account. Please log in or sign up; "
                        "your report is kept."
                    ),
                    "code": "account_required",
                },
                status=403,
            )
    files = request.FILES.getlist("attachments")
    key = (request.headers.get("Idempotency-Key") or "").strip()[:64] or None
    address = client_ip(request)
    if (
        reporter is None
        and not capture_actions.anonymous_quota_left(address)
        and not (key and selectors.is_replay(key))
    ):
        # 429: the phone keeps the report queued and sends it again later.
        return _json(
            {
                "detail": _(
                    "Too many reports without an account came from this network in the "
                    "last hour. Your report is kept and will be sent later, or log in."
                ),
                "code": "too_many_anonymous_reports",
            },
            status=429,
        )
    try:
        result = actions.report_hazard(
            reporter=reporter,
            category=data["category"],
            lat=lat,
            lng=lng,
            title=data.get("title") or "",
            description=data.get("description") or "",
            source=SourceChannel.RESIDENT if reporter is None else "",
            reporter_name=data.get("name") or "",
            reporter_phone=data.get("phone") or "",
            uploads=[(f, Phase.FOUND) for f in files],
            idempotency_key=key,
        )
    except HazardValidationError as exc:
        return _bad({k: [str(m) for m in v] for k, v in exc.message_dict.items()})
    hazard: Hazard = result.hazard
    if reporter is None and result.created:
        capture_actions.record_anonymous_report(hazard, address)
    return _json(
        {
            "id": hazard.pk,
            "code": hazard.code,
            "created": result.created,
            "missing": result.missing,
            "url": (
                _report_detail_pattern().replace("{id}", str(hazard.pk))
                if reporter is not None
                else ""
            ),
        },
        status=201 if result.created else 200,
    )


# --- service worker and manifest ---------------------------------------------------------
PRECACHED_STATIC = (
    "anxin/app.css",
    "residents/mobile.css",
    "residents/mobile.js",
    "vendor/htmx/htmx.min.js",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/leaflet.js",
    "capture/capture.css",
    "capture/queue.js",
    "capture/capture.js",
    *(f"capture/icons/icon-{size}.png" for size in ICON_SIZES),
)


def _content_version() -> str:
    """Changes whenever the worker or a precached file changes, so that the
    browser installs the new worker and fills a new cache."""
    digest = hashlib.sha256()
    template = get_template("capture/sw.js")
    origin = getattr(template, "origin", None)
    if origin is not None and getattr(origin, "name", None):
        with open(origin.name, "rb") as handle:
            digest.update(handle.read())
    for name in PRECACHED_STATIC:
        path = finders.find(name)
        if isinstance(path, str):
            with open(path, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:12]


content_version: ProcessCache[str] = ProcessCache(_content_version, ttl=30.0)


@unscoped("the service worker script")
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker: precaches the app shell, serves /m/ pages network-first and
    /static/ cache-first, never caches POSTs or /api/, and sends the offline
    queue on Background Sync."""
    scope = reverse("capture:report").rsplit("report/", 1)[0]  # "/m/"
    config = {
        "version": content_version.get(),
        "cachePrefix": CACHE_PREFIX,
        "scope": scope,
        "staticUrl": settings.STATIC_URL,
        "shellUrl": reverse("capture:report"),
        "swUrl": reverse("capture:service_worker"),
        "precache": [static(name) for name in PRECACHED_STATIC],
        "queueScript": static("capture/queue.js"),
        "apiUrl": reverse("api:hazard-list"),
        "submitUrl": reverse("capture:submit"),
        "sessionUrl": reverse("capture:session"),
        "syncTag": SYNC_TAG,
    }
    body = get_template("capture/sw.js").render(
        {"config_json": json.dumps(config, ensure_ascii=False)}
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = scope
    response["Cache-Control"] = "no-cache"
    return response


@unscoped("the web app manifest")
@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    scope = reverse("capture:report").rsplit("report/", 1)[0]
    data = {
        "name": _("Anxin"),
        "short_name": _("Anxin"),
        "description": _("Report safety hazards in your community, even offline."),
        "lang": get_language() or settings.LANGUAGE_CODE,
        "start_url": reverse("capture:report"),
        "scope": scope,
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": "#ffffff",
        "icons": [
            {
                "src": static(f"capture/icons/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any",
            }
            for size in ICON_SIZES
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "no-cache"
    return response
