"""Random numbers keyed by keyword, for the estimate's draws (``_uncertainty_fit``).

Each keyword's draws come from its own counter-based stream: a 64-bit root taken once
from the caller's generator (so ``rng=`` reproduces them), a stable hash of the
keyword's key (campaign, ad group and text), a stream number per quantity, and the
draw's index, mixed by the splitmix64 finaliser.  A keyword's draws therefore do not
depend on its position, on the other keywords' names, or on which other keywords the log
holds: renaming or dropping one keyword leaves every other keyword's draws unchanged.
Everything is vectorised over keywords and draws (no per-keyword generator).

Normals are the inverse normal CDF of the uniforms; gammas are Marsaglia and Tsang's
(2000) method, attempts repeated on their own sub-streams for the rejected draws only;
Gamma(shape) is Gamma(shape + 1) times a uniform to the power 1 / shape for every
shape; betas are ratios of two gammas.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import special

from bidopt.typing import FloatArray, IntArray

__all__ = ["KeyedStreams", "key_hashes", "string_hashes"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_DRAW = np.uint64(0xD1B54A32D192ED03)
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_CHUNK = 1 << 16
#: Attempts per gamma draw (each is accepted with probability above 0.95).
_GAMMA_ATTEMPTS = 32
#: First stream number of the gammas' sub-streams (uniform streams are below it).
_GAMMA_STREAMS = 1 << 40

UInt64Array = np.ndarray[tuple[int, ...], np.dtype[np.uint64]]


def _mix(x: UInt64Array) -> UInt64Array:
    """splitmix64's finaliser, elementwise (uint64, wrapping)."""
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    out: UInt64Array = z ^ (z >> np.uint64(31))
    return out


def string_hashes(values: Sequence[object] | np.ndarray) -> UInt64Array:
    """A stable 64-bit hash of each value's text (shape (n,), uint64): FNV-1a over its
    code points, then mixed; the same text gives the same hash in every array and run."""
    arr = np.asarray(values, dtype=object)
    out = np.empty(arr.size, dtype=np.uint64)
    for start in range(0, arr.size, _CHUNK):
        text = arr[start : start + _CHUNK].astype(str)
        length = np.char.str_len(text).astype(np.uint64)
        h = np.full(text.size, _FNV_OFFSET, dtype=np.uint64)
        if text.dtype.itemsize:
            codes = text.view(np.uint32).reshape(text.size, -1).astype(np.uint64)
            with np.errstate(over="ignore"):
                for j in range(codes.shape[1]):
                    live = np.uint64(j) < length
                    h = np.where(live, (h ^ codes[:, j]) * _FNV_PRIME, h)
        out[start : start + text.size] = _mix(h ^ length)
    return out


def key_hashes(*parts: Sequence[object] | np.ndarray | None) -> UInt64Array:
    """One stable 64-bit key per row from its key columns (None: a column the source
    does not have); rows with equal keys get distinct ones by their order among
    themselves (the second ``a`` keeps its key when an unrelated row is dropped)."""
    columns = [p for p in parts if p is not None]
    if not columns:
        raise ValueError("key_hashes needs at least one key column")
    key: UInt64Array = np.zeros(len(columns[0]), dtype=np.uint64)
    for column in columns:
        key = _mix(key ^ string_hashes(column))
    order = np.argsort(key, kind="stable")
    ranked = key[order]
    start = np.r_[True, ranked[1:] != ranked[:-1]] if ranked.size else np.zeros(0, bool)
    first = np.maximum.accumulate(np.where(start, np.arange(ranked.size), 0))
    occurrence = (np.arange(ranked.size) - first).astype(np.uint64)
    with np.errstate(over="ignore"):
        ranked = np.where(occurrence > 0, _mix(ranked + occurrence * _DRAW), ranked)
    out = np.empty_like(key)
    out[order] = ranked
    return out


class KeyedStreams:
    """Uniforms, normals, gammas and betas of shape (n_draws, n_keys), draw ``d`` of key
    ``k`` on stream ``s`` a function of (root, keys[k], s, d) only.

    Parameters
    ----------
    root : int
        The streams' root (:meth:`root_of` the caller's generator).
    keys : ndarray of uint64, shape (n_keys,)
        Stable keys (:func:`key_hashes`).
    n_draws : int
        Draws per key.
    """

    def __init__(self, root: int, keys: UInt64Array, n_draws: int) -> None:
        self.root = np.uint64(root)
        self.keys = np.asarray(keys, dtype=np.uint64)
        self.n_draws = int(n_draws)

    @staticmethod
    def root_of(rng: np.random.Generator) -> int:
        """The root of a set of streams: one 64-bit integer drawn from ``rng``."""
        return int(rng.integers(0, 2**63, dtype=np.uint64))

    def _uniform_at(self, stream: int, draw: IntArray, col: IntArray) -> FloatArray:
        """Uniforms in (0, 1) of stream ``stream`` at draws ``draw`` of keys ``col``."""
        with np.errstate(over="ignore"):
            head = _mix(self.root + np.uint64(stream) * _GOLDEN)
            base = _mix(self.keys ^ head)[col]
            x = _mix(base + (draw.astype(np.uint64) + np.uint64(1)) * _DRAW)
        out: FloatArray = ((x >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53
        return out

    def _grid(self) -> tuple[IntArray, IntArray]:
        draw, col = np.indices((self.n_draws, self.keys.size))
        return draw.astype(np.int64), col.astype(np.int64)

    def uniform(self, stream: int) -> FloatArray:
        """Uniforms in (0, 1), shape (n_draws, n_keys)."""
        draw, col = self._grid()
        return self._uniform_at(stream, draw, col)

    def normal(self, stream: int) -> FloatArray:
        """Standard normals, shape (n_draws, n_keys)."""
        return np.asarray(special.ndtri(self.uniform(stream)), dtype=np.float64)

    def _ranks(self, stream: int) -> IntArray:
        """A random permutation of 0 .. n_draws - 1 per key (from stream ``stream``),
        shape (n_draws, n_keys): each draw's stratum."""
        order = np.argsort(self.uniform(stream), axis=0, kind="stable")
        ranks: IntArray = np.argsort(order, axis=0)
        return ranks

    def stratified_uniform(self, stream: int) -> FloatArray:
        """Uniforms in (0, 1), shape (n_draws, n_keys), one in each of the ``n_draws``
        equal strata of (0, 1) per key (a Latin hypercube over the draws): the stratum of
        each draw a random permutation (from stream ``stream``), its place within it
        uniform (from the next stream).

        For a quantity one key stands for across many rows (the account's traffic
        level, a campaign's dispersion), a few plain draws can sit on one side of their
        distribution in every draw set a fixed ``rng`` gives (with ``rng=0``, the
        default, the same draws for every account); stratified ones cover it.
        """
        out: FloatArray = (self._ranks(stream) + self.uniform(stream + 1)) / self.n_draws
        return out

    def stratified_normal(self, stream: int) -> FloatArray:
        """Standard normals, shape (n_draws, n_keys), one at the middle of each of the
        ``n_draws`` equal-probability strata per key, in a random order (from stream
        ``stream``), scaled so that their mean is 0 and their standard deviation 1 over
        the draws exactly (for a single draw: 0)."""
        z = special.ndtri((self._ranks(stream) + 0.5) / self.n_draws)
        rms = np.sqrt(np.mean(z**2, axis=0, keepdims=True))
        return np.asarray(np.where(rms > 0, z / np.where(rms > 0, rms, 1.0), 0.0), dtype=np.float64)

    def gamma(self, stream: int, shape: FloatArray) -> FloatArray:
        """Gamma(``shape``, 1) draws, shape (n_draws, n_keys); ``shape`` (n_keys,) > 0.

        Every shape goes through the same steps, Gamma(shape + 1) times ``U**(1/shape)``
        (Marsaglia-Tsang needs shape >= 1), so a draw moves continuously with its shape
        (a switch at shape 1 would change a draw for a shape moved by round-off).  The
        sub-streams (attempts) are apart from :meth:`uniform`'s.
        """
        k = np.broadcast_to(np.asarray(shape, dtype=np.float64), self.keys.shape)
        a = k + 1.0
        d = a - 1.0 / 3.0
        c = 1.0 / np.sqrt(9.0 * d)
        sub = _GAMMA_STREAMS + 256 * stream
        draw, col = (g.ravel() for g in self._grid())
        out = np.full(draw.size, np.nan)
        todo = np.arange(draw.size)
        for attempt in range(_GAMMA_ATTEMPTS):
            if todo.size == 0:
                break
            dr, co = draw[todo], col[todo]
            z = special.ndtri(self._uniform_at(sub + 2 * attempt, dr, co))
            u = self._uniform_at(sub + 2 * attempt + 1, dr, co)
            v = (1.0 + c[co] * z) ** 3
            safe_v = np.where(v > 0, v, 1.0)
            dc = d[co]
            ok = (v > 0) & (np.log(u) < 0.5 * z**2 + dc - dc * safe_v + dc * np.log(safe_v))
            out[todo[ok]] = d[co[ok]] * v[ok]
            todo = todo[~ok]
        if todo.size:  # never in practice (each attempt fails with probability < 0.05)
            out[todo] = a[col[todo]]
        u = self._uniform_at(sub + 255, draw, col)
        with np.errstate(divide="ignore", under="ignore"):
            out = out * u ** (1.0 / k[col])
        return out.reshape(self.n_draws, self.keys.size)

    def beta(self, stream: int, alpha: FloatArray, beta: FloatArray) -> FloatArray:
        """Beta(``alpha``, ``beta``) draws, shape (n_draws, n_keys); parameters (n_keys,)."""
        x = self.gamma(2 * stream, alpha)
        y = self.gamma(2 * stream + 1, beta)
        total = x + y
        safe = np.where(total > 0, total, 1.0)
        a = np.broadcast_to(np.asarray(alpha, dtype=np.float64), self.keys.shape)
        b = np.broadcast_to(np.asarray(beta, dtype=np.float64), self.keys.shape)
        # both gammas underflow only for tiny shapes: the mean then
        return np.where(total > 0, x / safe, (a / (a + b))[None, :])
