"""Statement texts as converted to a database driver's placeholder style,
remembered per text (``anxin.core.sqlite``, ``anxin.core.postgresql``)."""

from __future__ import annotations

from collections.abc import Callable


class Converted:
    """The same statement texts come again and again (the report's are built
    once and kept; the ORM repeats its own), and a regular expression over a
    statement of 1-4 KB costs more than looking the text up. Bounded: started
    again when ``kept`` texts are held."""

    def __init__(self, kept: int) -> None:
        self.kept = kept
        self._texts: dict[str, str] = {}

    def __call__(self, query: str, convert: Callable[[str], str]) -> str:
        converted = self._texts.get(query)
        if converted is None:
            converted = convert(query)
            if len(self._texts) >= self.kept:
                self._texts.clear()
            self._texts[query] = converted
        return converted

    def __getitem__(self, query: str) -> str:
        return self._texts[query]

    def __contains__(self, query: object) -> bool:
        return query in self._texts

    def __len__(self) -> int:
        return len(self._texts)

    def clear(self) -> None:
        self._texts.clear()
