"""A typed ``numba.njit`` decorator for the engine's kernels.

``cache=True`` persists the machine code in ``__pycache__`` so a new process does not
recompile; ``nogil=True`` lets parameter sweeps run kernels on several threads.
``inline_kernel`` marks small helpers that numba inlines into their caller's IR (no call,
no reference counting of the arrays they receive); keep them in the caller's module so
that the caller's on-disk cache is invalidated when they change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt
from llvmlite import ir  # type: ignore[import-untyped]  # llvmlite ships no type hints
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

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


@intrinsic
def _prefetch(typingctx: Any, array: Any, index: Any) -> Any:  # noqa: ARG001 - numba API
    """Hint the CPU to load ``array[index]`` into the cache (no effect on results; an
    out-of-range index is harmless: a prefetch never faults)."""
    if not isinstance(array, types.Array) or not isinstance(index, types.Integer):
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        cg: Any = cgutils  # untyped numba internals
        ptr = cg.get_item_pointer(context, builder, aryty, ary, [args[1]], wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cg.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        # read access, high temporal locality, data cache
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen


#: ``prefetch(array, index)`` inside compiled kernels (numba passes the typing context)
prefetch = cast(Callable[[Arr, int], None], _prefetch)

__all__ = ["F64", "I64", "Arr", "inline_kernel", "kernel", "prefetch"]
