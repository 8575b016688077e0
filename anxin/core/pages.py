"""Scoping for pages, as ``RestrictedViewSetMixin`` gives it to the API.

A page declares the model it reads and the action it needs; it receives
``Model.objects.restrict(user, action)``, or the one row of it the URL names
(404 when there is none), and never starts from ``Model.objects`` itself.
NetBox's ``ObjectPermissionRequiredMixin`` is the model: the scoping is applied
before the view's own code runs, so a view cannot forget it.

* function views: ``@scoped(Hazard, "view", argument="hazard", lookup="pk")``;
* class views: ``ScopedViewMixin`` (``scoped_model``, ``scope_action``), whose
  ``get_queryset`` and ``get_object`` Django's generic views already call;
* views that read no scoped rows say why: ``@unscoped("…")`` or the class
  attribute ``unscoped_reason``.

``tests/test_page_leaks.py`` walks every page of the URLconf with users of two
districts, reading these declarations to find the rows a URL names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

LOGIN_URL = "login"
RESIDENT_LOGIN_URL = "residents:login"

View = TypeVar("View", bound=Callable[..., HttpResponseBase])
# A view that receives its rows from ``scoped`` (called with fewer arguments).
ScopedView = Callable[..., HttpResponseBase]


def is_htmx(request: HttpRequest) -> bool:
    """An HTMX request that wants a fragment (a history restore wants the page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def page_login_required(view: View, login_url: str = LOGIN_URL) -> View:
    """Pages need a logged-in user; others go to the workbench login."""
    return login_required(view, login_url=login_url)  # type: ignore[return-value]


@dataclass(frozen=True)
class PageScope:
    """What a page reads: rows of ``model`` the user may ``action``.

    ``lookup`` (a field of the model) and ``url_kwarg`` (the URL's keyword
    argument) name one row, given to the view as ``argument``; without them the
    view gets the restricted queryset as ``argument``. ``where`` narrows the
    rows before they are restricted (so it cannot reach past the scope)."""

    model: type[models.Model]
    action: str
    argument: str
    lookup: str | None = None
    url_kwarg: str | None = None
    include_public: bool = True
    where: Callable[[QuerySet[Any], Any], QuerySet[Any]] | None = None
    # With ``lookup``: also give the view the restricted queryset under this name
    # (to read the row again after a change).
    queryset_argument: str | None = None

    def queryset(self, source: QuerySet[Any], user: Any) -> QuerySet[Any]:
        # ``where`` narrows the source; ``restrict`` comes last, so nothing
        # ``where`` does can reach past the user's scope.
        narrowed = source if self.where is None else self.where(source, user)
        return narrowed.restrict(  # type: ignore[attr-defined,no-any-return]
            user, self.action, include_public=self.include_public
        )

    def apply(self, source: QuerySet[Any], user: Any, kwargs: dict[str, Any]) -> None:
        """Put the restricted queryset, or the row the URL names, into the view's
        keyword arguments (``Http404`` when that row is out of scope)."""
        queryset = self.queryset(source, user)
        if self.lookup is None:
            kwargs[self.argument] = queryset
            return
        value = kwargs.pop(self.url_kwarg or self.lookup)
        found = queryset.filter(**{self.lookup: value}).first()
        if found is None:
            raise Http404(_("Not found."))
        kwargs[self.argument] = found
        if self.queryset_argument:
            kwargs[self.queryset_argument] = queryset


def _source(model_or_queryset: type[models.Model] | QuerySet[Any]) -> QuerySet[Any]:
    if isinstance(model_or_queryset, QuerySet):
        return model_or_queryset
    return model_or_queryset._default_manager.all()


def scoped(
    model_or_queryset: type[models.Model] | QuerySet[Any],
    action: str = "view",
    *,
    argument: str,
    lookup: str | None = None,
    url_kwarg: str | None = None,
    login_url: str | None = LOGIN_URL,
    include_public: bool = True,
    where: Callable[[QuerySet[Any], Any], QuerySet[Any]] | None = None,
    queryset_argument: str | None = None,
) -> Callable[[ScopedView], ScopedView]:
    """Give a function view the rows it may read, restricted before it runs.

    ``model_or_queryset`` may carry ``select_related`` and the like; it is
    restricted on every request (``restrict(user, action)``). With ``lookup``
    the view receives the one row the URL names, else a 404. ``login_url``
    None lets anonymous visitors in (they get the public rows, if any)."""
    source = _source(model_or_queryset)
    scope = PageScope(
        model=source.model,
        action=action,
        argument=argument,
        lookup=lookup,
        url_kwarg=url_kwarg or lookup,
        include_public=include_public,
        where=where,
        queryset_argument=queryset_argument,
    )
    if not hasattr(source, "restrict"):
        raise TypeError(f"{source.model.__name__} declares no scope_rules")

    def decorate(view: ScopedView) -> ScopedView:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            scope.apply(source.all(), request.user, kwargs)
            return view(request, *args, **kwargs)

        wrapper.page_scope = scope  # type: ignore[attr-defined]
        if login_url is not None:
            return login_required(wrapper, login_url=login_url)
        return wrapper

    return decorate


def unscoped(reason: str) -> Callable[[View], View]:
    """Mark a view that reads no scoped rows, with the reason (read by the tests
    that walk every page)."""

    def decorate(view: View) -> View:
        view.unscoped_reason = reason  # type: ignore[attr-defined]
        return view

    return decorate


class ScopedViewMixin:
    """For class views: ``get_queryset`` is ``scoped_model`` restricted to
    ``scope_action`` for the request's user, and ``get_object`` (Django's
    ``SingleObjectMixin`` reads it) is a row of it or a 404."""

    scoped_model: type[models.Model] | QuerySet[Any]
    scope_action: str = "view"
    # The URL's keyword argument naming one row (a DetailView's "pk"), if any.
    scope_lookup: str | None = None
    include_public: bool = True
    request: HttpRequest

    @classmethod
    def page_scope(cls) -> PageScope:
        return PageScope(
            model=_source(cls.scoped_model).model,
            action=cls.scope_action,
            argument="object",
            lookup=cls.scope_lookup,
            url_kwarg=cls.scope_lookup,
            include_public=cls.include_public,
        )

    def get_queryset(self) -> QuerySet[Any]:
        scope = self.page_scope()
        return scope.queryset(_source(self.scoped_model).all(), self.request.user)
