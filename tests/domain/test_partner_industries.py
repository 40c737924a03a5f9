"""An employer's industries are NAICS codes: validated field by field and kept in normalized form."""

from __future__ import annotations

from dataclasses import replace

import pytest

from api.domain.errors import InvalidInput
from api.domain.partners import revise_partner, validate_partner
from tests.domain.system_factories import make_partner, reference_catalog


def test_industries_are_normalized_and_deduplicated() -> None:
    employer = replace(make_partner("Mill", "employer"), industries=("32", "31-33", " 321113 "))
    assert validate_partner(employer, reference_catalog()).industries == ("31-33", "321113")


def test_a_partner_whose_industries_are_already_normalized_is_returned_as_it_is() -> None:
    employer = replace(make_partner("Mill", "employer"), industries=("321113",))
    assert validate_partner(employer, reference_catalog()) is employer


def test_each_invalid_industry_is_named_by_its_position() -> None:
    employer = replace(make_partner("Mill", "employer"), industries=("62", "99", "6221100"))
    with pytest.raises(InvalidInput) as exc:
        validate_partner(employer, reference_catalog())
    assert [p.field for p in exc.value.problems] == ["industries[1]", "industries[2]"]


def test_industries_can_be_revised() -> None:
    employer = make_partner("Mill", "employer")
    assert revise_partner(employer, {"industries": ("44",)}, reference_catalog()).industries == ("44-45",)
