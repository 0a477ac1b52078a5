"""A typed ``numba.njit`` decorator for the metrics kernels.

``cache=True`` persists the machine code in ``__pycache__`` so a new process does not
recompile; ``nogil=True`` lets callers run them from threads. ``inline_kernel`` marks
small helpers that numba inlines into their compiled caller (no call, no reference
counting of the arrays they receive); keep them in the caller's module.
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


def inline_kernel(function: _F) -> _F:
    """Like ``kernel``, but inlined into every compiled caller."""
    return cast(_F, njit(cache=True, nogil=True, inline="always")(function))


__all__ = ["F64", "I64", "Arr", "inline_kernel", "kernel"]
