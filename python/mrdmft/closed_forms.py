"""The erf closed forms (E3, E6, E9, E11-E13) of the solvers, elementwise over numpy
arrays. ``phi(x) = erf(sqrt(pi)/2 x)``."""

from __future__ import annotations

import numpy as np

from . import _core

__all__ = [
    "phi",
    "phi_prime",
    "corr",
    "corr_stationary",
    "corr_stationary_prime",
    "corr_antideriv",
    "psi",
    "psi_inv",
    "structured_variance",
    "potential",
    "potential_deriv",
    "potential_unnormalised",
    "delta0_scs",
]


def _vectorised(name: str, nargs: int, doc: str):
    def f(*args):
        if len(args) != nargs:
            raise TypeError(f"{name} takes {nargs} arguments, got {len(args)}")
        arrays = np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in args])
        flat = [a.reshape(-1) for a in arrays]
        out = np.empty(arrays[0].size)
        for i in range(out.size):
            out[i] = _core.closed_form(name, *[float(a[i]) for a in flat])
        out = out.reshape(arrays[0].shape)
        return out[()] if out.ndim == 0 else out

    f.__name__ = name
    f.__qualname__ = name
    f.__doc__ = doc
    return f


phi = _vectorised("phi", 1, "phi(x) = erf(sqrt(pi)/2 x) (E3).")
phi_prime = _vectorised("phi_prime", 1, "phi'(x) = exp(-pi x^2 / 4).")
corr = _vectorised("corr", 3, "C(D11, D22, D12) = <phi(x) phi(y)> for zero-mean Gaussians with variances D11, D22 and covariance D12 (E9).")
corr_stationary = _vectorised(
    "corr_stationary", 2, "Stationary kernel C_s(Delta_0, Delta) = corr(Delta_0, Delta_0, Delta) (E11)."
)
corr_stationary_prime = _vectorised(
    "corr_stationary_prime", 2, "dC_s/dDelta = <phi'phi'> (E12)."
)
corr_antideriv = _vectorised(
    "corr_antideriv", 2, "Antiderivative Phi(Delta) of C_s(Delta_0, .) (E12); NaN for |Delta| > Delta_0 + 2/pi."
)
psi = _vectorised("psi", 1, "Gain psi(Delta) = <phi'(x)>, x ~ N(0, Delta) = (1 + pi Delta / 2)^(-1/2) (E6).")
psi_inv = _vectorised("psi_inv", 1, "Inverse gain psi_inv(p) = 2 (1 - p^2) / (pi p^2): the variance at which the gain is p (E6).")
structured_variance = _vectorised(
    "structured_variance", 3, "Structured variance A = Delta_inf - g^2 C_s(Delta_0, Delta_inf) that makes Delta_inf an equilibrium of E11 (E12)."
)
potential = _vectorised(
    "potential", 4, "Potential V(Delta) with A = structured_variance(Delta_inf, Delta_0, g), so V(Delta_0) = 0 (E12); arguments (Delta_inf, Delta_0, Delta, g)."
)
potential_deriv = _vectorised("potential_deriv", 4, "V'(Delta) = -Delta + g^2 C_s(Delta_0, Delta) + A (E11); arguments (Delta_inf, Delta_0, Delta, g).")
potential_unnormalised = _vectorised(
    "potential_unnormalised", 4, "The authors' compute_potential: -Delta^2/2 + g^2 Phi(Delta) + A |Delta| (E12 without the normalisation); arguments (Delta, Delta_0, g, A)."
)
delta0_scs = _vectorised(
    "delta0_scs", 1, "Delta_0 of the single-region chaotic solution at g (E13); NaN for g <= 1."
)
