"""Walk every page of the URLconf as users of one district (and as an anonymous
visitor) and check that nothing of another district leaks: not in lists,
counts, maps or fragments, and every URL that names one of its rows answers 404.

Pages declare what they read (``anxin.core.pages``: ``scoped`` or ``unscoped``);
the walk reads those declarations to know which model a URL's parameter names.
Which rows belong to the other district comes from the fixture that made them
(``tests/conftest.py``), not from ``restrict()``. The REST API has its own walk
(``test_no_leaks.py``).
"""

from __future__ import annotations

import ast
import inspect
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from openpyxl import load_workbook

from anxin.areas.spatial import distance_m
from anxin.core.pages import PageScope
from anxin.hazards.choices import OPEN_STATUSES
from anxin.hazards.models import Hazard
from anxin.organisations.models import Organisation
from anxin.taxonomy.models import Category
from tests.conftest import FOREIGN_DISTRICT, FOREIGN_LNG, FOREIGN_MARK, TwoDistricts

pytestmark = pytest.mark.django_db

# Parts of the site this walk leaves to others, and why.
ELSEWHERE = {
    "api/": "the REST API: tests/test_no_leaks.py walks it",
    "admin/": "the admin: tests/test_admin_scoping.py checks every ModelAdmin is restricted",
    "open311/v2/": "Open311 answers API clients by key: anxin/open311/tests walk its scoping",
    "bench/": "benchmark endpoints, present only while benchmarking",
    "i18n/": "Django's language switch, which reads no rows",
}

# Pages with a URL parameter that names no scoped row.
PUBLIC_PARAMETERS = {"knowledge:article": "safety tips are public, named by their slug"}

# Query strings that make a page read something, aimed at the other district.
FOREIGN_POINT = {"lat": "30.015", "lng": str(FOREIGN_LNG)}
PROBES: dict[str, dict[str, str]] = {
    "hazards:list": {"q": "消防通道"},  # in the titles of both districts' hazards
    "hazards:export": {"q": "消防通道"},
    "hazards:duplicates": {"category": "0101", **FOREIGN_POINT},
    "capture:nearby": {"category": "0101", **FOREIGN_POINT},
    "capture:where": FOREIGN_POINT,
    "maps:heat": {"res": "9"},
    "maps:data": {"status": "all"},
}


def offer_nearby_to_follow(user: Any, params: dict[str, str]) -> set[int]:
    """The one allowance of this walk: someone about to report is offered the
    open hazards of the same subclass within its duplicate radius and window of
    the point, whoever may otherwise see them, so that they follow the file
    someone else opened instead of reporting it again (public-safe fields only).
    The ids it allows."""
    category = Category.objects.get(code=params["category"])
    lat, lng = float(params["lat"]), float(params["lng"])
    since = timezone.now() - timedelta(days=category.duplicate_window_days)
    return {
        h.pk
        for h in Hazard.objects.filter(
            category=category, status__in=OPEN_STATUSES, reported_at__gte=since
        )
        if distance_m(lat, lng, h.lat, h.lng) <= category.duplicate_radius_m
    }


# Pages that may show rows of the other district, each through one named rule.
ALLOWANCES = {"capture:nearby": offer_nearby_to_follow}
NEARBY_FIELDS = {
    "id",
    "title",
    "category_code",
    "category_name",
    "status",
    "status_label",
    "distance_m",
    "reported_on",
    "mine",
}


@dataclass(frozen=True)
class Page:
    name: str  # namespaced URL name
    route: str
    parameters: tuple[str, ...]
    scope: PageScope | None
    unscoped_reason: str | None


def _patterns(
    resolvers: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, URLPattern]]:
    for entry in resolvers:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry.url_patterns, route, ns)
        else:
            yield route, namespace, entry


def pages() -> list[Page]:
    found = []
    for route, namespace, pattern in _patterns(get_resolver().url_patterns):
        if any(route.startswith(prefix) for prefix in ELSEWHERE) or not pattern.name:
            continue
        callback = pattern.callback
        view_class = getattr(callback, "view_class", None)
        scope = getattr(callback, "page_scope", None)
        if scope is None and hasattr(view_class, "page_scope"):
            scope = view_class.page_scope()  # type: ignore[union-attr]
        reason = getattr(callback, "unscoped_reason", None) or getattr(
            view_class, "unscoped_reason", None
        )
        converters = getattr(pattern.pattern, "converters", {})
        found.append(Page(f"{namespace}{pattern.name}", route, tuple(converters), scope, reason))
    return found


def test_every_page_declares_what_it_reads() -> None:
    """A page receives its rows from ``scoped`` or says why it reads none."""
    everything = pages()
    assert len(everything) > 30
    for page in everything:
        assert (page.scope is None) != (page.unscoped_reason is None), (
            f"/{page.route} must either be @scoped or say why it is @unscoped"
        )
        if page.scope is not None and page.scope.lookup is not None:
            assert page.scope.url_kwarg in page.parameters, page
        elif page.parameters and page.scope is None:
            # a parameter is read by the view's own code: it must name public rows
            assert page.name in PUBLIC_PARAMETERS, (
                f"/{page.route} takes {page.parameters} but declares no scoped model"
            )


def _reads_past_scope(module: Any) -> list[str]:
    """Places in a views module where a function starts from a scoped model's
    manager (``Hazard.objects…``) instead of the rows ``scoped`` gave it.
    Querysets outside function bodies (the sources handed to ``scoped``, in
    its decorator or at module level) are declarations."""
    tree = ast.parse(inspect.getsource(module))
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in (n for statement in function.body for n in ast.walk(statement)):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("objects", "_default_manager")
                and isinstance(node.value, ast.Name)
                and getattr(getattr(module, node.value.id, None), "scope_rules", None)
            ):
                found.append(f"{module.__name__}:{node.lineno} {node.value.id}.{node.attr}")
    return found


def test_no_page_starts_from_a_scoped_models_manager() -> None:
    modules = set()
    for route, _namespace, pattern in _patterns(get_resolver().url_patterns):
        if not any(route.startswith(prefix) for prefix in ELSEWHERE):
            callback = getattr(pattern.callback, "view_class", pattern.callback)
            modules.add(sys.modules[callback.__module__])
    pages_modules = {m for m in modules if m.__name__.startswith("anxin.")}
    assert len(pages_modules) > 10
    found = [
        place for module in sorted(pages_modules, key=str) for place in _reads_past_scope(module)
    ]
    assert not found, found


def _client(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _text(response: Any) -> str:
    """What a response shows: its body, or the cells of a spreadsheet."""
    content = b"".join(response)
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    return content.decode(errors="replace")


def _leaks(body: str, organisation_names: list[str]) -> list[str]:
    found = [text for text in (FOREIGN_MARK, FOREIGN_DISTRICT) if text in body]
    return found + [name for name in organisation_names if name in body]


def _check_allowance(name: str, user: Any, params: dict[str, str], body: str) -> None:
    allowed = ALLOWANCES[name](user, params)
    results = json.loads(body)["results"]
    assert {row["id"] for row in results} <= allowed, name
    for row in results:
        assert set(row) <= NEARBY_FIELDS, (name, row)
    assert FOREIGN_DISTRICT not in body, name


def test_no_page_shows_another_districts_rows(two_districts: TwoDistricts) -> None:
    foreign_orgs = [o.name for o in two_districts.foreign_rows(Organisation)]
    assert foreign_orgs, "the other district has organisations to leak"
    plain = [p for p in pages() if not p.parameters]
    people: dict[str, Any] = {**two_districts.personas.all(), "anonymous": None}
    checked = 0
    for who, user in people.items():
        client = _client(user)
        for page in plain:
            params = PROBES.get(page.name, {})
            response = client.get(reverse(page.name), params)
            assert response.status_code < 500, (who, page.name, response.status_code)
            if response.status_code == 405:  # a POST-only page: nothing to read
                continue
            body = _text(response)
            if page.name in ALLOWANCES and response.status_code == 200:
                _check_allowance(page.name, user, params, body)
            else:
                assert not _leaks(body, foreign_orgs), (who, page.name, _leaks(body, foreign_orgs))
            checked += 1
    assert checked > 300


def _url(page: Page, value: Any) -> str:
    assert page.scope is not None
    kwargs = {page.scope.url_kwarg: value}
    for extra in page.parameters:
        if extra not in kwargs:
            kwargs[extra] = "verify"  # the action of hazards:act
    return reverse(page.name, kwargs=kwargs)


def test_no_page_opens_another_districts_rows(two_districts: TwoDistricts) -> None:
    """Every URL naming one of the other district's rows answers 404, to a GET
    and (for pages that only take a POST) to a POST, which changes nothing."""
    named = [p for p in pages() if p.scope is not None and p.scope.lookup is not None]
    assert {p.scope.model for p in named if p.scope} >= {
        Hazard,
        *(m for m in two_districts.foreign if m.__name__ in ("Attachment", "RiskWarning")),
    }
    people: dict[str, Any] = {**two_districts.personas.all(), "anonymous": None}
    checked = 0
    for page in named:
        assert page.scope is not None and page.scope.lookup is not None
        rows = two_districts.foreign_rows(page.scope.model)
        assert rows.exists(), f"the other district has {page.scope.model.__name__} rows"
        # a few of each kind: every level of the tree, each hazard and warning
        values = list(rows.order_by("pk").values_list(page.scope.lookup, flat=True)[:6])
        for who, user in people.items():
            client = _client(user)
            for value in values:
                url = _url(page, value)
                response = client.get(url)
                if response.status_code == 405:
                    response = client.post(url, {})
                if user is None and response.status_code == 302:
                    continue  # to the login page
                assert response.status_code == 404, (who, page.name, value, response.status_code)
                checked += 1
    assert checked > 300


def test_our_rows_pages_show_nothing_of_theirs(two_districts: TwoDistricts) -> None:
    """The pages of our own rows (a hazard's file with its forms, an org node,
    a warning…) show nothing of the other district either: not in a form's
    choices, a list of candidates or a chart."""
    foreign_orgs = [o.name for o in two_districts.foreign_rows(Organisation)]
    named = [p for p in pages() if p.scope is not None and p.scope.lookup is not None]
    checked = 0
    for who, user in two_districts.personas.all().items():
        client = _client(user)
        for page in named:
            assert page.scope is not None and page.scope.lookup is not None
            model = page.scope.model
            ours = model._default_manager.exclude(pk__in=two_districts.foreign[model])
            for value in ours.values_list(page.scope.lookup, flat=True)[:20]:
                response = client.get(_url(page, value))
                if response.status_code != 200:
                    continue
                body = _text(response)
                assert not _leaks(body, foreign_orgs), (
                    who,
                    page.name,
                    value,
                    _leaks(body, foreign_orgs),
                )
                checked += 1
    assert checked > 50
