"""Rank-K communication subspaces (model.rank = K, E4K) through the Python package: a K = 2
network simulates from a config dict, its currents come back with a trailing channel axis, and
its fixed point has the closed-form structured variance of E15K (the stronger channel's loop
routes, the weaker one decays)."""

import math

import numpy as np
import pytest

import mrdmft

R, K, B, B_WEAK = 2, 2, 2.0, 1.5


def rank2_model():
    # Two channels (E15K): c^(k) = sqrt(b_k) sqrt(b_k)^T + diag(a_k - b_k), loop gains
    # B^2 = 4 in channel 0 and B_WEAK^2 = 2.25 in channel 1.
    return mrdmft.Model(
        g=[0.0] * R,
        T={"make_T": {"a": [[0.5] * R] * K, "b": [[B] * R, [B_WEAK] * R]}},
        rank=K,
    )


def test_rank2_simulation_shapes_and_fixed_point():
    r = mrdmft.simulate(rank2_model(), N=4000, trials=2, seed=5, t_max=60.0, burn_in=40.0,
                        traces=3, progress=False)
    assert r.config["model"]["rank"] == K
    assert len(r.z0) == R * K  # z0[n*K + k]
    for tr in r.trials:
        nq = len(tr.t)
        assert tr.S.shape == (nq, R, R, K)  # S[q, m, n, k] = S^{mn}_k
        assert tr.A.shape == (nq, R) and tr.psi.shape == (nq, R)
        # A^m = sum_{n,k} (S^{mn}_k)^2, as the result states it.
        np.testing.assert_allclose(tr.A[-1], (tr.S[-1] ** 2).sum(axis=(1, 2)), rtol=1e-12)
        # Channel 0's loop routes and pins every region at psi = 1/b, A = 2 (b^2 - 1) / pi
        # (E15K). A trial's own loop gain is that of its sampled overlaps (Var(n) is inflated
        # 4.1-fold here), so at N = 4000 A spreads by ~3.5 % and psi by ~2.5 % between trials:
        # within 15 % and 10 % (about four of those spreads); channel 1 keeps only finite-N
        # cross-talk.
        want = 2.0 * (B * B - 1.0) / math.pi
        assert np.all(np.abs(tr.A[-1] / want - 1.0) < 0.15), tr.A[-1]
        assert np.all(np.abs(tr.psi[-1] * B - 1.0) < 0.10), tr.psi[-1]
        s = tr.S[-1]
        assert np.hypot(s[0, 1, 1], s[1, 0, 1]) < 0.25 * np.hypot(s[0, 1, 0], s[1, 0, 0])


def test_rank2_config_dict_and_refusals():
    cfg = {
        "schema_version": 1,
        "model": {"g": [0.0, 0.0], "rank": 2,
                  "T": {"make_T": {"a": [[0.5, 0.5], [0.5, 0.5]], "b": [[2.0, 2.0], [2.0, 2.0]]}}},
        "network": {"N": 200, "seed": 1, "t_max": 5.0, "traces": 2},
    }
    r = mrdmft.run(cfg, progress=False)
    assert r.trials[0].S.shape[1:] == (2, 2, 2)
    # The DMFT integrator takes rank K: S[t][m][n][k], and the equal-gain fixed point of E15K,
    # A^m = sum_{n,k} (S^{mn}_k)^2 = psi_inv(1/2) = 6/pi, psi^m = 1/2.
    d = dict(cfg, dmft={"scheme": "accurate", "dt": 0.05, "steps": 2000, "seed": 0, "band": 50})
    del d["network"]
    res = mrdmft.run(d, progress=False)
    assert res.S.shape == (2000, 2, 2, 2)
    a = (res.S[-1] ** 2).sum(axis=(1, 2))
    assert np.allclose(a, 6 / np.pi, atol=1e-3), a
    assert np.allclose(res.psi[-1], 0.5, atol=1e-3), res.psi[-1]
    # The fixed-point search's result files are rank-one only so far: refused naming model.rank.
    f = dict(cfg, fixed_points={"batch": 2, "t_run": 10, "dt": 0.1, "init_size": 1.0, "seed": 0})
    del f["network"]
    with pytest.raises(mrdmft.ConfigError, match="model.rank"):
        mrdmft.run(f, progress=False)
    # Flat builder lists at rank 2 are refused naming the builder field.
    bad = {**cfg, "model": {**cfg["model"], "T": {"make_T": {"a": [0.5, 0.5], "b": [2.0, 2.0]}}}}
    with pytest.raises(mrdmft.ConfigError, match=r"model\.T\.make_T\.a"):
        mrdmft.run(bad, progress=False)
