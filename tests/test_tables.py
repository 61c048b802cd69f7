"""The table helper reproduces hand-aligned f-string tables and rejects malformed input."""

import numpy as np
import pytest

import lecture_utils as lu
from lecture_utils.tables import format_table


def test_matches_hand_written_table():
    rows = [(30, 0.47, "0.69-2.71", 113, 3.7e-02), (3000, 0.14, "0.86-1.01", 0, 6.2e-4)]
    expected = (
        "   d1  |J_end - J_0| / |J_0|  mu_k / mu_0 steps above bound L_300 / L_0\n"
        "   30                   0.47    0.69-2.71               113     3.7e-02\n"
        " 3000                   0.14    0.86-1.01                 0     6.2e-04"
    )
    columns = [
        ("d1", "5d"),
        ("|J_end - J_0| / |J_0|", "22.2f"),
        ("mu_k / mu_0", ">12"),
        ("steps above bound", "17d"),
        ("L_300 / L_0", "11.1e"),
    ]
    assert format_table(rows, columns) == expected


def test_text_columns_align_left_and_numbers_right():
    text = format_table([("a", 1), ("bbb", 22)], [("name", "6"), ("k", "3d")], sep="|")
    assert text.split("\n") == ["name  |  k", "a     |  1", "bbb   | 22"]


def test_explicit_alignment_and_numpy_values(capsys):
    lu.print_table([(np.int64(7), np.float64(0.5))], [("n", "<4d"), ("p", "^7.2f")])
    assert capsys.readouterr().out == "n       p\n7     0.50\n"


def test_one_separator_per_gap_and_no_trailing_spaces():
    rows = [("min 1:", 2.0, "global"), ("min 2:", 0.5, "")]
    columns = [("", "6"), ("w", "7.4f"), ("", ">7")]
    assert format_table(rows, columns, sep=["  ", " "]).split("\n") == [
        "              w",
        "min 1:   2.0000  global",
        "min 2:   0.5000",
    ]


def test_empty_rows_give_the_header():
    assert format_table([], [("x", "3d")]) == "  x"


@pytest.mark.parametrize(
    "rows, columns, message",
    [
        ([(1, 2)], [("a", "3d")], "row 0 has 2 values for 1 columns"),
        ([(1.5,)], [("a", "3d")], "cannot be formatted"),
        (["ab"], [("a", "3"), ("b", "3")], "is a string"),
        ([(1,)], [], "non-empty"),
        ([(1,)], [("a", 3)], "pair of strings"),
        ([(1,)], [("a", "3q")], "not a format specification"),
    ],
)
def test_bad_input_raises_a_clear_error(rows, columns, message):
    with pytest.raises(ValueError, match=message):
        format_table(rows, columns)


@pytest.mark.parametrize("sep", [[" ", " "], [1], None])
def test_a_separator_per_gap_or_one_for_all(sep):
    with pytest.raises(ValueError, match="one between two columns"):
        format_table([(1, 2)], [("a", "3d"), ("b", "3d")], sep=sep)
