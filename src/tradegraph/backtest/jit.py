"""A typed ``numba.njit`` decorator for the engine's kernels.

``cache=True`` persists the machine code in ``__pycache__`` so a new process does not
recompile; ``nogil=True`` lets parameter sweeps run kernels on several threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt
from numba import njit

_F = TypeVar("_F", bound=Callable[..., Any])

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Arr = npt.NDArray[Any]


def kernel(function: _F) -> _F:
    """Compile ``function`` in nopython mode, cached on disk, GIL released."""
    return cast(_F, njit(cache=True, nogil=True)(function))


__all__ = ["F64", "I64", "Arr", "kernel"]
