"""Feature maps ``x (..., n) -> design (..., n, p)``, batched over leading dims, any device/dtype.

Polynomial bases other than ``monomial`` map the input domain ``[lo, hi]`` affinely onto
``[-1, 1]`` before evaluating (``t = (2x - lo - hi) / (hi - lo)``): on ``x in [0, 1]`` a degree-15
power basis has condition number ~1e11, on the mapped ``t`` about 1e6, and Chebyshev/Legendre
columns on ``t`` are better still. The domain is taken from the training ``x`` (per dataset when
batched) unless given, and is frozen in the bound basis so that predictions use the same map.

Coefficients (and the ridge penalty) live in the basis' own frame: for ``poly`` they multiply
``t**k``, for ``chebyshev`` ``T_k(t)``. :meth:`Polynomial.to_user` converts them to the power
basis in the user's ``x``; that conversion expands ``(alpha x + beta)**k`` and is itself badly
conditioned at high degree (coefficients of size ~``|beta|**k`` that cancel), so prefer
``predict`` over evaluating converted coefficients. ``monomial`` is the raw power basis
``x**k`` with no mapping, for reproducing textbook ridge figures exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import torch
from torch import Tensor

from ._inputs import as_float, check_finite
from .errors import BasisError, InputError

__all__ = [
    "BASES",
    "Basis",
    "CustomBasis",
    "Fourier",
    "Polynomial",
    "Sin2Pi",
    "WithIntercept",
    "make_basis",
]

BASES = ("poly", "monomial", "chebyshev", "legendre", "fourier", "sin2pi")
PolyKind = Literal["poly", "monomial", "chebyshev", "legendre"]


class Basis:
    """A feature map. ``constant_index`` is the column identically 1 (or None)."""

    name: str = "basis"
    constant_index: int | None = None
    nested: bool = False  # True when the first k columns of degree d are the columns of degree k-1
    #: True when column j is ``t**j``: the Gram matrix is then Hankel (see linfit.solvers.gram)
    hankel: bool = False

    @property
    def n_features(self) -> int:
        raise NotImplementedError

    def bind(self, x: Tensor) -> Basis:
        """Resolve data-dependent parts (the domain) from training ``x``; returns a basis."""
        return self

    def __call__(self, x: Tensor) -> Tensor:
        """The features (..., n, p) of ``x`` (a tensor, array or list of finite reals)."""
        x = as_float(x, "x", dtype=None)
        check_finite(x, "x")
        return self.columns(x)

    def _eval(self, x: Tensor) -> Tensor:
        """The features of an already checked floating ``x``; subclasses implement this."""
        raise NotImplementedError

    def columns(self, x: Tensor, out: Tensor | None = None) -> Tensor:
        """The features of checked ``x``, written into ``out`` (..., p, n) where the basis can
        (returned transposed); what the solvers call, after their own input checks.

        :func:`linfit.fit` passes one buffer for all its chunks: a fresh 6 MB design per chunk
        costs page faults (measured ~10% of a 10,000-dataset fit).
        """
        return self._eval(x)

    def with_degree(self, degree: int) -> Basis:
        """The same family at another degree (same domain); for nested sweeps."""
        raise BasisError(f"basis {self.name!r} has no degree")

    #: whether :meth:`chunk` may split a batch (False for user callables, which see whole batches)
    chunkable: bool = True

    def chunk(self, batch: torch.Size, sl: slice | Tensor) -> Basis:
        """This basis for datasets ``sl`` (a slice or an index tensor) of the flattened ``batch``
        (selects per-dataset state)."""
        return self

    def column_names(self) -> list[str]:
        return [f"f{i}" for i in range(self.n_features)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, p={self.n_features})"


def _check_degree(degree: object, what: str = "degree") -> int:
    if isinstance(degree, bool) or not isinstance(degree, int):
        raise BasisError(f"{what} should be an int >= 0. Got {degree!r}.")
    if degree < 0:
        raise BasisError(f"{what} should be >= 0. Got {degree}.")
    return degree


def _power_columns(t: Tensor, degree: int, out: Tensor | None = None) -> Tensor:
    """``[1, t, ..., t**degree]`` as (..., n, degree+1), written into ``out`` (..., p, n) if given.

    Built as (..., p, n) and returned transposed: each column is contiguous, which is LAPACK's
    column-major layout, so QR/SVD need no copy and each power is one streaming multiply.
    """
    if out is None:
        out = torch.empty(*t.shape[:-1], degree + 1, t.shape[-1], dtype=t.dtype, device=t.device)
    out[..., 0, :] = 1
    have = 1  # rows 0..have-1 hold t**0 .. t**(have-1); doubling: t**(have + j) = t**j * t**have
    if degree >= 1:
        out[..., 1, :] = t
        have = 2
    while have <= degree:
        m = min(have, degree + 1 - have)
        torch.mul(
            out[..., :m, :],
            out[..., have - 1 : have, :] * t.unsqueeze(-2),
            out=out[..., have : have + m, :],
        )
        have += m
    return out.mT


def _recurrence_columns(t: Tensor, degree: int, kind: str, out: Tensor | None = None) -> Tensor:
    if out is None:
        out = torch.empty(*t.shape[:-1], degree + 1, t.shape[-1], dtype=t.dtype, device=t.device)
    out[..., 0, :] = 1
    if degree >= 1:
        out[..., 1, :] = t
    for k in range(1, degree):
        prev, cur = out[..., k - 1, :], out[..., k, :]
        if kind == "chebyshev":
            out[..., k + 1, :] = 2 * t * cur - prev
        else:  # legendre: (k+1) P_{k+1} = (2k+1) t P_k - k P_{k-1}
            out[..., k + 1, :] = ((2 * k + 1) * t * cur - k * prev) / (k + 1)
    return out.mT


def _family_to_power(kind: str, degree: int) -> Tensor:
    """C (p, p) float64 with ``family_k(t) = sum_j C[k, j] t**j``."""
    p = degree + 1
    c = torch.zeros(p, p, dtype=torch.float64)
    c[0, 0] = 1
    if p > 1:
        c[1, 1] = 1
    for k in range(1, degree):
        if kind == "chebyshev":
            c[k + 1, 1:] = 2 * c[k, :-1]
            c[k + 1] -= c[k - 1]
        elif kind == "legendre":
            c[k + 1, 1:] = (2 * k + 1) * c[k, :-1]
            c[k + 1] = (c[k + 1] - k * c[k - 1]) / (k + 1)
        else:
            c[k + 1, k + 1] = 1
    return c


class Polynomial(Basis):
    """``poly`` / ``chebyshev`` / ``legendre`` on the mapped domain, or raw ``monomial``."""

    nested = True
    constant_index = 0

    def __init__(
        self,
        kind: PolyKind = "poly",
        degree: int = 1,
        domain: tuple[float, float] | tuple[Tensor, Tensor] | None = None,
    ) -> None:
        if kind not in ("poly", "monomial", "chebyshev", "legendre"):
            raise BasisError(
                f"unknown polynomial kind {kind!r}; expected poly, monomial, chebyshev, legendre"
            )
        self.name = kind
        self.degree = _check_degree(degree)
        self.mapped = kind != "monomial"
        if domain is not None and self.mapped:
            lo, hi = domain
            if not isinstance(lo, Tensor) and not (
                math.isfinite(lo) and math.isfinite(hi) and hi > lo
            ):
                raise BasisError(f"domain should be finite (lo, hi) with hi > lo. Got {domain!r}.")
        self.domain = domain if self.mapped else None

    @property
    def n_features(self) -> int:
        return self.degree + 1

    @property
    def hankel(self) -> bool:  # type: ignore[override]
        return self.name in ("poly", "monomial")

    @property
    def bound(self) -> bool:
        return not self.mapped or self.domain is not None

    def bind(self, x: Tensor) -> Polynomial:
        if self.bound:
            return self
        lo, hi = x.amin(-1), x.amax(-1)
        if not bool(torch.isfinite(hi - lo).all()):
            raise InputError(
                f"x spans [{float(lo.min()):.3g}, {float(hi.max()):.3g}], wider than {x.dtype} "
                "can hold (hi - lo overflows), so it cannot be mapped to [-1, 1]. Rescale x "
                "(e.g. x / 1e300), or give domain=(lo, hi) with a finite width."
            )
        return Polynomial(self.name, self.degree, (lo, hi))  # type: ignore[arg-type]

    def with_degree(self, degree: int) -> Polynomial:
        return Polynomial(self.name, degree, self.domain)  # type: ignore[arg-type]

    def chunk(self, batch: torch.Size, sl: slice | Tensor) -> Polynomial:
        if (
            self.domain is None
            or not isinstance(self.domain[0], Tensor)
            or self.domain[0].dim() == 0
        ):
            return self
        lo, hi = (v.expand(batch).reshape(-1)[sl] for v in self.domain)
        return Polynomial(self.name, self.degree, (lo, hi))  # type: ignore[arg-type]

    def _affine(self, like: Tensor) -> tuple[Tensor, Tensor]:
        """``(alpha, beta)`` with ``t = alpha * x + beta``, shaped like the batch dims."""
        lo, hi = (torch.as_tensor(v, dtype=like.dtype, device=like.device) for v in self.domain)
        width = hi - lo
        # A degenerate domain (all x equal) maps x -> x - lo; the fit is then a constant anyway.
        width = torch.where(width > 0, width, torch.full_like(width, 2.0))
        return 2 / width, -(hi + lo) / width

    def map(self, x: Tensor) -> Tensor:
        """The mapped coordinate ``t`` (``x`` itself for ``monomial``)."""
        if not self.mapped:
            return x
        if self.domain is None:
            return self.bind(x).map(x)
        alpha, beta = self._affine(x)
        return x * alpha.unsqueeze(-1) + beta.unsqueeze(-1)

    def columns(self, x: Tensor, out: Tensor | None = None) -> Tensor:
        t = self.map(x)
        if self.name in ("poly", "monomial"):
            return _power_columns(t, self.degree, out)
        return _recurrence_columns(t, self.degree, self.name, out)

    def to_user(self, coef: Tensor) -> Tensor:
        """Coefficients (..., p, t) in this basis -> power-basis coefficients in the user's x.

        ``y = sum_k c[k] x**k``. Exact in exact arithmetic; numerically it expands the affine map
        and loses ~``log10(max|beta|**k binom(k, j))`` digits at high degree.
        """
        if not self.bound:
            raise BasisError("to_user needs a bound basis (fit first, or give a domain)")
        p = self.n_features
        c = _family_to_power(self.name, self.degree).to(coef)  # (p, p): family -> power in t
        if not self.mapped:
            m = torch.eye(p, dtype=coef.dtype, device=coef.device)
        else:
            alpha, beta = self._affine(coef)
            k = torch.arange(p, dtype=coef.dtype, device=coef.device)
            binom = torch.tensor(
                [[math.comb(i, j) for j in range(p)] for i in range(p)],
                dtype=coef.dtype,
                device=coef.device,
            )
            expo = (k[:, None] - k[None, :]).clamp(min=0)
            a, b = alpha[..., None, None], beta[..., None, None]
            # M[k, j] = binom(k, j) alpha**j beta**(k - j): t**k = sum_j M[k, j] x**j
            m = binom * a ** k[None, :] * b**expo * (k[None, :] <= k[:, None])
        return (m.mT @ c.mT) @ coef  # c_user = M^T C^T a

    def column_names(self) -> list[str]:
        var = "t" if self.mapped else "x"
        if self.name in ("poly", "monomial"):
            return ["1"] + [var if k == 1 else f"{var}^{k}" for k in range(1, self.degree + 1)]
        letter = "T" if self.name == "chebyshev" else "P"
        return [f"{letter}{k}({var})" for k in range(self.degree + 1)]

    def __repr__(self) -> str:
        dom = "" if self.domain is None else ", bound"
        return f"Polynomial({self.name!r}, degree={self.degree}{dom})"


class Fourier(Basis):
    """``[1, sin(2 pi x/P), cos(2 pi x/P), ..., sin(2 pi K x/P), cos(2 pi K x/P)]``."""

    nested = True
    constant_index = 0
    name = "fourier"

    def __init__(self, degree: int = 1, period: float = 1.0) -> None:
        self.degree = _check_degree(degree, "frequency (degree)")
        if not (isinstance(period, int | float) and math.isfinite(period) and period > 0):
            raise BasisError(f"period should be a finite float > 0. Got {period!r}.")
        self.period = float(period)

    @property
    def n_features(self) -> int:
        return 2 * self.degree + 1

    def with_degree(self, degree: int) -> Fourier:
        return Fourier(degree, self.period)

    def _eval(self, x: Tensor) -> Tensor:
        ones = torch.ones_like(x).unsqueeze(-1)
        if self.degree == 0:
            return ones
        k = torch.arange(1, self.degree + 1, dtype=x.dtype, device=x.device)
        phase = (2 * math.pi / self.period) * x.unsqueeze(-1) * k
        sc = torch.stack([torch.sin(phase), torch.cos(phase)], dim=-1).flatten(-2)
        return torch.cat([ones, sc], dim=-1)

    def column_names(self) -> list[str]:
        names = ["1"]
        for k in range(1, self.degree + 1):
            names += [f"sin{k}", f"cos{k}"]
        return names


class Sin2Pi(Basis):
    """The seed's family ``a sin(2 pi x) + b x + c``: columns ``[sin(2 pi x), x, 1]``."""

    constant_index = 2
    name = "sin2pi"

    @property
    def n_features(self) -> int:
        return 3

    def _eval(self, x: Tensor) -> Tensor:
        return torch.stack([torch.sin(2 * math.pi * x), x, torch.ones_like(x)], dim=-1)

    def column_names(self) -> list[str]:
        return ["sin(2 pi x)", "x", "1"]


class CustomBasis(Basis):
    """A user callable ``x (..., n) -> features (..., n, q)`` (or (..., n) for one feature)."""

    name = "custom"
    chunkable = False

    def __init__(self, func: Callable[[Tensor], Tensor], n_features: int | None = None) -> None:
        if not callable(func):
            raise BasisError(f"a custom basis should be callable x -> features. Got {func!r}.")
        self.func = func
        self._p = n_features
        self.name = getattr(func, "__name__", "custom")

    @property
    def n_features(self) -> int:
        if self._p is None:
            raise BasisError(
                "the number of features of a custom basis is known after the first call"
            )
        return self._p

    def _eval(self, x: Tensor) -> Tensor:
        out = self.func(x)
        if not isinstance(out, Tensor):
            raise BasisError(
                f"custom basis {self.name!r} returned {type(out).__name__}; expected a tensor"
            )
        if out.shape == x.shape:
            out = out.unsqueeze(-1)
        if out.dim() != x.dim() + 1 or out.shape[:-1] != x.shape:
            raise BasisError(
                f"custom basis {self.name!r} returned shape {tuple(out.shape)}; "
                f"expected {tuple(x.shape)} + (q,) for x of shape {tuple(x.shape)}"
            )
        if self._p is not None and out.shape[-1] != self._p:
            raise BasisError(
                f"custom basis {self.name!r} returned {out.shape[-1]} features, then {self._p}"
            )
        self._p = out.shape[-1]
        return out.to(x.dtype)


class WithIntercept(Basis):
    """Prepends a column of ones to a basis that has none; the intercept is coefficient 0."""

    constant_index = 0

    def __init__(self, inner: Basis) -> None:
        self.inner = inner
        self.name = inner.name
        self.nested = inner.nested
        self.chunkable = inner.chunkable

    @property
    def n_features(self) -> int:
        return self.inner.n_features + 1

    def bind(self, x: Tensor) -> WithIntercept:
        inner = self.inner.bind(x)
        return self if inner is self.inner else WithIntercept(inner)

    def with_degree(self, degree: int) -> WithIntercept:
        return WithIntercept(self.inner.with_degree(degree))

    def chunk(self, batch: torch.Size, sl: slice | Tensor) -> WithIntercept:
        inner = self.inner.chunk(batch, sl)
        return self if inner is self.inner else WithIntercept(inner)

    def _eval(self, x: Tensor) -> Tensor:
        feats = self.inner.columns(x)
        return torch.cat([torch.ones_like(feats[..., :1]), feats], dim=-1)

    def column_names(self) -> list[str]:
        return ["1", *self.inner.column_names()]


def make_basis(
    basis: str | Basis | Callable[[Tensor], Tensor] = "poly",
    degree: int | None = None,
    *,
    domain: tuple[float, float] | None = None,
    period: float = 1.0,
) -> Basis:
    """Resolve a basis name (see ``BASES``), a :class:`Basis`, or a callable into a Basis."""
    if isinstance(basis, Basis):
        if degree is not None and getattr(basis, "degree", degree) != degree:
            basis = basis.with_degree(degree)
        return basis
    if isinstance(basis, str):
        if basis in ("poly", "monomial", "chebyshev", "legendre"):
            return Polynomial(basis, 1 if degree is None else degree, domain)  # type: ignore[arg-type]
        if basis == "fourier":
            return Fourier(1 if degree is None else degree, period)
        if basis == "sin2pi":
            if degree is not None:
                raise BasisError("basis 'sin2pi' has no degree (it is a sin(2 pi x) + b x + c)")
            return Sin2Pi()
        raise BasisError(
            f"unknown basis {basis!r}; expected one of {', '.join(BASES)} or a callable"
        )
    if callable(basis):
        return CustomBasis(basis)
    raise BasisError(f"basis should be a name, a Basis or a callable. Got {basis!r}.")
