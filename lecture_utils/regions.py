"""Activation patterns and activation regions of the two-layer ReLU network.

For inputs ``X`` of shape ``(d0, n)`` and hidden parameters ``(W, b)``, the activation pattern is the
0/1 matrix ``A`` of shape ``(d1, n)`` with ``A[i, j] = 1`` exactly when unit ``i`` is active on data
point ``j``, i.e. ``w_i . x_j + b_i > 0``. The set of parameters sharing a pattern is the activation
region ``S_X^A``, an open polyhedral cone on which the network is linear in ``(W, b)``.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_matrix, as_vector

__all__ = ["activation_pattern", "preactivations"]


def preactivations(W, b, X) -> np.ndarray:
    """Pre-activations ``W X + b 1^T`` of shape ``(d1, n)`` (``b=None``: no bias)."""
    W = as_matrix(W, "W")
    X = as_matrix(X, "X", rows=W.shape[1])
    if b is None:
        return W @ X
    b = as_vector(b, "b", length=W.shape[0])
    return W @ X + b[:, None]


def activation_pattern(W, b, X) -> np.ndarray:
    """The activation pattern ``A`` (shape ``(d1, n)``, entries 0/1, dtype ``int``) of ``(W, b)`` on ``X``.

    A unit with pre-activation exactly 0 counts as inactive, matching ReLU's derivative convention.
    """
    return (preactivations(W, b, X) > 0).astype(int)
