"""The shipped printer profiles: each loads, cites its sources, and gives the geometry
computed by hand from the printers' figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.print.profiles import load_profile, profile_names

PRINTERS = [
    "gelato-hardcover-8x8",
    "ingramspark-paperback-8.5x8.5",
    "kdp-paperback-8.5x8.5",
    "lulu-hardcover-8.5x8.5",
    "lulu-paperback-8.5x8.5",
]


def test_every_shipped_profile_loads_and_cites_its_sources() -> None:
    assert profile_names() == sorted([*PRINTERS, "digital"])
    for name in PRINTERS:
        profile = load_profile(name)
        assert profile.name == name
        assert profile.sources and all(
            s.startswith(("https://", "http://")) for s in profile.sources
        )
        assert profile.cover is not None and profile.spine is not None


# (profile, interior pages) -> cover spread width in inches, worked out by hand:
# width = 2 (bleed + wrap) + 2 trim + 2 hinge + spine
SPREADS = {
    ("kdp-paperback-8.5x8.5", 24): 17.25 + 24 * 0.002347,  # 17.306328
    ("ingramspark-paperback-8.5x8.5", 18): 17.25 + 18 * 0.002347,  # 17.292246
    ("kdp-paperback-8.5x8.5", 32): 17.25 + 32 * 0.002347,  # 17.325104
    ("kdp-paperback-8.5x8.5", 48): 17.25 + 48 * 0.002347,  # 17.362656
    ("lulu-paperback-8.5x8.5", 32): 17.25 + 32 / 444 + 0.06,  # 17.382072
    ("lulu-paperback-8.5x8.5", 48): 17.25 + 48 / 444 + 0.06,  # 17.418108
    ("lulu-hardcover-8.5x8.5", 24): 2 * 0.875 + 17 + 0.25,  # 19.0: Lulu's table, 24-84 pages
    ("lulu-hardcover-8.5x8.5", 32): 19.0,
    ("lulu-hardcover-8.5x8.5", 48): 19.0,
    ("gelato-hardcover-8x8", 24): 458 / 25.4,  # Gelato's own answer for 20x20 cm: 458 mm
    ("gelato-hardcover-8x8", 32): 458 / 25.4,
    ("gelato-hardcover-8x8", 48): 458 / 25.4,
}
HEIGHTS = {
    "kdp-paperback-8.5x8.5": 8.75,
    "lulu-paperback-8.5x8.5": 8.75,
    "lulu-hardcover-8.5x8.5": 10.25,
    "gelato-hardcover-8x8": 246 / 25.4,
    "ingramspark-paperback-8.5x8.5": 8.75,
}


@pytest.mark.parametrize(("name", "pages"), sorted(SPREADS))
def test_cover_spread_width_matches_the_hand_computed_figure(name: str, pages: int) -> None:
    width, height = load_profile(name).spread_size(pages)
    assert width == pytest.approx(SPREADS[(name, pages)], abs=0.001)
    assert height == pytest.approx(HEIGHTS[name], abs=0.001)


def test_pages_are_padded_to_the_printers_minimum_and_multiple() -> None:
    assert load_profile("kdp-paperback-8.5x8.5").padded_count(12) == 24
    assert load_profile("kdp-paperback-8.5x8.5").padded_count(25) == 26
    assert load_profile("lulu-paperback-8.5x8.5").padded_count(12) == 32
    assert load_profile("digital").padded_count(13) == 13
    ingram = load_profile("ingramspark-paperback-8.5x8.5")  # and its last page stays blank
    assert ingram.padded_count(12) == 18 and ingram.padded_count(18) == 20
    with pytest.raises(Exception, match="more than"):
        load_profile("gelato-hardcover-8x8").padded_count(201)


def test_kdp_bleeds_three_edges_mirrored_between_right_and_left_pages() -> None:
    kdp = load_profile("kdp-paperback-8.5x8.5")
    assert kdp.bleed_of(1) == (0.0, 0.125, 0.125, 0.125)  # a right-hand page: gutter on the left
    assert kdp.bleed_of(2) == (0.125, 0.125, 0.0, 0.125)
    assert kdp.page_size(1) == pytest.approx((8.625, 8.75))
    lulu = load_profile("lulu-paperback-8.5x8.5")
    assert lulu.page_size(1) == pytest.approx((8.75, 8.75))


def test_spine_text_only_from_the_printers_page_count() -> None:
    kdp = load_profile("kdp-paperback-8.5x8.5")
    assert not kdp.spine_has_text(78) and kdp.spine_has_text(79)
    assert not load_profile("gelato-hardcover-8x8").spine_has_text(48)


def test_a_book_is_checked_against_the_chosen_printers_page(tmp_path: Path) -> None:
    from app.catalog.validate import catalog_spec, resolution_problem
    from tests.conftest import make_settings

    digital = catalog_spec(make_settings(tmp_path, min_dpi=150))
    kdp = catalog_spec(make_settings(tmp_path, print_profile="kdp-paperback-8.5x8.5"))
    assert digital.min_dpi == 150 and kdp.min_dpi == 200
    # 1650 px: 200 ppi on the reading PDF's 8.25 in page, below KDP's 200 on 8.75 in
    assert resolution_problem((1650, 1650), digital) is None
    problem = resolution_problem((1650, 1650), kdp)
    assert problem is not None and "189 ppi on a 8.5×8.5 in page" in problem


def test_an_order_can_name_its_own_printer(tmp_path: Path) -> None:
    from app.domain import Personalization
    from app.pipeline.print_stage import profile_for
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, print_profile="kdp-paperback-8.5x8.5")
    own = Personalization("Ada", print_profile="gelato-hardcover-8x8")
    assert profile_for(own, settings).name == "gelato-hardcover-8x8"
    assert profile_for(Personalization("Ada"), settings).name == "kdp-paperback-8.5x8.5"
