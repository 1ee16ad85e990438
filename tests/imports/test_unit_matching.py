from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imports.tables import Column, read_text
from imports.unit_matching import (
    Collective,
    NameMatch,
    UnitMatcher,
    UnitName,
    find_collective,
    match_names,
    split_names,
)

SEEDS = Path("/work/shared/seeds")

DEPARTMENT_UNITS = [
    ("Ban Giám đốc", "leadership", ()),
    ("Văn phòng Sở", "division", ("VP Sở",)),
    ("Phòng Chuyển đổi số", "division", ()),
    ("Phòng Kế hoạch - Tài chính", "division", ()),
    ("Phòng Quản lý Khoa học", "division", ()),
    ("Phòng Quản lý Chuyên ngành", "division", ()),
    ("Trung tâm Khoa học và Công nghệ", "centre", ()),
]
CITY_UNITS = [
    ("Sở Nội vụ", "department", ()),
    ("Sở Tư pháp", "department", ()),
    ("Sở Tài chính", "department", ()),
    ("Sở Khoa học và Công nghệ", "department", ()),
    ("Sở Văn hóa, Thể thao và Du lịch", "department", ()),
    ("Văn phòng UBND thành phố", "department", ()),
    ("Thanh tra thành phố", "department", ()),
    ("Trường Chính trị", "centre", ()),
    ("Ban Tuyên giáo và Dân vận Thành ủy", "other", ()),
    ("Báo và Phát thanh, Truyền hình Đồng Nai", "centre", ()),
    ("UBND phường Trấn Biên", "commune", ()),
    ("UBND phường Tam Hiệp", "commune", ()),
    ("UBND xã Phú Lý", "commune", ()),
]
UNITS = [
    UnitName(id=number, name=name, kind=kind, spellings=(name, *aliases))
    for number, (name, kind, aliases) in enumerate([*DEPARTMENT_UNITS, *CITY_UNITS], start=1)
]
ID = {unit.name: unit.id for unit in UNITS}
MATCHER = UnitMatcher(UNITS)

DIVISIONS_AND_CENTRES = frozenset({"division", "centre"})
EVERYONE = frozenset({"department", "centre", "commune"})


def matched_names(cell: str) -> list[str | None]:
    names = {unit.id: unit.name for unit in UNITS}
    matches, _ = MATCHER.match(cell)
    return [names.get(match.unit_id) if match.unit_id else None for match in matches]


def kinds_of(cell: str) -> frozenset[str] | None:
    _, collective = MATCHER.match(cell)
    return collective.kinds if collective else None


def seed_cells(prefix: str, header_start: str) -> set[str]:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    text = path.read_text(encoding="utf-8")
    table = read_text(text[text.index(f"\n{header_start}\t") + 1 :])
    return {
        row.cells[name] for row in table.rows for name in (Column.LEAD, Column.COORDINATING)
    } - {""}


# Every lead and coordinating cell of the two seed tables: (units named, collective kinds).
SEED_CELLS = {
    "Phòng Chuyên đổi số": (["Phòng Chuyển đổi số"], None),
    "Văn phòng Sở": (["Văn phòng Sở"], None),
    "Văn phòng": (["Văn phòng Sở"], None),
    "Trung tâm KHCN": (["Trung tâm Khoa học và Công nghệ"], None),
    "Trung Tâm KHCN": (["Trung tâm Khoa học và Công nghệ"], None),
    "Các phòng, đơn vị": ([], DIVISIONS_AND_CENTRES),
    "Các phòng/đơn vị": ([], DIVISIONS_AND_CENTRES),
    "Các phòng": ([], frozenset({"division"})),
    "Các sở, ban, ngành": ([], frozenset({"department"})),
    "Các sở, ban, ngành, đơn vị sự nghiệp công lập thành phố, UBND các xã, phường": (
        [], EVERYONE,
    ),
    "Các cơ quan, đơn vị, địa phương": ([], EVERYONE),
    "Sở Tư pháp": (["Sở Tư pháp"], None),
    "Sở Nội vụ": (["Sở Nội vụ"], None),
    "Sở Khoa học và Công nghệ": (["Sở Khoa học và Công nghệ"], None),
    "Văn phòng UBND thành phố": (["Văn phòng UBND thành phố"], None),
    "Văn phòng UBND thành phố, Sở Tư pháp": (["Văn phòng UBND thành phố", "Sở Tư pháp"], None),
    "Thanh tra thành phố": (["Thanh tra thành phố"], None),
    "Sở Tư pháp, các cơ quan, đơn vị, địa phương": (["Sở Tư pháp"], EVERYONE),
    "Sở Nội vụ, các cơ quan, đơn vị, địa phương": (["Sở Nội vụ"], EVERYONE),
    "Sở Tài chính, Văn phòng UBND thành phố, UBND các xã, phường": (
        ["Sở Tài chính", "Văn phòng UBND thành phố"], frozenset({"commune"}),
    ),
    "Sở Nội vụ, Sở Tư pháp": (["Sở Nội vụ", "Sở Tư pháp"], None),
    "Thanh tra thành phố, Sở Nội vụ; các cơ quan, đơn vị, địa phương": (
        ["Thanh tra thành phố", "Sở Nội vụ"], EVERYONE,
    ),
    "Sở Khoa học và Công nghệ; Sở Tư pháp": (["Sở Khoa học và Công nghệ", "Sở Tư pháp"], None),
    "Sở Nội vụ, Trường Chính trị": (["Sở Nội vụ", "Trường Chính trị"], None),
    "Sở Văn hóa, Thể thao và Du lịch": (["Sở Văn hóa, Thể thao và Du lịch"], None),
    "Ban Tuyên giáo và Dân vận Thành ủy; Báo và Phát thanh, Truyền hình Đồng Nai "
    "và các cơ quan, đơn vị có liên quan": (
        ["Ban Tuyên giáo và Dân vận Thành ủy", "Báo và Phát thanh, Truyền hình Đồng Nai"],
        frozenset(),
    ),
}


def test_the_expectations_cover_every_unit_cell_of_the_seeds():
    assert seed_cells("000", "Stt") | seed_cells("002", "TT") == set(SEED_CELLS)


@pytest.mark.parametrize(("cell", "expected"), SEED_CELLS.items(), ids=list(SEED_CELLS))
def test_every_unit_cell_of_the_seeds_is_matched(cell, expected):
    names, kinds = expected

    assert matched_names(cell) == names
    assert kinds_of(cell) == kinds


@pytest.mark.parametrize(
    ("written", "unit"),
    [
        ("Văn phòng Sở", "Văn phòng Sở"),
        ("Văn phòng", "Văn phòng Sở"),
        ("VP Sở", "Văn phòng Sở"),
        ("VP", "Văn phòng Sở"),
        ("Văn phòng thuộc Sở", "Văn phòng Sở"),
        ("Trung tâm KHCN", "Trung tâm Khoa học và Công nghệ"),
        ("Trung Tâm KHCN", "Trung tâm Khoa học và Công nghệ"),
        ("Trung tâm KH&CN", "Trung tâm Khoa học và Công nghệ"),
        ("TT KHCN", "Trung tâm Khoa học và Công nghệ"),
        ("TT. KH-CN", "Trung tâm Khoa học và Công nghệ"),
        ("Trung tâm KHCCN", "Trung tâm Khoa học và Công nghệ"),
        ("trung tâm khoa học & công nghệ", "Trung tâm Khoa học và Công nghệ"),
        ("Phòng CĐS", "Phòng Chuyển đổi số"),
        ("Phòng KH-TC", "Phòng Kế hoạch - Tài chính"),
        ("Phòng KHTC", "Phòng Kế hoạch - Tài chính"),
        ("Phòng Kế hoạch – Tài chính", "Phòng Kế hoạch - Tài chính"),
        ("Phòng QLKH", "Phòng Quản lý Khoa học"),
        ("Sở KH&CN", "Sở Khoa học và Công nghệ"),
        ("Sở KHCN", "Sở Khoa học và Công nghệ"),
        ("Văn phòng Ủy ban nhân dân thành phố", "Văn phòng UBND thành phố"),
        ("VP UBND TP", "Văn phòng UBND thành phố"),
        ("Uỷ ban nhân dân phường Tam Hiệp", "UBND phường Tam Hiệp"),
        ("Phường Tam Hiệp", "UBND phường Tam Hiệp"),
        ("BGĐ", "Ban Giám đốc"),
        ("Sở Nội vụ (chủ trì)", "Sở Nội vụ"),
    ],
)
def test_spellings_abbreviations_and_optional_words(written, unit):
    matches, collective = MATCHER.match(written)

    assert matches == [NameMatch(written=written, unit_id=ID[unit])]
    assert collective is None


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("Cổng TTĐT", "Cổng thông tin điện tử"),
        ("Thường trực HĐND thành phố", "Thường trực Hội đồng nhân dân thành phố"),
        ("Sở KH&ĐT", "Sở Kế hoạch và Đầu tư"),
        ("Sở LĐ-TB&XH", "Sở Lao động - Thương binh và Xã hội"),
    ],
)
def test_abbreviations_are_understood_in_both_directions(written, name):
    by_name = [UnitName(1, name, "other", ())]
    by_abbreviation = [UnitName(1, written, "other", ())]

    assert match_names(written, by_name)[0] == [NameMatch(written, 1)]
    assert match_names(name, by_abbreviation)[0] == [NameMatch(name, 1)]


def test_decomposed_unicode_input_matches_and_is_returned_composed():
    cell = unicodedata.normalize("NFD", "Phòng Chuyển đổi số, Sở Tư pháp")

    matches, _ = MATCHER.match(cell)

    assert [m.unit_id for m in matches] == [ID["Phòng Chuyển đổi số"], ID["Sở Tư pháp"]]
    assert matches[0].written == unicodedata.normalize("NFC", "Phòng Chuyển đổi số")


def test_a_misspelt_name_matches_its_single_nearest_unit():
    assert matched_names("Phòng Chuyên đổi số") == ["Phòng Chuyển đổi số"]
    assert matched_names("Phòng Quản lý Chuyên nghành") == ["Phòng Quản lý Chuyên ngành"]


def test_a_misspelling_near_several_units_is_ambiguous():
    units = [
        UnitName(1, "Phòng Quản lý Khoa học", "division", ()),
        UnitName(2, "Phòng Quản lý Khoa hục", "division", ()),
    ]

    (match,), _ = match_names("Phòng Quản lý Khoa hăc", units)

    assert match.unit_id is None
    assert set(match.candidates) == {1, 2}


def test_two_units_with_the_same_name_are_ambiguous_not_guessed():
    units = [
        UnitName(1, "Văn phòng Sở", "division", ()),
        UnitName(2, "Văn phòng Sở", "division", ()),
    ]

    assert match_names("VP Sở", units) == ([NameMatch("VP Sở", None, candidates=(1, 2))], None)


def test_numbers_in_names_are_never_fuzzed():
    units = [UnitName(1, "UBND Phường 1", "commune", ())]

    assert match_names("UBND Phường 2", units) == ([NameMatch("UBND Phường 2", None)], None)


def test_unknown_names_are_reported_unmatched_never_dropped():
    matches, collective = MATCHER.match("Sở Y tế, Sở Giáo dục và Đào tạo; Công an thành phố")

    assert matches == [
        NameMatch("Sở Y tế", None),
        NameMatch("Sở Giáo dục và Đào tạo", None),
        NameMatch("Công an thành phố", None),
    ]
    assert collective is None


def test_known_and_unknown_names_mixed_with_a_collective():
    matches, collective = MATCHER.match("Sở Nội vụ, Sở Y tế và các cơ quan, đơn vị, địa phương")

    assert [(m.written, m.unit_id) for m in matches] == [
        ("Sở Nội vụ", ID["Sở Nội vụ"]),
        ("Sở Y tế", None),
    ]
    assert collective == Collective("các cơ quan, đơn vị, địa phương", EVERYONE)


def test_the_same_unit_named_twice_counts_once():
    assert matched_names("Văn phòng Sở, VP Sở") == ["Văn phòng Sở"]


def test_empty_cells_name_nothing():
    assert MATCHER.match("") == ([], None)
    assert MATCHER.match(" , ; ") == ([], None)


@pytest.mark.parametrize(
    ("cell", "kinds"),
    [
        ("Các phòng, đơn vị", DIVISIONS_AND_CENTRES),
        ("các phòng/đơn vị", DIVISIONS_AND_CENTRES),
        ("Các phòng, đơn vị thuộc Sở", DIVISIONS_AND_CENTRES),
        ("Các phòng", frozenset({"division"})),
        ("Các sở, ban, ngành", frozenset({"department"})),
        ("UBND các xã, phường", frozenset({"commune"})),
        ("Ủy ban nhân dân các xã, phường", frozenset({"commune"})),
        ("các xã, phường", frozenset({"commune"})),
        (
            "Các sở, ban, ngành, đơn vị sự nghiệp công lập thành phố, UBND các xã, phường",
            EVERYONE,
        ),
        ("Các cơ quan, đơn vị, địa phương", EVERYONE),
        ("Các cơ quan, đơn vị", frozenset({"department", "centre"})),
        ("các cơ quan, đơn vị có liên quan", frozenset()),
        ("các đơn vị liên quan", frozenset()),
    ],
)
def test_collective_phrases_are_one_piece_with_the_kinds_they_stand_for(cell, kinds):
    assert find_collective(cell) == Collective(cell, kinds)
    assert split_names(cell) == [cell]


def test_several_collectives_in_a_cell_add_up():
    collective = find_collective("Các phòng; Sở Nội vụ; UBND các xã, phường")

    assert collective == Collective(
        "Các phòng, UBND các xã, phường", frozenset({"division", "commune"})
    )


def test_a_cell_without_a_collective_has_none():
    assert find_collective("Sở Nội vụ, Sở Tư pháp") is None


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("Sở Nội vụ, Sở Tư pháp", ["Sở Nội vụ", "Sở Tư pháp"]),
        ("Sở Nội vụ và Sở Tư pháp", ["Sở Nội vụ", "Sở Tư pháp"]),
        ("Sở Nội vụ; Sở Tư pháp/Thanh tra thành phố", ["Sở Nội vụ", "Sở Tư pháp",
                                                       "Thanh tra thành phố"]),
        ("Sở Văn hóa, Thể thao và Du lịch", ["Sở Văn hóa, Thể thao và Du lịch"]),
        ("Sở Khoa học và Công nghệ", ["Sở Khoa học và Công nghệ"]),
        ("Ban Tuyên giáo và Dân vận Thành ủy", ["Ban Tuyên giáo và Dân vận Thành ủy"]),
        (
            "Báo và Phát thanh, Truyền hình Đồng Nai và các cơ quan, đơn vị có liên quan",
            ["Báo và Phát thanh, Truyền hình Đồng Nai", "các cơ quan, đơn vị có liên quan"],
        ),
        ("Văn phòng, Các phòng, đơn vị", ["Văn phòng", "Các phòng, đơn vị"]),
        ("- Sở Nội vụ\n- Sở Tư pháp", ["Sở Nội vụ", "Sở Tư pháp"]),
    ],
)
def test_split_names_without_a_unit_list(cell, names):
    assert split_names(cell) == names


def test_match_names_is_the_matcher_built_for_one_cell():
    cell = "Văn phòng Sở, các phòng, đơn vị"

    assert match_names(cell, UNITS) == MATCHER.match(cell)


SEPARATORS = st.sampled_from([", ", "; ", " và ", "/", "\n", " , "])


@given(
    st.lists(st.sampled_from(UNITS), min_size=1, max_size=6, unique_by=lambda unit: unit.id),
    st.data(),
)
def test_any_list_of_known_names_is_matched_in_order(units, data):
    cell = units[0].name
    for unit in units[1:]:
        cell += data.draw(SEPARATORS) + unit.name

    matches, collective = MATCHER.match(cell)

    assert [m.unit_id for m in matches] == [unit.id for unit in units]
    assert collective is None


# --- Levels and groups (issue 10) -----------------------------------------------------------------


def test_a_name_at_the_department_level_never_matches_a_city_unit_without_a_flag():
    (match,), _ = MATCHER.match("Thanh tra Sở")

    assert match.unit_id is None
    assert match.other_level
    assert match.candidates == (ID["Thanh tra thành phố"],)


def test_a_name_without_a_level_still_finds_its_unit():
    assert matched_names("Thanh tra thành phố") == ["Thanh tra thành phố"]
    assert matched_names("Văn phòng") == ["Văn phòng Sở"]
    assert matched_names("VP Sở") == ["Văn phòng Sở"]


def test_the_specialised_divisions_are_the_phong_only():
    collective = find_collective("Các phòng chuyên môn thuộc Sở")

    assert collective.kinds == frozenset({"division"})
    assert collective.name_starts == "phong "
