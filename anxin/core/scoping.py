"""The one place where "who may see what" becomes a database filter.

Every model whose rows are scoped by area, organisation or owner uses
``RestrictedQuerySet`` (through ``RestrictedManager``) and declares a
``ScopeRules``. Lists, details, exports, counts and the admin all start from
``Model.objects.restrict(user, action)``; nothing else filters by scope.

Scopes are OR-combined across a user's active memberships; with no membership
that grants the action the result is empty (deny by default). Records a user
owns (``owner`` rule) are always visible (action ``view``) to them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from anxin.accounts.models import Membership, User
    from anxin.areas.models import Area

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class ScopeRules:
    """How a model's rows relate to the org tree, organisations and owners.

    ``area``: lookup path from the model to an ``Area`` (``""`` for the Area model
    itself); ``assignee``: lookup to an ``Organisation``; ``owner``: lookup to the
    ``User`` who owns the row; ``owner_q`` (given the user) may replace it where a
    row has more than one owner (a hazard's reporter and its followers).
    ``area_q`` may replace the default area filter for models whose relation to
    the tree is not a single foreign key; ``assignee_q`` likewise for ASSIGNED
    (given the organisation id). ``distinct`` marks lookups that cross a to-many
    relation.
    """

    area: str | None = None
    assignee: str | None = None
    owner: str | None = None
    owner_q: Callable[[Any], Q] | None = None
    area_q: Callable[[Area, bool], Q] | None = None
    assignee_q: Callable[[int], Q] | None = None
    public_q: Callable[[], Q] | None = None
    distinct: bool = False


def _prefix(lookup: str) -> str:
    return f"{lookup}__" if lookup else ""


def area_filter(rules: ScopeRules, node: Area, below: bool) -> Q | None:
    if rules.area_q is not None:
        return rules.area_q(node, below)
    if rules.area is None:
        return None
    if below:
        return Q(**{f"{_prefix(rules.area)}path__startswith": node.path})
    return Q(**{rules.area or "pk": node.pk})


def membership_filter(rules: ScopeRules, membership: Membership, user: User) -> Q | None:
    from anxin.accounts.choices import Scope

    scope = membership.scope
    if scope == Scope.ALL:
        return Q()
    if scope in (Scope.ORG_AND_BELOW, Scope.ORG) and membership.area is not None:
        return area_filter(rules, membership.area, below=scope == Scope.ORG_AND_BELOW)
    if scope == Scope.ASSIGNED and membership.organisation_id:
        if rules.assignee_q is not None:
            return rules.assignee_q(membership.organisation_id)
        if rules.assignee:
            return Q(**{f"{rules.assignee}": membership.organisation_id})
    if scope == Scope.SELF:
        return owner_filter(rules, user)
    return None


def owner_filter(rules: ScopeRules, user: Any) -> Q | None:
    """The rows the user owns, or None when the model has no owners."""
    if rules.owner_q is not None:
        return rules.owner_q(user)
    if rules.owner is not None:
        return Q(**{rules.owner or "pk": user.pk})
    return None


class RestrictedQuerySet(models.QuerySet[M], Generic[M]):
    def restrict(
        self, user: Any, action: str = "view", include_public: bool = True
    ) -> RestrictedQuerySet[M]:
        """The rows ``user`` may ``action``. ``include_public=False`` leaves out
        rows seen only because they are public (e.g. to decide whether a viewer
        gets a photo as published or as taken)."""
        from anxin.accounts.choices import role_allows

        rules: ScopeRules | None = getattr(self.model, "scope_rules", None)
        if rules is None:
            raise TypeError(f"{self.model.__name__} declares no scope_rules")
        if user is None or not user.is_authenticated or not user.is_active:
            # Anonymous callers see the public rows only (e.g. the public board).
            if rules.public_q is not None and action == "view" and include_public:
                anonymous_rows = self.filter(rules.public_q())
                return anonymous_rows.distinct() if rules.distinct else anonymous_rows
            return self.none()
        if user.is_superuser:
            return self.all()
        combined: Q | None = owner_filter(rules, user) if action == "view" else None
        if rules.public_q is not None and action == "view" and include_public:
            public = rules.public_q()
            combined = public if combined is None else combined | public
        for membership in user.active_memberships():
            if not role_allows(membership.role, action):
                continue
            q = membership_filter(rules, membership, user)
            if q is None:
                continue
            if not q:  # Q() means ALL
                return self.all()
            combined = q if combined is None else combined | q
        if combined is None:
            return self.none()
        result = self.filter(combined)
        return result.distinct() if rules.distinct else result


class RestrictedManager(models.Manager.from_queryset(RestrictedQuerySet)):  # type: ignore[misc]
    pass
