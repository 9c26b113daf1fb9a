"""mrdmft: dynamical mean-field theory (DMFT) of multiregion recurrent neural networks, after
Clark & Beiran, "Structure of activity in multiregion recurrent neural networks"
(arXiv 2402.12188), from Python.

The runs are the ``mrdmft`` program's own (a native module, no subprocess): every config is
checked exactly as by the CLI, results have the fields of the CLI's result files (arrays as
numpy arrays), and ``Result.save`` writes the same files. Equations are cited as in docs/EQUATIONS.md
(E1-E18).

- :class:`Model` and the builders :func:`make_T`, :func:`from_uh`, :func:`random_T` (E15),
  :func:`draw_T` (E16);
- :func:`dmft` (two-time integrator, E6-E9), :func:`stationary` (E11-E13, E18),
  :func:`fixed_points` (E14), :func:`spectrum` (E16), :func:`polytope` (E17), :func:`sample`
  (sampling solver), :func:`simulate` (finite-N networks, E1-E5), :func:`compare`,
  :func:`sweep` (phase diagrams), :func:`figure`;
- :func:`run` (any config), :func:`validate`, :func:`load` (any result file);
- :mod:`mrdmft.closed_forms` (the erf closed forms).

Long runs release the GIL; Ctrl-C cancels them (a sweep keeps its checkpoint) and raises
KeyboardInterrupt. Bad input raises :class:`ConfigError` (a ValueError) naming the field; other
failures raise :class:`MrdmftError` (a RuntimeError).

Quick start::

    import mrdmft
    m = mrdmft.Model(g=[1.5, 1.5], T=mrdmft.random_T(2, 1.0, seed=0))
    r = mrdmft.dmft(m, dt=0.05, steps=500, seed=1)
    r.S.shape        # (500, 2, 2): S[step, m, n]
"""

from . import closed_forms
from ._api import (
    Draw,
    Model,
    compare,
    dmft,
    draw_T,
    figure,
    fixed_points,
    from_uh,
    load,
    make_T,
    polytope,
    random_T,
    run,
    sample,
    simulate,
    spectrum,
    stationary,
    sweep,
    validate,
)
from ._core import ConfigError, MrdmftError, __version__
from ._result import DmftResult, Record, Result, SweepResult

__all__ = [
    "ConfigError",
    "DmftResult",
    "Draw",
    "Model",
    "MrdmftError",
    "Record",
    "Result",
    "SweepResult",
    "__version__",
    "closed_forms",
    "compare",
    "dmft",
    "draw_T",
    "figure",
    "fixed_points",
    "from_uh",
    "load",
    "make_T",
    "polytope",
    "random_T",
    "run",
    "sample",
    "simulate",
    "spectrum",
    "stationary",
    "sweep",
    "validate",
]
