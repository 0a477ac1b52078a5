"""A typed ``numba.njit`` decorator for the risk kernels.

``cache=True`` keeps the machine code in ``__pycache__`` across processes and
``nogil=True`` lets sweeps call kernels from threads. Compiled functions stay callable
from Python and from other numba-compiled code (the backtest kernel).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from numba import njit

_F = TypeVar("_F", bound=Callable[..., Any])


def kernel(function: _F) -> _F:
    """Compile ``function`` in nopython mode, cached on disk, GIL released."""
    return cast(_F, njit(cache=True, nogil=True)(function))


__all__ = ["kernel"]
