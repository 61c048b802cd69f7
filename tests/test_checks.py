"""Problem-set checks: right answers pass, wrong ones are rejected with a message that says why."""

import numpy as np
import pytest
import torch

from lecture_utils.checks import (
    AnswerError,
    check_array,
    check_integer,
    check_null_space_projection,
    check_scalar,
)

EXPECTED = np.arange(12.0).reshape(3, 4) - 5.0


def test_right_answers_pass(capsys):
    check_array("J", EXPECTED + 1e-12, EXPECTED)
    check_array("J", torch.from_numpy(EXPECTED), EXPECTED)
    check_scalar("the loss", 0.25, 0.25)
    check_integer("the rank", np.int64(3), 3)
    assert capsys.readouterr().out.splitlines() == [
        "correct: J",
        "correct: J",
        "correct: the loss",
        "correct: the rank",
    ]


@pytest.mark.parametrize(
    "answer, message",
    [
        (
            np.zeros((3, 5)),
            r"shape \(3, 5\); expected \(3, 4\): did you include the bias\?",
        ),
        (EXPECTED.T, "transposed"),
        (-EXPECTED, "off by a sign"),
        (EXPECTED / 2, "half the expected value: is a factor 2 missing"),
        (2 * EXPECTED, "twice the expected value: did you drop a factor 1/2"),
        (
            EXPECTED + 0.25 * (np.arange(12).reshape(3, 4) == 6),
            r"largest difference is 0.25 at index \(1, 2\)",
        ),
        (np.full((3, 4), np.nan), "NaN"),
        (None, "forget to return"),
        ("abc", "array of numbers"),
    ],
)
def test_wrong_arrays_are_rejected_with_a_diagnosis(answer, message):
    with pytest.raises(AnswerError, match=message):
        check_array("J", answer, EXPECTED, hints={(3, 5): "did you include the bias?"})


def test_wrong_scalars_and_integers_are_rejected():
    with pytest.raises(AnswerError, match="single number"):
        check_scalar("the loss", [1.0, 2.0], 1.0)
    with pytest.raises(AnswerError, match="half the expected value"):
        check_scalar("the loss", 0.5, 1.0)
    with pytest.raises(AnswerError, match="is 2; expected 3: count the bias"):
        check_integer("the rank", 2, 3, hints={2: "count the bias"})
    with pytest.raises(AnswerError, match="integer"):
        check_integer("the rank", 3.0, 3)
    assert issubclass(
        AnswerError, AssertionError
    )  # nbgrader counts it as a failed test


def projection_problem():
    rng = np.random.default_rng(0)
    J, g = rng.standard_normal((3, 8)), rng.standard_normal(8)
    row = J.T @ np.linalg.solve(J @ J.T, J @ g)
    return J, g, g - row, row


def test_null_space_projection_accepts_the_projection(capsys):
    J, g, p, _ = projection_problem()
    check_null_space_projection("p", p, J, g)
    check_null_space_projection("p", torch.from_numpy(p), J, g)
    assert capsys.readouterr().out.splitlines() == ["correct: p", "correct: p"]


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda J, g, p, row: row, "component of g in the row space"),
        (lambda J, g, p, row: 2 * p, "did you rescale it"),
        (lambda J, g, p, row: g, "not in the null space of J"),
        (lambda J, g, p, row: p[:-1], r"shape \(7,\); expected \(8,\)"),
        (lambda J, g, p, row: np.full_like(p, np.nan), "NaN"),
        (lambda J, g, p, row: None, "forget to return"),
    ],
)
def test_null_space_projection_rejects_wrong_answers(wrong, message):
    J, g, p, row = projection_problem()
    with pytest.raises(AnswerError, match=message):
        check_null_space_projection("p", wrong(J, g, p, row), J, g)
