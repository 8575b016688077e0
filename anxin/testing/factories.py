"""factory_boy factories and a small org tree for tests."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import factory
from django.contrib.auth.hashers import get_hasher, make_password

from anxin.accounts.models import Membership, User
from anxin.areas.models import Area, Place
from anxin.organisations.models import Organisation

TEST_PASSWORD = "Anxin-test-2026"


@lru_cache(maxsize=4)
def _hash_with(hasher: str) -> str:
    return make_password(TEST_PASSWORD, hasher=hasher)


def _hashed_password() -> str:
    # One hash per hasher and test run (argon2 unless a test swaps the hashers):
    # the real hasher, paid once, and never a hash the current settings cannot check.
    return _hash_with(get_hasher("default").algorithm)


def rect(lng0: float, lat0: float, lng1: float, lat1: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[lng0, lat0], [lng1, lat0], [lng1, lat1], [lng0, lat1], [lng0, lat0]]],
    }


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"张{n}三")
    mobile = factory.Sequence(lambda n: f"138{n:08d}")
    password = factory.LazyFunction(_hashed_password)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    level = "district"
    code = factory.Sequence(lambda n: f"{330100 + n:06d}")
    name = factory.Sequence(lambda n: f"区{n}")
    geometry = factory.LazyFunction(lambda: rect(120.0, 30.0, 120.1, 30.1))


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"物业公司{n}")
    kind = "property"


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    name = factory.Sequence(lambda n: f"地点{n}")
    kind = "school"


def ensure_taxonomy() -> None:
    """The default taxonomy is loaded by a migration, but a transactional test
    flushes every table when it ends; load it again for the tests after it."""
    from anxin.taxonomy.actions import load_categories
    from anxin.taxonomy.models import Category

    if not Category.objects.exists():
        load_categories()


class Tree:
    """A small district: two streets; street A has community A1 with grids A1a and
    A1b; street B has community B1 with grid B1a; one building per grid."""

    def __init__(self, district_code: str = "330106", shift: float = 0.0, tag: str = "") -> None:
        """``shift`` moves the whole tree east (degrees) so that two trees never overlap;
        ``tag`` is added to names of organisations and places to tell trees apart."""
        self.shift = shift
        ensure_taxonomy()
        self.district = Area.objects.create(
            level="district",
            code=district_code,
            name="西湖区" if not tag else f"{tag}区",
            geometry=rect(120.0 + shift, 30.0, 120.08 + shift, 30.04),
        )
        self.street_a = self._child(self.district, "street", "001", "北山街道", 120.0, 120.04)
        self.street_b = self._child(self.district, "street", "002", "西溪街道", 120.04, 120.08)
        self.community_a1 = self._child(
            self.street_a, "community", "001", "保俶社区", 120.0, 120.04
        )
        self.community_b1 = self._child(
            self.street_b, "community", "001", "古荡社区", 120.04, 120.08
        )
        self.grid_a1a = self._child(self.community_a1, "grid", "001", "第一网格", 120.0, 120.02)
        self.grid_a1b = self._child(self.community_a1, "grid", "002", "第二网格", 120.02, 120.04)
        self.grid_b1a = self._child(self.community_b1, "grid", "001", "第一网格", 120.04, 120.08)
        self.building_a1a = self._child(self.grid_a1a, "building", "001", "1幢", 120.005, 120.01)
        self.building_a1b = self._child(self.grid_a1b, "building", "001", "1幢", 120.025, 120.03)
        self.building_b1a = self._child(self.grid_b1a, "building", "001", "1幢", 120.05, 120.06)
        self.property_a: Organisation = OrganisationFactory.create(
            name=f"{tag}保俶物业", kind="property"
        )
        self.property_a.served_areas.add(self.community_a1)
        self.property_b: Organisation = OrganisationFactory.create(
            name=f"{tag}古荡物业", kind="property"
        )
        self.property_b.served_areas.add(self.community_b1)
        self.fire: Organisation = OrganisationFactory.create(
            name=f"{tag}西湖区消防救援大队", kind="fire"
        )
        self.fire.served_areas.add(self.district)
        self.place_a = PlaceFactory(
            name="保俶老年活动中心",
            kind="elderly_centre",
            area=self.grid_a1a,
            geometry={"type": "Point", "coordinates": [120.012 + shift, 30.02]},
        )
        self.place_b = PlaceFactory(
            name="古荡小学",
            kind="school",
            area=self.grid_b1a,
            geometry={"type": "Point", "coordinates": [120.065 + shift, 30.02]},
        )

    def _child(
        self,
        parent: Area,
        level: str,
        suffix: str,
        name: str,
        lng0: float,
        lng1: float,
    ) -> Area:
        lat0, lat1 = (30.0, 30.04) if level != "building" else (30.01, 30.02)
        return Area.objects.create(
            level=level,
            code=parent.code + suffix,
            name=name,
            parent=parent,
            geometry=rect(lng0 + self.shift, lat0, lng1 + self.shift, lat1),
        )


def member(user: Any = None, **kwargs: Any) -> User:
    """A user holding one membership (kwargs: role, area, organisation, scope)."""
    person: User = user or UserFactory.create()
    Membership.objects.create(user=person, **kwargs)
    return person


class Personas:
    """One user per role on the small tree, plus users of the other grid/street."""

    def __init__(self, tree: Tree, prefix: str = "") -> None:
        t = tree
        p = prefix
        self.district_admin = member(
            UserFactory(username=f"{p}district_admin"), role="district_admin", area=t.district
        )
        self.street_admin = member(
            UserFactory(username=f"{p}street_admin"), role="street_admin", area=t.street_a
        )
        self.street_admin_b = member(
            UserFactory(username=f"{p}street_admin_b"), role="street_admin", area=t.street_b
        )
        self.community_admin = member(
            UserFactory(username=f"{p}community_admin"), role="community_admin", area=t.community_a1
        )
        self.safety_officer = member(
            UserFactory(username=f"{p}safety_officer"), role="safety_officer", area=t.community_a1
        )
        self.grid_worker = member(
            UserFactory(username=f"{p}grid_worker"), role="grid_worker", area=t.grid_a1a
        )
        self.grid_worker_b = member(
            UserFactory(username=f"{p}grid_worker_b"), role="grid_worker", area=t.grid_a1b
        )
        self.property_manager = member(
            UserFactory(username=f"{p}property_manager"),
            role="property_manager",
            organisation=t.property_a,
        )
        self.property_manager_b = member(
            UserFactory(username=f"{p}property_manager_b"),
            role="property_manager",
            organisation=t.property_b,
        )
        self.department = member(
            UserFactory(username=f"{p}fire_department"), role="department", organisation=t.fire
        )
        self.building_leader = member(
            UserFactory(username=f"{p}building_leader"), role="building_leader", area=t.building_a1a
        )
        self.expert = member(UserFactory(username=f"{p}expert"), role="expert")
        self.evaluator = member(
            UserFactory(username=f"{p}evaluator"), role="evaluator", area=t.street_a
        )
        self.resident = member(
            UserFactory(username=f"{p}resident", full_name="王小明"),
            role="resident",
        )
        self.resident_b = member(
            UserFactory(username=f"{p}resident_b", full_name="李四"),
            role="resident",
        )
        self.outsider = UserFactory(username=f"{p}outsider")

    def all(self) -> dict[str, User]:
        return {k: v for k, v in vars(self).items() if isinstance(v, User)}
