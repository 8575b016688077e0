"""Open311 GeoReport v2 at ``/open311/v2/``: plain Django views answering JSON or
XML by extension (no extension: JSON). See docs/open311.md.

Every answer, errors included, is an Open311 body: never an HTML page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
    ValidationError,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from anxin.hazards.errors import HazardValidationError
from anxin.open311 import actions, selectors
from anxin.open311.choices import CHANGESET, CONTENT_TYPES, SPECIFICATION_URL, Format
from anxin.open311.errors import (
    BadRequest,
    Forbidden,
    NotFound,
    Open311Error,
    from_validation_error,
)
from anxin.open311.models import Open311Client
from anxin.open311.params import parse_filters, parse_submission, wants_extensions
from anxin.open311.renderers import render, render_errors
from anxin.open311.serializers import request_dict
from anxin.open311.services import attribute_specs, definition_dict, service_dict

View = Callable[..., HttpResponse]
LANGUAGE_OF_LOCALE = {"zh": "zh-hans", "en": "en"}


def _language(request: HttpRequest) -> str | None:
    """``?locale=zh_CN`` / ``en`` wins over Accept-Language (LocaleMiddleware)."""
    locale = request.GET.get("locale", "").strip().lower().replace("_", "-")
    return LANGUAGE_OF_LOCALE.get(locale.split("-")[0]) if locale else None


def _param(request: HttpRequest, name: str) -> str:
    value = request.POST.get(name) if request.method == "POST" else None
    return (value or request.GET.get(name) or "").strip()


def _fmt(fmt: str | None) -> str:
    if not fmt:
        return Format.JSON
    fmt = fmt.lower()
    if fmt not in Format.values:
        raise NotFound(_("Unknown format “%(format)s”: use .json or .xml.") % {"format": fmt[:10]})
    return fmt


def open311_view(*methods: str) -> Callable[[View], View]:
    """Method check, format, language and jurisdiction for every endpoint, and
    Open311 errors for everything that goes wrong with the input."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(
            request: HttpRequest, *args: Any, fmt: str | None = None, **kwargs: Any
        ) -> HttpResponse:
            language = _language(request) or translation.get_language()
            with translation.override(language):
                try:
                    output = _fmt(fmt)
                except Open311Error as exc:
                    return render_errors(exc.as_list(), Format.JSON, exc.status)
                try:
                    if methods and request.method not in methods:
                        response = render_errors(
                            [
                                {
                                    "code": 405,
                                    "description": _("Method %(method)s is not allowed here.")
                                    % {"method": request.method},
                                }
                            ],
                            output,
                            405,
                        )
                        response["Allow"] = ", ".join(methods)
                        return response
                    jurisdiction = _param(request, "jurisdiction_id")
                    if jurisdiction and jurisdiction != selectors.jurisdiction_id():
                        raise NotFound(
                            _("Unknown jurisdiction_id “%(id)s”; this server serves “%(ours)s”.")
                            % {"id": jurisdiction[:60], "ours": selectors.jurisdiction_id()}
                        )
                    response = view(request, output, *args, **kwargs)
                except Open311Error as exc:
                    response = render_errors(exc.as_list(), output, exc.status)
                except HazardValidationError as exc:
                    error = from_validation_error(exc)
                    response = render_errors(error.as_list(), output, error.status)
                except (
                    MultiPartParserError,
                    RequestDataTooBig,
                    TooManyFieldsSent,
                    TooManyFilesSent,
                ):
                    response = render_errors(
                        BadRequest(_("The request body could not be read.")).as_list(),
                        output,
                        400,
                    )
                except Http404:
                    response = render_errors(NotFound(_("Not found.")).as_list(), output, 404)
                response["Content-Language"] = translation.get_language() or ""
                return response

        return wrapper

    return decorate


def _client(request: HttpRequest, required: bool) -> Open311Client | None:
    key = _param(request, "api_key")
    if not key:
        if required:
            raise Forbidden(_("api_key is required to post a service request."))
        return None
    client = selectors.client_for_key(key)
    if client is None:
        raise Forbidden(_("The api_key is not valid."))
    return client


def _absolute(request: HttpRequest) -> Callable[[str], str]:
    return request.build_absolute_uri


# --- endpoints ---------------------------------------------------------------------------
@open311_view("GET", "HEAD")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:root"))
    data = {
        "changeset": CHANGESET,
        "contact": _("The street office running this platform answers questions about this API."),
        "key_service": _(
            "API keys are issued by the platform's administrator (Open311 clients in the "
            "admin, or manage.py create_open311_client). Reading public requests needs no key."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION_URL,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": [CONTENT_TYPES[Format.JSON].split(";")[0], "text/xml"],
            }
        ],
    }
    return render(data, fmt, "discovery")


@open311_view("GET", "HEAD")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return render([service_dict(c) for c in selectors.services()], fmt, "services")


@open311_view("GET", "HEAD")
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    category = selectors.service(service_code)
    if category is None:
        raise NotFound(_("Unknown service_code “%(code)s”.") % {"code": service_code[:20]})
    return render(definition_dict(category), fmt, "service_definition")


@open311_view("GET", "HEAD", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    client = _client(request, required=False)
    filters = parse_filters(request.GET)
    unknown = [code for code in filters.service_codes if selectors.service(code) is None]
    if unknown:
        raise NotFound(
            [_("Unknown service_code “%(code)s”.") % {"code": code[:20]} for code in unknown]
        )
    hazards = selectors.find_requests(client.user if client else None, filters)
    extensions = wants_extensions(request.GET)
    data = [request_dict(h, _absolute(request), extensions) for h in hazards]
    return render(data, fmt, "service_requests")


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    client = _client(request, required=True)
    assert client is not None
    code = _param(request, "service_code")
    if not code:
        raise BadRequest(_("service_code: This parameter is required."))
    category = selectors.service(code)
    if category is None:
        raise NotFound(_("Unknown service_code “%(code)s”.") % {"code": code[:20]})
    submission = parse_submission(
        request.POST,
        request.FILES,
        category.code,
        attribute_specs(category),
        selectors.district_names(),
    )
    try:
        result = actions.submit_request(client, category, submission)
    except ValidationError as exc:
        raise from_validation_error(exc) from exc
    data = [
        {
            "service_request_id": str(result.hazard.uuid),
            "service_notice": result.service_notice,
            "account_id": result.account_id,
        }
    ]
    return render(data, fmt, "service_requests")


@open311_view("GET", "HEAD")
def request_detail(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    client = _client(request, required=False)
    hazard = selectors.find_request(client.user if client else None, service_request_id)
    if hazard is None:
        raise NotFound(
            _("No service request “%(id)s” that you may see.") % {"id": service_request_id[:60]}
        )
    data = [request_dict(hazard, _absolute(request), wants_extensions(request.GET))]
    return render(data, fmt, "service_requests")


@open311_view("GET", "HEAD")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    raise NotFound(
        _(
            "Tokens are not issued: every service is realtime, and a POST request answers "
            "with the service_request_id at once."
        )
    )


@open311_view()
def not_found(request: HttpRequest, fmt: str) -> HttpResponse:
    raise NotFound(_("No such Open311 resource."))
