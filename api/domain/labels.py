"""Words beside codes: the label of every code a gap, suggestion or review names, from the reference data.

A report written for people says "Low-income individuals", not ``low_income``. The labels come from the
vocabularies in force (partner types, populations, service categories, functions, funding streams, SOC titles
where loaded), so a state that renames a population renames it in every sentence. A code with no label is
shown as it is: the sentence still reads, and nothing is invented.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class Labels:
    """The names of the codes in force, by vocabulary."""

    partner_types: Mapping[str, str] = field(default_factory=dict)
    populations: Mapping[str, str] = field(default_factory=dict)
    categories: Mapping[str, str] = field(default_factory=dict)
    functions: Mapping[str, str] = field(default_factory=dict)
    streams: Mapping[str, str] = field(default_factory=dict)
    occupations: Mapping[str, str] = field(default_factory=dict)

    def partner_type(self, code: str) -> str:
        """The name of a partner type (the code when it has none)."""
        return self.partner_types.get(code, code)

    def population(self, code: str) -> str:
        """The name of a population (the code when it has none)."""
        return self.populations.get(code, code)

    def category(self, code: str) -> str:
        """The name of a service category (the code when it has none)."""
        return self.categories.get(code, code)

    def function(self, code: str) -> str:
        """The name of a function (the code when it has none)."""
        return self.functions.get(code, code)

    def stream(self, code: str) -> str:
        """The name of a funding stream (the code when it has none)."""
        return self.streams.get(code, code)

    def occupation(self, code: str) -> str:
        """The title of an SOC occupation with its code, or the code alone when no title is loaded."""
        title = self.occupations.get(code)
        return f"{title} ({code})" if title else code

    def partner_types_of(self, codes: Iterable[str]) -> str:
        """Partner type names, joined for a sentence."""
        return ", ".join(self.partner_type(c) for c in codes)

    def populations_of(self, codes: Iterable[str]) -> str:
        """Population names, joined for a sentence."""
        return ", ".join(self.population(c) for c in codes)

    def categories_of(self, codes: Iterable[str]) -> str:
        """Service category names, joined for a sentence."""
        return ", ".join(self.category(c) for c in codes)

    def with_occupations(self, titles: Mapping[str, str]) -> Labels:
        """These labels with SOC titles added (those already known kept)."""
        if not titles:
            return self
        return Labels(partner_types=self.partner_types, populations=self.populations, categories=self.categories,
                      functions=self.functions, streams=self.streams, occupations={**titles, **self.occupations})


NO_LABELS = Labels()
"""Labels that know no code: every code is shown as it is."""


def days(n: int) -> str:
    """A number of days in words: "1 day", "3 days"."""
    return f"{n} day" if abs(n) == 1 else f"{n} days"


def humanize(code: str) -> str:
    """A code's words when no vocabulary names it: ``membership_review`` -> "Membership review"."""
    words = code.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else code
