"""Numba helpers for the own (non-TA-Lib) kernels: a typed ``njit`` decorator and ``fma``.

Kernels are compiled lazily on first call with ``cache=True`` so the machine code persists
in ``__pycache__`` across processes; ``nogil=True`` lets callers run them from threads.

Two measured rules for kernels written with these:

- Do not call helpers that take arrays from a hot loop, and do not mark such helpers
  ``inline="always"``: numba reference-counts the array arguments of each call (numba-IR
  inlining leaves the counting in place), and those atomic increments and decrements
  cost several times a small loop body (5x in a scatter-add loop; a large share of the
  old volume profile's time). Plain kernels called outside loops, or scalar helpers,
  are fine.
- Allocate large outputs with numpy in the caller and fill them in place: numpy asks the
  kernel for transparent huge pages on large arrays, numba's own allocator does not,
  and first-touch page faults on 4 KiB pages can cost as much as the computation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from numba import njit, types
from numba.extending import intrinsic

_F = TypeVar("_F", bound=Callable[..., Any])


def kernel(function: _F) -> _F:
    """Compile ``function`` with numba in nopython mode, cached on disk."""
    return cast(_F, njit(cache=True, nogil=True)(function))


@intrinsic
def _fma(typingctx: Any, x: Any, y: Any, z: Any) -> Any:  # noqa: ARG001 - numba's signature
    signature = types.float64(types.float64, types.float64, types.float64)

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:  # noqa: ARG001
        return builder.fma(*args)  # llvm.fma: one rounding, on every CPU (libm without FMA)

    return signature, codegen


fma = cast(Callable[[float, float, float], float], _fma)
"""``x * y + z`` with a single rounding (IEEE fused multiply-add), callable in kernels.

TA-Lib's C library (as bundled with the ta-lib 0.8 wheels) computes Wilder's ATR smoothing
as ``fma(prev, (n - 1) / n, tr * (1 - (n - 1) / n))`` with C ``fma``, so kernels that must
reproduce it bit for bit use this; numba never contracts ``a * b + c`` by itself (no
fastmath).
"""

__all__ = ["fma", "kernel"]
