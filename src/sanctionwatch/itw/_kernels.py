"""Compiled loop of the résumé MinHash (numba): datasketch's affine32 permutations over
many records at once.

``minhash_rows(values, offsets, a, b)``: for record ``i`` (its pre-mixed item hashes are
``values[offsets[i]:offsets[i + 1]]``) and permutation ``j``, the minimum over the items of
``(a[j] * h + b[j]) mod 2**32`` — what ``datasketch.MinHash(num_perm).update_batch`` keeps in
``hashvalues``. Compiled on first use and cached on disk (``cache=True``).
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

_njit = numba.njit(cache=True, nogil=True)
_MASK = np.uint64(0xFFFFFFFF)


@_njit
def minhash_rows(
    values: npt.NDArray[np.uint32],
    offsets: npt.NDArray[np.int64],
    a: npt.NDArray[np.uint32],
    b: npt.NDArray[np.uint32],
) -> npt.NDArray[np.uint32]:  # pragma: no cover - compiled
    n = len(offsets) - 1
    p = len(a)
    out = np.full((n, p), 0xFFFFFFFF, dtype=np.uint32)
    a64 = a.astype(np.uint64)
    b64 = b.astype(np.uint64)
    for i in range(n):
        for k in range(offsets[i], offsets[i + 1]):
            h = np.uint64(values[k])
            for j in range(p):
                v = (h * a64[j] + b64[j]) & _MASK
                if v < out[i, j]:
                    out[i, j] = np.uint32(v)
    return out
