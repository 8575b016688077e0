"""The points tests run like the ratings tests: media in a temporary folder,
English messages."""

from anxin.ratings.tests.conftest import media  # noqa: F401
