"""Which numerical kernels this process uses, and whether they round differently from the default.

Usage: python scripts/blas_info.py [--differs-from-default]

Prints the OpenBLAS core type and thread count asked for, PyTorch's CPU capability, and a
fingerprint of a few float64 results (a matrix product, a matrix-vector product and a
singular value from NumPy; a matrix product and an eigenvalue from PyTorch), down to the last bit.
With ``--differs-from-default`` it also computes the fingerprint in a child process with the
environment variables that choose kernels removed, and fails unless NumPy rounds differently
here (it says whether PyTorch does): `make portability` uses it to prove that its re-run of the notebooks really
exercises other kernels, as another CPU would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import torch

#: Environment variables that choose the kernels or the threads of the numerical libraries.
KERNEL_VARIABLES = [
    "OPENBLAS_CORETYPE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "MKL_ENABLE_INSTRUCTIONS",
    "ATEN_CPU_CAPABILITY",
]


def fingerprint() -> dict[str, str]:
    """Bit patterns of results whose last bits depend on the kernels' order of operations."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((300, 300))
    b = rng.standard_normal(300)
    t = torch.from_numpy(a)
    return {
        "numpy": " ".join(
            [
                (a @ a)[3, 5].hex(),
                (a @ b)[7].hex(),
                np.linalg.svd(a, compute_uv=False)[-1].hex(),
            ]
        ),
        "torch": " ".join(
            [
                float((t @ t.T)[3, 5]).hex(),
                float(torch.linalg.eigvalsh(t @ t.T)[0]).hex(),
            ]
        ),
    }


def main(argv: list[str]) -> int:
    settings = {name: os.environ.get(name, "(default)") for name in KERNEL_VARIABLES}
    print("kernels:", ", ".join(f"{k}={v}" for k, v in settings.items()))
    print("torch CPU capability:", torch.backends.cpu.get_cpu_capability())
    here = fingerprint()
    print("fingerprint:", here)
    if "--differs-from-default" not in argv:
        return 0
    env = {k: v for k, v in os.environ.items() if k not in KERNEL_VARIABLES}
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "import blas_info, json; print(json.dumps(blas_info.fingerprint()))",
        ],
        env={**env, "PYTHONPATH": os.path.dirname(os.path.abspath(__file__))},
        capture_output=True,
        text=True,
        check=True,
    )
    default = json.loads(child.stdout)
    for library in here:
        verdict = "differently from" if here[library] != default[library] else "as"
        print(f"{library} rounds {verdict} the default kernels")
    # OpenBLAS (NumPy, SciPy) must round differently; PyTorch's MKL kernels may coincide with
    # the default on a CPU without AVX-512.
    return 0 if here["numpy"] != default["numpy"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
