"""A typed ``numba.njit`` decorator for the own (non-TA-Lib) kernels.

Kernels are compiled lazily on first call with ``cache=True`` so the machine code persists
in ``__pycache__`` across processes; ``nogil=True`` lets callers run them from threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from numba import njit

_F = TypeVar("_F", bound=Callable[..., Any])


def kernel(function: _F) -> _F:
    """Compile ``function`` with numba in nopython mode, cached on disk."""
    return cast(_F, njit(cache=True, nogil=True)(function))


def inline_kernel(function: _F) -> _F:
    """Like :func:`kernel`, but inlined into calling kernels (no per-call overhead).

    For small helpers called in inner loops; callable from Python too.
    """
    return cast(_F, njit(cache=True, nogil=True, inline="always")(function))


__all__ = ["inline_kernel", "kernel"]
