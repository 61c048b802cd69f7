"""Problem-set checks: right answers pass, wrong ones are rejected with a message that says why."""

import numpy as np
import pytest
import torch

from lecture_utils.checks import (
    AnswerError,
    as_answer_array,
    as_integer,
    as_number,
    check_array,
    check_integer,
    check_null_space_projection,
    check_scalar,
    forbidden,
    no_autograd,
    unpack,
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
        (lambda J, g, p, row: g, "not in the null space of J: .* J p = 0$"),
        (lambda J, g, p, row: p[:-1], r"shape \(7,\); expected \(8,\)"),
        (lambda J, g, p, row: np.full_like(p, np.nan), "NaN"),
        (lambda J, g, p, row: None, "forget to return"),
    ],
)
def test_null_space_projection_rejects_wrong_answers(wrong, message):
    J, g, p, row = projection_problem()
    with pytest.raises(AnswerError, match=message):
        check_null_space_projection("p", wrong(J, g, p, row), J, g)


# ------------------------------------------- validation, forbidden calls and autograd switched off


@pytest.mark.parametrize(
    "answer, message",
    [
        (None, "forget to return"),
        ({"W": 1}, "array of numbers, got a dict"),
        ((np.ones(2), np.ones(3)), "tuple of 2 items of different shapes"),
        ("abc", "array of numbers, got a str"),
        (np.ones((4, 3)), r"shape \(4, 3\); expected \(3, 4\): it looks transposed"),
        (np.ones(5), r"shape \(5,\); expected \(3, 4\): one column"),
        (np.full((3, 4), np.inf), "NaN or infinite"),
    ],
)
def test_answers_of_the_wrong_kind_are_named_before_any_comparison(answer, message):
    with pytest.raises(AnswerError, match=message):
        as_answer_array("J", answer, (3, 4), hints={(5,): "one column"})


def test_validated_answers_come_back_as_floats_ints_and_tuples():
    array = as_answer_array("J", torch.ones(3, 4), (3, 4))
    assert isinstance(array, np.ndarray) and array.dtype == float
    assert as_number("x", np.float32(0.5)) == 0.5 and type(as_number("x", 1)) is float
    assert as_integer("k", np.int64(3)) == 3
    for wrong in (3.0, True, "3"):
        with pytest.raises(AnswerError, match="integer"):
            as_integer("k", wrong)
    with pytest.raises(AnswerError, match="single number"):
        as_number("x", [1.0, 2.0])
    assert unpack("f", (1, 2), ("a", "b")) == (1, 2)
    with pytest.raises(AnswerError, match=r"tuple \(a, b\); got 3 items"):
        unpack("f", (1, 2, 3), ("a", "b"))
    with pytest.raises(AnswerError, match=r"got a dict"):
        unpack("f", {"a": 1}, ("a", "b"))


def test_forbidden_functions_raise_inside_and_come_back_after():
    namespace = {"solve": np.linalg.solve}
    with forbidden((np.linalg, "solve"), (namespace, "solve"), reason="no solver"):
        with pytest.raises(AnswerError, match="no solver"):
            np.linalg.solve(np.eye(2), np.ones(2))
        with pytest.raises(AnswerError, match="no solver"):
            namespace["solve"](np.eye(2), np.ones(2))
    assert np.allclose(np.linalg.solve(np.eye(2), np.ones(2)), 1.0)
    assert namespace["solve"] is np.linalg.solve
    with pytest.raises(ZeroDivisionError):  # restored on an error too
        with forbidden((np.linalg, "solve"), reason="no solver"):
            1 / 0
    assert np.allclose(np.linalg.solve(np.eye(2), np.ones(2)), 1.0)


def test_no_autograd_stops_every_way_of_differentiating_and_nothing_else():
    def backward():
        x = torch.ones(3, requires_grad=True)
        (x**2).sum().backward()
        return x.grad

    def functional():
        return torch.func.grad(lambda x: (x**2).sum())(torch.ones(3))

    def autograd_grad():
        x = torch.ones(3, requires_grad=True)
        return torch.autograd.grad((x**2).sum(), x)

    def reenabled():
        with torch.inference_mode(False):
            return backward()

    for way in (backward, functional, autograd_grad, reenabled):
        with pytest.raises(AnswerError, match="by hand"):
            with no_autograd("compute it by hand"):
                way()
    with no_autograd("compute it by hand"):  # plain computation is untouched
        assert float(torch.ones(3).sum()) == 3.0
    assert torch.equal(backward(), torch.full((3,), 2.0))  # and autograd is back
    assert torch.equal(functional(), torch.full((3,), 2.0))
