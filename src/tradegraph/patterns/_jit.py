"""A typed ``numba.njit(cache=True)`` decorator (numba ships no type stubs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])


def njit(func: F) -> F:
    """Compile ``func`` in nopython mode with an on-disk cache, keeping its signature.

    ``error_model="numpy"``: a float division by zero gives inf/NaN like numpy instead of
    raising (kernels guard their divisions anyway; this also drops the checks).
    """
    return cast(F, numba.njit(cache=True, nogil=True, error_model="numpy")(func))


__all__ = ["njit"]
