"""The Python API: models, builders and one function per run kind, over the native core."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Dict, Mapping, NamedTuple, Optional, Sequence, Union

import numpy as np

from . import _core
from ._progress import ProgressBar
from ._result import DmftResult, Result, SweepResult, wrap_result

__all__ = [
    "Model",
    "Draw",
    "make_T",
    "from_uh",
    "random_T",
    "draw_T",
    "dmft",
    "stationary",
    "fixed_points",
    "spectrum",
    "polytope",
    "sample",
    "simulate",
    "compare",
    "sweep",
    "figure",
    "run",
    "validate",
    "load",
]

PathLike = Union[str, "os.PathLike[str]"]
Config = Union[Mapping[str, Any], PathLike]

SCHEMA_VERSION = 1


# --------------------------------------------------------------------------- builders (E15, E16)


def make_T(a: Sequence[float], b: Sequence[float]) -> np.ndarray:
    """The routing tensor of E15 from per-region ``a`` and ``b``.

    ``c = u u^T + diag(h)`` with ``u = sqrt(b)``, ``h = a - b``, and ``T[m, n, r] = delta_{mr}
    c[m, n]``: region m's self-sustained current has the fixed point ``psi^m = 1/max(a_m, b_m)``.
    Returns an ``(R, R, R)`` float64 array (the config builder ``{"make_T": {"a": .., "b": ..}}``).
    """
    return _core.make_t(_vec(a), _vec(b))


def from_uh(u: Sequence[float], h: Sequence[float]) -> np.ndarray:
    """E15 from ``u`` and ``h`` directly: ``T[m, n, r] = delta_{mr} (u_m u_n + delta_{mn} h_m)``.

    Returns an ``(R, R, R)`` array (the config builder ``{"from_uh": {"u": .., "h": ..}}``).
    """
    return _core.make_t_from_uh(_vec(u), _vec(h))


def random_T(R: int, scale: float, seed: int) -> np.ndarray:
    """``T = scale * z`` with ``z`` i.i.d. standard normal of shape ``(R, R, R)`` (ChaCha8 stream
    seeded with ``seed``; the config builder ``{"random": {"scale": s, "seed": n}}`` draws the
    same tensor). The paper uses ``scale = 2/sqrt(R)`` in Fig. 6."""
    return _core.random_t(int(R), float(scale), int(seed))


class Draw(NamedTuple):
    """Result of :func:`draw_T`: the tensor, the number of draws made (the accepted one
    included) and the leading eigenvalue of ``T_hat`` (E16)."""

    T: np.ndarray
    draws: int
    leading: complex


def draw_T(
    R: int,
    re: float,
    im: float,
    tol: float = 0.01875,
    seed: int = 0,
    max_draws: int = 1_000_000,
) -> Draw:
    """Draw ``T = randn(R, R, R) |w| / sqrt(R)`` until the leading eigenvalue of ``T_hat``
    (E16, ``T_hat[(m,n),(r,s)] = delta_{nr} T[m, n, s]``) lies within ``tol`` of
    ``w = re +- i im`` (open intervals on Re and |Im|, as the authors' sampler).

    Returns a :class:`Draw` ``(T, draws, leading)``; raises :class:`MrdmftError` if no tensor
    is accepted within ``max_draws``.
    """
    t, draws, (lre, lim) = _core.draw_t(
        int(R), float(re), float(im), float(tol), int(seed), int(max_draws)
    )
    return Draw(t, int(draws), complex(lre, lim))


def _vec(x: Sequence[float]) -> np.ndarray:
    return np.ascontiguousarray(np.atleast_1d(np.asarray(x, dtype=np.float64)))


# --------------------------------------------------------------------------- model


class Model:
    """A multiregion network (E1-E4): disorder scales ``g``, effective interactions ``T``,
    overlaps ``U`` and the nonlinearity ``phi``.

    - ``g``: one disorder scale per region (a number is repeated for every region when R is
      known from ``T``).
    - ``T``: an ``(R, R, R)`` array (``T[m, n, r] = <n^{mn} m^{nr}>``), a :class:`Draw`, or a
      config builder dict such as ``{"make_T": {"a": [..], "b": [..]}}``.
    - ``U``: ``"identity"`` (every paper figure) or an ``(R, R, R)`` array of symmetric positive
      definite ``U[m]``.
    - ``phi``: ``"erf"`` (``erf(sqrt(pi)/2 x)``, closed forms), ``"tanh"`` or ``"softplus"``
      (Gauss-Hermite averages; :func:`dmft` with the schemes ``"reference"`` and ``"accurate"``,
      :func:`sample`).
    - ``rank``: the rank K of every communication subspace (``model.rank``, default 1). With
      K > 1 an array ``T`` or ``U`` is ``(R, R, R, K, K)`` (``T[m, n, r, k, l] =
      <n^{mn}_k m^{nr}_l>``) and the builders take one list per channel
      (``{"make_T": {"a": [[..], [..]], "b": [[..], [..]]}}``). :func:`simulate`, :func:`dmft`,
      :func:`compare`, :func:`sample`, :func:`fixed_points` and :func:`spectrum` (and sweeps of
      run kind ``"simulate"``) take K > 1; their currents come back with a trailing channel
      axis, ``S[..., m, n, k]`` = S^{mn}_k (``S[trial][q, m, n, k]`` of a simulation).

    Nothing is checked here: every run checks its config once, as the CLI does, and raises
    :class:`ConfigError` naming the field (``model.T``, ``model.g[0]``, ...).
    """

    def __init__(
        self,
        g: Union[float, Sequence[float]],
        T: Any,
        U: Any = "identity",
        phi: str = "erf",
        regions: Optional[int] = None,
        rank: Optional[int] = None,
    ):
        if isinstance(T, Draw):
            T = T.T
        self.T = T
        self.U = U
        self.phi = phi
        self.regions = regions
        self.rank = rank
        if np.ndim(g) == 0 and not isinstance(g, (list, tuple)):
            r = regions if regions is not None else _regions_of(T)
            g = [g] * r if r is not None else g
        self.g = g

    def to_config(self) -> Dict[str, Any]:
        """The ``model`` section of a config file."""
        m: Dict[str, Any] = {"g": self.g, "T": self.T, "U": self.U, "phi": self.phi}
        if self.regions is not None:
            m["regions"] = self.regions
        if self.rank is not None:
            m["rank"] = self.rank
        return m

    def __repr__(self) -> str:
        t = self.T if isinstance(self.T, Mapping) else f"array{np.shape(self.T)}"
        rank = "" if self.rank is None else f", rank={self.rank!r}"
        return f"Model(g={self.g!r}, T={t}, U={self.U!r}, phi={self.phi!r}{rank})"


def _regions_of(T: Any) -> Optional[int]:
    """R from an array T or a make_T / from_uh builder dict, if it says."""
    if isinstance(T, Mapping):
        for key, field in (("make_T", "a"), ("from_uh", "u")):
            spec = T.get(key)
            if isinstance(spec, Mapping) and np.ndim(spec.get(field)) == 1:
                return len(spec[field])
            # Rank K > 1: one list of per-region values per channel.
            if isinstance(spec, Mapping) and np.ndim(spec.get(field)) == 2:
                return len(spec[field][0])
        return None
    shape = np.shape(T)
    return shape[0] if shape else None


def _model_section(model: Any) -> Any:
    if model is None:
        return None
    if isinstance(model, Model):
        return model.to_config()
    return model  # a dict: the model section as in a config file


# --------------------------------------------------------------------------- running


def _wait(job: Any, progress: bool) -> Any:
    """Wait for a native job with the GIL released, drawing progress; Ctrl-C cancels it."""
    bar = ProgressBar() if progress else None
    try:
        while not job.wait(0.05):
            if bar is not None:
                bar.update(*job.progress())
        if bar is not None:
            bar.update(*job.progress())
    except KeyboardInterrupt:
        # The native wait has already cancelled and joined the run when the interrupt came
        # from it; an interrupt raised here (while drawing) must cancel it too.
        job.cancel()
        while not job.done:
            time.sleep(0.01)
        raise
    finally:
        if bar is not None:
            bar.close()
    return job.take()


def _section(kwargs: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in kwargs.items() if v is not None}


def _config(kind: str, sections: Dict[str, Any], name: Optional[str]) -> Dict[str, Any]:
    cfg: Dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    if name is not None:
        cfg["name"] = name
    cfg.update({k: v for k, v in sections.items() if v is not None})
    cfg["kind"] = kind
    return cfg


def _run_config(
    cfg: Config,
    *,
    preset: Optional[str] = None,
    out: Optional[PathLike] = None,
    progress: bool = True,
    threads: Optional[int] = None,
) -> Result:
    job = _core.start_run(
        cfg if isinstance(cfg, Mapping) else os.fspath(cfg),
        None,
        preset,
        None if out is None else os.fspath(out),
        threads,
    )
    return wrap_result(_wait(job, progress))


def _no_kwargs(config: Any, kwargs: Dict[str, Any], what: str) -> None:
    given = [k for k, v in kwargs.items() if v is not None]
    if config is not None and given:
        raise _core.ConfigError(
            f"config <arguments>: give either config= or the {what} arguments, not both "
            f"(also given: {', '.join(given)})"
        )


def dmft(
    model: Optional[Model] = None,
    dt: Optional[float] = None,
    steps: Optional[int] = None,
    S0: Any = None,
    seed: Optional[int] = None,
    scheme: str = "reference",
    delta_rows: Sequence[int] = (),
    band: Optional[int] = None,
    initial_variance: Any = None,
    record_every: int = 1,
    store_full: bool = False,
    progress: bool = True,
    threads: Optional[int] = None,
    *,
    inputs: Optional[Mapping[str, Any]] = None,
    config: Optional[Config] = None,
    name: Optional[str] = None,
) -> DmftResult:
    """Run the two-time DMFT integrator (E6-E9) and return a :class:`DmftResult`.

    Integrates the currents ``S^{mn}(t)`` (E7), gains ``psi^m(t)`` (E6), ``H^{mn}(t)`` and the
    two-time functions ``Delta^m(t, t')`` (E8, E9) of ``model`` for ``steps`` time points of
    size ``dt``.

    - ``S0``: initial currents, ``(R, R)`` (``(R, R, K)`` with ``Model(rank=K)``); or ``seed``
      for uniform [0, 1) random ones.
    - ``scheme``: ``"reference"`` (the authors' Euler scheme, to 1e-10), ``"accurate"`` (second
      order, consistent initial conditions) or ``"reference_single"`` (R = 1, T = 0).
    - ``delta_rows``: rows i whose ``Delta(t_i, t_i + k dt)`` is returned (``delta_rows[k]``).
    - ``band``: drop lags beyond ``band + 1`` steps; ``initial_variance``: ``"reference"``,
      ``"own_g"`` or a list; ``record_every``: keep every k-th step; ``store_full``: keep the
      whole ``Delta(t_i, t_j)`` matrix (``delta_full[i, j, m]``).
    - ``inputs``: time-dependent external inputs (E19), as the config's ``dmft.inputs``:
      ``{"schedule": [{"from": 0, "I": [..]}, {"from": 20, "I": [..], "sine": {"period": 10}}],
      "V": [[..]]}``; the result then has ``I[q, m]`` and ``I_filtered[q, m]``.
    - ``progress``: a tqdm bar (if tqdm is installed); ``threads``: run in a local pool of that
      many threads (results do not depend on it).
    - ``config``: a whole dmft config (dict or path) instead of the arguments above.

    Arrays are indexed as in the result file: ``S[step, m, n]``, ``psi[step, m]``. Bad input
    raises :class:`ConfigError` with the CLI's message; Ctrl-C cancels the run and raises
    KeyboardInterrupt.

    >>> import mrdmft
    >>> m = mrdmft.Model(g=[1.5, 1.5], T=mrdmft.random_T(2, 1.0, seed=0))
    >>> r = mrdmft.dmft(m, dt=0.05, steps=200, seed=1, progress=False)
    >>> r.S.shape
    (200, 2, 2)
    """
    if config is None:
        sec = _section(
            {
                "scheme": scheme,
                "dt": dt,
                "steps": steps,
                "S0": S0,
                "seed": seed,
                "delta_rows": list(delta_rows),
                "band": band,
                "initial_variance": initial_variance,
                "record_every": record_every,
                "store_full": store_full,
                "inputs": inputs,
            }
        )
        config = _config("dmft", {"model": _model_section(model), "dmft": sec}, name)
    else:
        _no_kwargs(config, {"model": model, "dt": dt, "steps": steps, "S0": S0, "seed": seed}, "dmft")
    job = _core.start_dmft(config if isinstance(config, Mapping) else os.fspath(config), None, threads)
    res = wrap_result(_wait(job, progress))
    assert isinstance(res, DmftResult)
    return res


def _kind_fn(kind: str, section: str, needs_model: Optional[bool]):
    def fn(
        model: Optional[Model] = None,
        *,
        config: Optional[Config] = None,
        name: Optional[str] = None,
        progress: bool = True,
        threads: Optional[int] = None,
        **fields: Any,
    ) -> Result:
        if config is None:
            sections: Dict[str, Any] = {section: _section(fields)}
            if model is not None:
                sections["model"] = _model_section(model)
            config = _config(kind, sections, name)
        else:
            _no_kwargs(config, dict(model=model, **fields), kind)
        return _run_config(config, progress=progress, threads=threads)

    fn.__name__ = kind
    fn.__qualname__ = kind
    return fn


def stationary(
    *, config: Optional[Config] = None, name: Optional[str] = None, progress: bool = True,
    threads: Optional[int] = None, **fields: Any,
) -> Result:
    """Single-region stationary theory (E11-E13, E18; Fig. 4).

    Keyword arguments are the ``stationary`` section: ``b`` (list), ``g`` (list or
    ``{"start", "stop", "num"}``), ``trajectories`` (``[{"b": .., "g": ..}]``), ``tau_max``,
    ``n_tau``, ``max_step``. The result has ``g``, ``delta0_scs[g]`` (NaN for g <= 1),
    ``curves[k]`` (``b``, ``delta0``, ``g_c``, ``g_star``, ``delta_inf[g]``, ``A[g]``,
    ``A_fp[g]``, ``branch``, ``phase``) and ``trajectories[k]`` (``tau``, ``delta``, ``A``).
    """
    return _kind_fn("stationary", "stationary", False)(
        config=config, name=name, progress=progress, threads=threads, **fields
    )


def fixed_points(
    model: Optional[Model] = None, *, config: Optional[Config] = None, name: Optional[str] = None,
    progress: bool = True, threads: Optional[int] = None, **fields: Any,
) -> Result:
    """Fixed points of the currents without disorder (E14): batched Euler from seeded
    random starts.

    ``model`` has ``g = 0``; keyword arguments are the ``fixed_points`` section: ``batch``,
    ``t_run``, ``dt``, ``init_size``, ``seed``, optional ``tol``, ``dedup_tol``,
    ``max_residual``, ``inputs``, ``input_weights``, ``store_starts``. The result has
    ``end_states[i]`` (``S[m, n]``, ``residual``, ``row_sums``) and the distinct
    ``fixed_points`` (``S``, ``count``, ``members``). With ``Model(rank=K)``, K > 1 (E14K),
    every ``S`` is ``(R, R, K)``, ``S[m, n, k]`` = S^{mn}_k, ``row_sums[m]`` = sum_{n,k}
    S[m, n, k]^2, and ``input_weights`` is ``(R, R, K)`` (input ``I_n`` drives S^{mn}_k with
    weight ``V[m][n][k]``).
    """
    return _kind_fn("fixed_points", "fixed_points", True)(
        model, config=config, name=name, progress=progress, threads=threads, **fields
    )


def spectrum(
    model: Optional[Model] = None, *, config: Optional[Config] = None, name: Optional[str] = None,
    progress: bool = True, threads: Optional[int] = None, **fields: Any,
) -> Result:
    """Eigenvalues of ``T_hat`` (E16): of a model's T, of a drawn T (``draw={"R", "re",
    "im", "tol", "seed", "max_draws"}``) or along a DMFT result (``dmft_result=path``,
    ``every``); ``silence=k`` also gives the spectrum with region k silenced.

    The result has ``T``, ``eigenvalues`` (``re``/``im`` records, decreasing real part),
    ``leading``, ``unstable``, ``silenced``, ``spectral_dynamics`` and ``draw``. With
    ``Model(rank=K)``, K > 1 (or a rank-K ``dmft_result``), ``T`` is ``(R, R, R, K, K)`` and
    there are R^2 K eigenvalues of ``T_hat`` (E16K); ``draw`` draws rank-one tensors.
    """
    return _kind_fn("spectrum", "spectrum", None)(
        model, config=config, name=name, progress=progress, threads=threads, **fields
    )


def polytope(
    *, config: Optional[Config] = None, name: Optional[str] = None, progress: bool = True,
    threads: Optional[int] = None, **fields: Any,
) -> Result:
    """Vertices, masks and fracture number of the fixed-point polytope (E17).

    Keyword arguments are the ``polytope`` section: ``b`` (one list or a list of lists) and/or
    ``random={"R", "count", "seed", "range"}``. The result has ``polytopes[k]`` (``pairs``,
    ``vertices[v, pair]``, ``mask_nz``, ``mask_z``, ``fracture``) and ``random``.
    """
    return _kind_fn("polytope", "polytope", False)(
        config=config, name=name, progress=progress, threads=threads, **fields
    )


def sample(
    model: Optional[Model] = None, *, config: Optional[Config] = None, name: Optional[str] = None,
    progress: bool = True, threads: Optional[int] = None, **fields: Any,
) -> Result:
    """The iterative sampling solver (section 2.1 of docs/EQUATIONS.md; any ``phi``).

    Keyword arguments are the ``sample`` section: ``mode`` (``"stationary"`` or ``"window"``),
    ``dt``, ``n_lags`` or ``steps``, ``n_samples``, ``damping``, ``tol``, ``min_iters``,
    ``max_iters``, ``average``, ``timeout_seconds``, ``seed``, ``S0``, ... The result has
    ``Delta_0[m]``, ``psi[m]``, ``S[m, n]``, ``lags``, ``C[m, k]``, ``Delta[m, k]``,
    ``termination``, ``iterations`` and the convergence histories (window mode: ``t``,
    ``psi_t[j, m]``, ``S_t[j, m, n]``, ``delta_diag[j, m]``). With ``Model(rank=K)``, K > 1
    (E10K), ``S0`` is given as ``(R, R, K)`` and the currents come back with a channel axis,
    ``S[m, n, k]`` and ``S_t[j, m, n, k]``.
    """
    return _kind_fn("sample", "sample", True)(
        model, config=config, name=name, progress=progress, threads=threads, **fields
    )


def simulate(
    model: Optional[Model] = None, *, lyapunov: Optional[Mapping[str, Any]] = None,
    config: Optional[Config] = None, name: Optional[str] = None, progress: bool = True,
    threads: Optional[int] = None, **fields: Any,
) -> Result:
    """Finite-N network simulation (E1-E5).

    Keyword arguments are the ``network`` section: ``N``, ``trials``, ``seed``, ``dt``,
    ``t_max``, ``record_every``, ``burn_in``, ``max_lag``, ``init_std``, ``z0`` or ``x0``,
    ``disorder``, ``precision``, ``inputs``, ``traces``, ``memory_limit_gb``. The result has per
    trial ``t``, ``S[q, m, n]``, ``A[q, m]``, ``psi[q, m]``, ``traces`` and ``autocorr``; with
    ``Model(rank=K)``, K > 1, the currents have a trailing channel axis, ``S[q, m, n, k]``
    (``z0`` then has R K entries, ``z0[n*K + k]``, and ``inputs["V"]`` is ``(R, R, K)``).
    ``lyapunov`` (e.g. ``{"every": 1.0}``, ``{}`` for the defaults) also measures each trial's
    largest Lyapunov exponent (``trials[k].lyapunov.exponent``, ``standard_error``,
    ``regime``) with a second copy of the network.
    """
    if config is None:
        sections: Dict[str, Any] = {"network": _section(fields)}
        if model is not None:
            sections["model"] = _model_section(model)
        if lyapunov is not None:
            sections["lyapunov"] = dict(lyapunov)
        config = _config("simulate", sections, name)
    else:
        _no_kwargs(config, dict(model=model, lyapunov=lyapunov, **fields), "simulate")
    return _run_config(config, progress=progress, threads=threads)


def compare(
    model: Optional[Model] = None, *, dmft: Optional[Mapping[str, Any]] = None,
    analysis: Optional[Mapping[str, Any]] = None,
    config: Optional[Config] = None, name: Optional[str] = None, progress: bool = True,
    threads: Optional[int] = None, **fields: Any,
) -> Result:
    """DMFT (E6-E9) against K finite-N networks (E1-E5) at one or several N.

    Keyword arguments are the ``network`` section (``N`` a list of sizes, ``trials``, ...);
    ``dmft`` is the ``dmft`` section (default ``{"scheme": "reference"}``, dt defaulting to the
    network's), ``analysis`` the optional ``analysis`` section (``expected_slope``,
    ``spectrum_N``). The result adds ``theory``, per-N matched means and spreads, like-for-like
    errors with standard errors (``stats``), branch counts, the slope ``fits`` against N and,
    with ``spectrum_N``, the ``spectrum`` of one connectivity (docs/RESULTS.md).
    """
    if config is None:
        sections = {
            "model": _model_section(model),
            "network": _section(fields),
            "dmft": dict(dmft) if dmft is not None else {"scheme": "reference"},
        }
        if analysis is not None:
            sections["analysis"] = dict(analysis)
        config = _config("compare", sections, name)
    else:
        _no_kwargs(config, dict(model=model, dmft=dmft, analysis=analysis, **fields), "compare")
    return _run_config(config, progress=progress, threads=threads)


def sweep(
    config: Config,
    out: Optional[PathLike] = None,
    preset: Optional[str] = None,
    progress: bool = True,
    threads: Optional[int] = None,
) -> SweepResult:
    """Run a sweep (phase diagram) given as the same dict as a sweep file, or its path.

    ``out``: the result file; its checkpoint ``OUT.checkpoint.jsonl`` receives every finished
    point, so rerunning the same call resumes (Ctrl-C keeps it). Without ``out`` a temporary
    checkpoint is used. ``preset`` applies one of the config's ``presets``. Each ``dmft`` point
    is classified from its normalised slice (EQUATIONS.md section 4).

    Returns a :class:`SweepResult`: the file's fields (``points``, ``cells``, ``axes``, ...)
    plus the cell grids shaped by the axes (``mode``, ``entropy``, ``counts``,
    ``structured_variance``, ...) and the per-run ``codes``.
    """
    arg = config if isinstance(config, Mapping) else os.fspath(config)
    kind = _core.kind_of(arg)
    if kind != "sweep":
        raise _core.ConfigError(
            f"config <config>: this is a {kind} config, not a sweep (it needs \"base\" and \"axes\"); "
            f"run it with mrdmft.run or mrdmft.{kind}"
        )
    res = _run_config(config, preset=preset, out=out, progress=progress, threads=threads)
    assert isinstance(res, SweepResult)
    return res


def figure(
    id: str,
    preset: str = "quick",
    out_dir: PathLike = "figures/output",
    progress: bool = True,
    threads: Optional[int] = None,
) -> Dict[str, Path]:
    """Regenerate a paper figure (``fig3``, ``fig4``, ``fig5``, ``fig6``, ``input_flip``,
    ``convex``) as ``mrdmft figure ID`` does: data JSON, PNG and SVG in ``out_dir``.

    Returns the paths written, by suffix (``{"json": .., "png": .., "svg": ..}``).
    """
    job = _core.start_figure(str(id), str(preset), os.fspath(out_dir), threads)
    _wait(job, progress)
    d = Path(out_dir)
    return {ext: d / f"{id}.{ext}" for ext in ("json", "png", "svg") if (d / f"{id}.{ext}").exists()}


def run(
    config: Config,
    preset: Optional[str] = None,
    out: Optional[PathLike] = None,
    progress: bool = True,
    threads: Optional[int] = None,
) -> Result:
    """Run a config of any kind (dict or path; ``kind`` tag or solver section), as the
    matching CLI command would; ``out`` is a sweep's result file (checkpoint beside it)."""
    if _core.kind_of(config if isinstance(config, Mapping) else os.fspath(config)) == "dmft":
        if preset is None:
            return dmft(config=config, progress=progress, threads=threads)
    return _run_config(config, preset=preset, out=out, progress=progress, threads=threads)


def validate(config: Config) -> str:
    """Check a config (dict or path) of any kind, with every preset it defines, without
    running it; returns its kind. Raises :class:`ConfigError` with the CLI's message."""
    return _core.validate(config if isinstance(config, Mapping) else os.fspath(config))


def load(path: PathLike) -> Result:
    """Read any result file the CLI writes into the same result object a run returns."""
    return wrap_result(_core.load(os.fspath(path)))
