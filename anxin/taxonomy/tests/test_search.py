"""search_categories finds subclasses by Chinese, English, pinyin and initials."""

from __future__ import annotations

import pytest

from anxin.taxonomy.models import Category
from anxin.taxonomy.selectors import search_categories

pytestmark = pytest.mark.django_db


def codes(text: str) -> list[str]:
    return list(search_categories(text).values_list("code", flat=True))


@pytest.mark.parametrize("text", ["xftd", "xiaofang", "XFTD", "消防通道", "fire lane", "Fire Lane"])
def test_fire_lane_is_found(text):
    assert "0101" in codes(text)


def test_pinyin_initials_pick_the_one_subclass():
    assert codes("xftd") == ["0101"]


def test_several_words_must_all_match():
    assert codes("ranqi xielou") == ["0703"]


def test_only_active_subclasses_ordered_by_code():
    # given the fire main class and one fire subclass is switched off
    Category.objects.filter(code="0102").update(is_active=False)
    # when searching by the main class's pinyin
    found = codes("xiaofang")
    # then the subclasses of fire are listed by code, without main classes or 0102
    assert found == sorted(found)
    assert "01" not in found
    assert "0102" not in found
    assert {"0101", "0103", "0108"} <= set(found)


def test_subclasses_of_an_inactive_main_class_are_hidden():
    Category.objects.filter(code="07").update(is_active=False)
    assert codes("ranqi") == []


def test_empty_text_lists_every_active_subclass():
    assert codes("") == list(
        Category.objects.filter(parent__isnull=False)
        .order_by("code")
        .values_list("code", flat=True)
    )


def test_nothing_matches_nonsense():
    assert codes("zzzqqq") == []
