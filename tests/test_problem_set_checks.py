"""Every hint of the problem sets' checks fires on the wrong answer it is written for, every check
accepts the reference, and each exercise runs after the setup cell alone (tests/problem_set_cells.py
runs an exercise's cells in a plain namespace, hidden tests included, as nbgrader grades them)."""

import re

import nbformat
import pytest

from lecture_utils.checks import AnswerError
from problem_set_cells import PROBLEM_SETS, is_check, nbgrader, run_exercise

#: Exercises that build on another exercise's function by design (what the statement says).
ALSO = {"flat-directions-check": ("gauss-newton",)}

CHECKS = [
    (path.name[:3], nbgrader(cell)["grade_id"])
    for path in PROBLEM_SETS
    for cell in nbformat.read(path, as_version=4).cells
    if is_check(cell)
]


@pytest.mark.parametrize("name, check", CHECKS, ids=[f"{n}-{c}" for n, c in CHECKS])
def test_the_reference_passes_each_check_after_the_setup_cell_alone(
    name, check, capsys
):
    run_exercise(name, check, also=ALSO.get(check, ()))
    printed = capsys.readouterr().out
    assert "correct" in printed or "returns" in printed or "has" in printed, printed


def define(signature, body):
    """The source of a solution cell: ``def signature:`` with ``body`` (lines, unindented)."""
    lines = "\n".join("    " + line for line in body.strip("\n").splitlines())
    return f"def {signature}:\n{lines}\n"


SIGMA_MATRIX = "cooper_matrix(t, b, sigma)"
RANK = "homogeneous_feature_rank(X, width, q, seed)"
HOMOGENEOUS = """
W = np.random.default_rng(seed).standard_normal((width, X.shape[0]))
features = (W @ X).T ** q
"""
TANGENT = "tangent_dimension(model, params)"
JACOBIAN = "J = lu.parameter_jacobian(model, params)"
FLAT = "flat_directions(width)"
CONVERGED = """
point, info = gauss_newton_to_manifold(network6, lu.init_mlp([2, width, 1], seed=0), y6)
eigenvalues = np.linalg.eigvalsh(loss_hessian(model6, point, X6, y6))
"""
REFERENCE_FLOOD = """
inside = np.asarray(loss_grid) <= level
steps = [(1, 0), (-1, 0), (0, 1), (0, -1)]
if connectivity == 8 and EIGHT:
    steps += [(1, 1), (1, -1), (-1, 1), (-1, -1)]
labels, count = np.zeros(inside.shape, dtype=int), 0
for cell in sorted(zip(*np.nonzero(inside)), key=ORDER):
    if labels[cell]:
        continue
    count += 1
    labels[cell], queue = count, [cell]
    while queue:
        i, j = queue.pop()
        for di, dj in steps:
            a, b = i + di, j + dj
            if 0 <= a < inside.shape[0] and 0 <= b < inside.shape[1]:
                if inside[a, b] and not labels[a, b]:
                    labels[a, b] = count
                    queue.append((a, b))
return labels, count
"""
FLOOD = "label_sublevel_set(loss_grid, level, connectivity=8)"
PSI = "psi(M)"
JAC = "jacobian_from_pattern(W, b, v, X)"
PATTERN = """
A = (W @ X + b[:, None] > 0).astype(float)
X_tilde = np.vstack([X, np.ones((1, X.shape[1]))])
"""
REGIONS = "count_regions(n, d, d1=1)"
GD = "gd_step(W, b, v, X, y, lr)"
GD_BODY = """
pre = W @ X + b[:, None]
r = v @ np.maximum(pre, 0.0) - y
G = v[:, None] * (pre > 0) * r[None, :]
"""
STEPS = "predicted_steps(J, r0, lr, eps, max_steps)"
STEPS_BODY = """
r = np.asarray(r0, dtype=float)
for t in range(max_steps + 1):
    if 0.5 * r @ r <= eps:
        return FIRST
    r = r - lr * J @ (J.T @ r)
return NONE
"""
NTK = "ntk_gram_matrix(W, b, v, X)"
NTK_BODY = """
pre = W @ X + b[:, None]
D = v[:, None] * (pre > 0)
relu = np.maximum(pre, 0.0)
"""
PROJ = "null_space_projection(J, g)"
ROW = "J.T @ np.linalg.solve(J @ J.T, J @ g)"

WRONG = [
    # Problem set I
    (
        "ps1",
        "cooper-matrix",
        define(SIGMA_MATRIX, "return sigma(t - b[0])"),
        "return the whole matrix, not one column",
    ),
    (
        "ps1",
        "cooper-matrix",
        define(SIGMA_MATRIX, "return sigma(t[None, :] - b[:, None])"),
        r"shape \(4, 5\); expected \(5, 4\): it looks transposed",
    ),
    (
        "ps1",
        "cooper-fit",
        define("cooper_fit(t, y)", "return np.sort(t), y"),
        "the fitted values at the sorted points is not right",
    ),
    (
        "ps1",
        "homogeneous-rank",
        define(RANK, "return math.comb(X.shape[0] + q, q)"),
        "that is the bound with thresholds",
    ),
    (
        "ps1",
        "homogeneous-rank",
        define(RANK, HOMOGENEOUS + "return lu.jacobian_rank(features, rtol=1e-9)"),
        "did you forget the column of ones",
    ),
    (
        "ps1",
        "tangent-dimension",
        define(TANGENT, JACOBIAN + "\nreturn lu.jacobian_rank(J)"),
        "that is rank J, the number of independent equations",
    ),
    (
        "ps1",
        "tangent-dimension",
        define(TANGENT, JACOBIAN + "\nreturn J.shape[1]"),
        "that is P: do not forget the n equations",
    ),
    (
        "ps1",
        "tangent-dimension",
        define(TANGENT, JACOBIAN + "\nreturn J.shape[1] - J.shape[0]"),
        "P - n assumes rank J = n",
    ),
    (
        "ps1",
        "gauss-newton",
        define("gauss_newton_matrix(J)", "return J @ J.T")
        + define("count_flat(eigenvalues, rtol)", "return 0"),
        "J J\\^T is n x n; the Hessian acts on parameters",
    ),
    (
        "ps1",
        "gauss-newton",
        define("gauss_newton_matrix(J)", "return 2 * J.T @ J")
        + define("count_flat(eigenvalues, rtol)", "return 0"),
        "this is 2 J\\^T J, the Hessian of Cooper's loss",
    ),
    (
        "ps1",
        "gauss-newton",
        define("gauss_newton_matrix(J)", "return J.T @ J")
        + define(
            "count_flat(eigenvalues, rtol)",
            "return int(np.sum(eigenvalues <= rtol * np.abs(eigenvalues).max()))",
        ),
        "-1 is not flat: compare \\|lambda\\|",
    ),
    (
        "ps1",
        "gauss-newton",
        define("gauss_newton_matrix(J)", "return J.T @ J")
        + define(
            "count_flat(eigenvalues, rtol)", "return int(np.sum(eigenvalues == 0))"
        ),
        "count every \\|lambda\\| below the tolerance",
    ),
    (
        "ps1",
        "flat-directions",
        define(
            FLAT, CONVERGED + "return len(eigenvalues) - count_flat(eigenvalues, 1e-8)"
        ),
        "that counts the positive eigenvalues",
    ),
    (
        "ps1",
        "flat-directions",
        define(FLAT, CONVERGED + "return count_flat(eigenvalues, 1.0)"),
        "every eigenvalue was counted: check the tolerance",
    ),
    (
        "ps1",
        "flat-directions",
        define(FLAT, CONVERGED + "return count_flat(eigenvalues, 1e-8)"),
        "flat_directions\\(1\\) should raise a RuntimeError",
    ),
    # Problem set II
    (
        "ps2",
        "ps2-flood-fill",
        define(
            FLOOD, REFERENCE_FLOOD.replace("EIGHT", "False").replace("ORDER", "None")
        ),
        "cells that share only a corner must be joined too",
    ),
    (
        "ps2",
        "ps2-flood-fill",
        define(
            FLOOD,
            REFERENCE_FLOOD.replace("EIGHT", "True").replace(
                "ORDER", "lambda c: (c[1], c[0])"
            ),
        ),
        "numbered differently: open them in raster order",
    ),
    (
        "ps2",
        "ps2-flood-fill",
        define(FLOOD, "return 2"),
        "should return a tuple \\(labels, n_components\\); got a int",
    ),
    (
        "ps2",
        "ps2-cubic-dimension",
        define("cubic_dimension(d0)", "return comb(d0 + 2, 3)"),
        "you counted only the cubic monomials",
    ),
    (
        "ps2",
        "ps2-cubic-dimension",
        define("cubic_dimension(d0)", "return comb(d0 + 3, 3)"),
        "you counted every monomial of degree at most 3",
    ),
    (
        "ps2",
        "ps2-cubic-dimension",
        define("cubic_dimension(d0)", "return d0**3 + d0"),
        "you counted ordered index triples",
    ),
    (
        "ps2",
        "ps2-quadratic-features",
        define(
            PSI,
            "return quadratic_feature_map(M) * np.r_[np.ones(M.shape[1]), np.full(M.shape[1] * (M.shape[1] - 1) // 2, 2 ** -0.5)]",
        ),
        "lacks the factor sqrt\\(2\\)",
    ),
    (
        "ps2",
        "ps2-quadratic-features",
        define(PSI, "return np.stack([np.outer(m, m).ravel() for m in M])"),
        "you kept all d0\\^2 entries",
    ),
    (
        "ps2",
        "ps2-quadratic-features",
        define(PSI, "return quadratic_feature_map(M)[:, ::-1]"),
        "your psi satisfies the Gram identity, so check the order",
    ),
    (
        "ps2",
        "ps2-double-well",
        define(
            "barrier_height(a)",
            "u_minus, u_s, u_plus = np.sort(np.roots([4.0, 0.0, -4.0, a]).real)\ng = lambda u: (u**2 - 1) ** 2 + a * u\nreturn float(g(u_s) - g(u_minus))",
        ),
        "you gave the climb out of the left well",
    ),
    (
        "ps2",
        "ps2-stuck-vs-data",
        define("stuck_fraction(X, y, widths, runs, seed)", "return 0.5"),
        "return one fraction per width, as an array",
    ),
    # Problem set III
    (
        "ps3",
        "khatri-rao",
        define(
            JAC,
            PATTERN
            + "return np.array([np.kron(A[:, j], X_tilde[:, j]) for j in range(X.shape[1])])",
        ),
        "J ignores the output weights",
    ),
    (
        "ps3",
        "khatri-rao",
        define(
            JAC,
            PATTERN
            + "return np.array([np.kron(X_tilde[:, j], v * A[:, j]) for j in range(X.shape[1])])",
        ),
        "the columns are in the wrong order",
    ),
    (
        "ps3",
        "khatri-rao",
        define(
            JAC,
            PATTERN
            + "return np.array([np.kron(v * A[:, j], X[:, j]) for j in range(X.shape[1])])",
        ),
        "append the bias entry",
    ),
    (
        "ps3",
        "khatri-rao",
        define(JAC, PATTERN + "return A"),
        "that is the shape of the activation pattern A",
    ),
    (
        "ps3",
        "khatri-rao",
        define(
            JAC,
            PATTERN
            + "return A, np.array([np.kron(v * A[:, j], X_tilde[:, j]) for j in range(X.shape[1])])",
        ),
        "should be an array of numbers, got a tuple of 2 items of different shapes",
    ),
    (
        "ps3",
        "khatri-rao",
        define(JAC, "return lu.relu_jacobian(W, b, v, X)"),
        "write the Jacobian yourself",
    ),
    (
        "ps3",
        "khatri-rao",
        define(
            JAC,
            "from lecture_utils.jacobians import relu_jacobian\nreturn relu_jacobian(W, b, v, X)",
        ),
        "write the Jacobian yourself",
    ),
    ("ps3", "cover", define(REGIONS, "return 2**n"), "2\\^n is right only when n <= d"),
    (
        "ps3",
        "cover",
        define(REGIONS, "return sum(math.comb(n - 1, k) for k in range(d)) ** d1"),
        "a factor 2 is missing",
    ),
    (
        "ps3",
        "cover",
        define(REGIONS, "return (2 * sum(math.comb(n, k) for k in range(d))) ** d1"),
        "the binomial coefficients are C\\(n - 1, k\\)",
    ),
    (
        "ps3",
        "cover",
        define(
            REGIONS, "return (2 * sum(math.comb(n - 1, k) for k in range(d + 1))) ** d1"
        ),
        "the sum runs over k = 0, ..., d - 1",
    ),
    (
        "ps3",
        "cover",
        define(REGIONS, "return 2 * sum(math.comb(n - 1, k) for k in range(d))"),
        "this is one unit's count",
    ),
    (
        "ps3",
        "cover",
        define(REGIONS, "return d1 * 2 * sum(math.comb(n - 1, k) for k in range(d))"),
        "multiply, not add",
    ),
    (
        "ps3",
        "singular",
        define(
            "all_01_matrices(d)",
            "codes = np.arange(2 ** (d * d))[:, None] >> np.arange(d * d)\nreturn (codes & 1).reshape(-1, d, d)",
        )
        + define(
            "is_singular(M)",
            "return np.rint(np.linalg.det(np.asarray(M, dtype=float))) != 0",
        )
        + define(
            "singular_probability(d)",
            "return float(np.mean(is_singular(all_01_matrices(d))))",
        ),
        "you return the probability of being invertible",
    ),
    (
        "ps3",
        "singular",
        define(
            "all_01_matrices(d)",
            "codes = np.arange(2 ** (d * d))[:, None] >> np.arange(d * d)\nreturn (codes & 1).reshape(-1, d, d)",
        )
        + define(
            "is_singular(M)", "return np.linalg.det(np.asarray(M, dtype=float)) == 0"
        )
        + define(
            "singular_probability(d)",
            "return float(np.mean(is_singular(all_01_matrices(d))))",
        ),
        "rounding makes a zero determinant nonzero",
    ),
    (
        "ps3",
        "full-rank-fraction",
        define(
            "full_rank_fraction(X, patterns, d1, trials, seed=0)",
            """
n = X.shape[1]
X_tilde = np.vstack([X, np.ones((1, n))])
v = lu.alternating_signs(d1)
rng = np.random.default_rng(seed)
full = 0
for _ in range(trials):
    A = rng.integers(0, 2, size=(d1, n))
    J = scipy.linalg.khatri_rao(v[:, None] * A, X_tilde).T
    full += lu.jacobian_rank(J, rtol=1e-9) == n
return full / trials""",
        ),
        "Draw each row of A uniformly from `patterns`",
    ),
    # Problem set IV
    (
        "ps4",
        "gd-step",
        define(GD, GD_BODY + "return W + lr * G @ X.T, b + lr * G.sum(axis=1)"),
        "the step goes uphill",
    ),
    (
        "ps4",
        "gd-step",
        define(GD, GD_BODY + "return b - lr * G.sum(axis=1), W - lr * G @ X.T"),
        "you returned \\(b_new, W_new\\): return W_new first",
    ),
    (
        "ps4",
        "gd-step",
        define(
            GD, GD_BODY + "return {'W': W - lr * G @ X.T, 'b': b - lr * G.sum(axis=1)}"
        ),
        "gd_step should return a tuple \\(W_new, b_new\\); got a dict",
    ),
    ("ps4", "gd-step", define(GD, "return W, b"), "returned the parameters unchanged"),
    (
        "ps4",
        "gd-step",
        define(
            GD,
            """
Wt = torch.tensor(W, requires_grad=True)
bt = torch.tensor(b, requires_grad=True)
F = torch.from_numpy(v) @ torch.relu(Wt @ torch.from_numpy(X) + bt[:, None])
(0.5 * ((F - torch.from_numpy(y)) ** 2).sum()).backward()
return W - lr * Wt.grad.numpy(), b - lr * bt.grad.numpy()""",
        ),
        "automatic differentiation is off",
    ),
    (
        "ps4",
        "gd-step",
        define(
            GD,
            """
def loss(p):
    F = torch.from_numpy(v) @ torch.relu(p[0] @ torch.from_numpy(X) + p[1][:, None])
    return 0.5 * ((F - torch.from_numpy(y)) ** 2).sum()
gW, gb = torch.func.grad(loss)((torch.from_numpy(W), torch.from_numpy(b)))
return W - lr * gW.numpy(), b - lr * gb.numpy()""",
        ),
        "automatic differentiation is off",
    ),
    (
        "ps4",
        "predicted-steps",
        define(STEPS, STEPS_BODY.replace("FIRST", "t + 1").replace("NONE", "None")),
        "off by one: t = 0 \\(no step\\) counts",
    ),
    (
        "ps4",
        "predicted-steps",
        define(STEPS, STEPS_BODY.replace("FIRST", "t").replace("NONE", "max_steps")),
        "with rank J = 3 < n = 4 the residual keeps its component",
    ),
    (
        "ps4",
        "predicted-steps",
        define(STEPS, STEPS_BODY.replace("FIRST", "float(t)").replace("NONE", "None")),
        r"should return an int or None, got \d+\.0",
    ),
    (
        "ps4",
        "wilson",
        define(
            "wilson_interval(k, T, z=1.96)",
            "p = k / T\nh = z * np.sqrt(p * (1 - p) / T)\nreturn p - h, p + h",
        ),
        "that is the Wald interval",
    ),
    (
        "ps4",
        "wilson",
        define(
            "wilson_interval(k, T, z=1.96)",
            "p = k / T\nh = z * np.sqrt(p * (1 - p) / T)\nreturn max(0.0, p - h), min(1.0, p + h)",
        ),
        "that is the Wald interval",
    ),
    (
        "ps4",
        "kernel-trick",
        define(NTK, NTK_BODY + "return (D.T @ D) * (X.T @ X + 1.0) + relu.T @ relu"),
        "d1 times too large",
    ),
    (
        "ps4",
        "kernel-trick",
        define(
            NTK,
            NTK_BODY + "return ((D.T @ D) * (X.T @ X) + relu.T @ relu) / W.shape[0]",
        ),
        "the bias term is missing",
    ),
    (
        "ps4",
        "kernel-trick",
        define(NTK, NTK_BODY + "return (D.T @ D) * (X.T @ X + 1.0) / W.shape[0]"),
        "the output weights' term is missing",
    ),
    (
        "ps4",
        "kernel-trick",
        define(NTK, NTK_BODY + "return ((D @ D.T) + relu @ relu.T) / W.shape[0]"),
        "J J\\^T is n x n, one row per data point",
    ),
    (
        "ps4",
        "null-space-projection",
        define(PROJ, "return " + ROW),
        "the component of g in the row space of J",
    ),
    (
        "ps4",
        "null-space-projection",
        define(PROJ, "return 2 * (g - " + ROW + ")"),
        "did you rescale it",
    ),
    (
        "ps4",
        "null-space-projection",
        define(PROJ, "return g - J.T @ (J @ g)"),
        "is not in the null space of J",
    ),
    # the rules of the statements, enforced
    (
        "ps1",
        "cooper-fit",
        define(
            "cooper_fit(t, y)",
            "order = np.argsort(t)\n"
            "ts, ys = np.asarray(t)[order], np.asarray(y)[order]\n"
            "g = np.diff(ts).min()\n"
            "b = np.concatenate([[ts[0] - g / 2], (ts[:-1] + ts[1:]) / 2])\n"
            "A = np.maximum(ts[:, None] - b[None, :], 0.0)\n"
            "return b, np.linalg.solve(A, ys)",
        ),
        "no linear solver",
    ),
    (
        "ps2",
        "ps2-flood-fill",
        define(FLOOD, "return sublevel_components(loss_grid, level, connectivity)"),
        "write the flood fill yourself",
    ),
    (
        "ps2",
        "ps2-flood-fill",
        define(
            FLOOD,
            "import scipy.ndimage\n"
            "structure = np.ones((3, 3)) if connectivity == 8 else None\n"
            "return scipy.ndimage.label(np.asarray(loss_grid) <= level, structure)",
        ),
        "write the flood fill yourself",
    ),
    (
        "ps2",
        "ps2-cubic-dimension",
        define(
            "cubic_dimension(d0)",
            "return polynomial_activation_dimension(d0, [0, 1, 0, 1])",
        ),
        "derive the closed form",
    ),
    (
        "ps4",
        "kernel-trick",
        define(
            NTK,
            "params = {k: torch.from_numpy(a) for k, a in zip('Wbv', (W, b, v))}\n"
            "return scale.ntk_gram(params, X)",
        ),
        "derive J J\\^T by hand",
    ),
    (
        "ps4",
        "null-space-projection",
        define(PROJ, "return g - np.linalg.pinv(J) @ (J @ g)"),
        "not an SVD of J",
    ),
]

SOLUTION_CELLS = {
    (name, grade_id): cell
    for path in PROBLEM_SETS
    for cell in nbformat.read(path, as_version=4).cells
    for name, grade_id in [(path.name[:3], nbgrader(cell).get("grade_id"))]
}


@pytest.mark.parametrize(
    "name, solution, source, hint",
    WRONG,
    ids=[f"{w[0]}-{w[1]}-{k}" for k, w in enumerate(WRONG)],
)
def test_each_hint_fires_on_the_wrong_answer_it_is_written_for(
    name, solution, source, hint
):
    checks = [
        nbgrader(cell)["grade_id"]
        for (n, _), cell in SOLUTION_CELLS.items()
        if n == name and is_check(cell)
    ]
    check = next(c for c in checks if c.startswith(solution))
    with pytest.raises(AnswerError, match=hint):
        run_exercise(name, check, {solution: source}, also=ALSO.get(check, ()))


def test_the_wilson_check_accepts_scipys_quantile(capsys):
    scipy_wilson = define(
        "wilson_interval(k, T, z=1.96)",
        "from scipy.stats import binomtest\n"
        "ci = binomtest(k, T).proportion_ci(method='wilson')\n"
        "return float(ci.low), float(ci.high)",
    )
    run_exercise("ps4", "wilson-check", {"wilson": scipy_wilson})
    assert "(SciPy's z)" in capsys.readouterr().out


def test_no_message_of_a_check_states_a_solution():
    """The messages say what is wrong and where to look, never the formula to type in."""
    for path in PROBLEM_SETS:
        for cell in nbformat.read(path, as_version=4).cells:
            if is_check(cell):
                assert not re.search(r"J\^T \(J J\^T\)\^", cell.source), cell.source
