"""Rank-K communication subspaces (model.rank = K, E4K) through the Python package: a K = 2
network simulates from a config dict, its currents come back with a trailing channel axis, and
its fixed point has the closed-form structured variance of E15K (the stronger channel's loop
routes, the weaker one decays); the fixed-point search, the spectrum and the sampling solver
take Model(rank=2) (E14K, E16K, E10K)."""

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
    # The fixed-point search takes rank K too (E14K): the same fixed point from a config dict.
    f = dict(cfg, fixed_points={"batch": 4, "t_run": 300, "dt": 0.1, "init_size": 1.0, "seed": 0})
    del f["network"]
    fp = mrdmft.run(f, progress=False)
    assert fp.end_states[0].S.shape == (2, 2, 2)
    np.testing.assert_allclose([e.row_sums for e in fp.end_states], 6 / np.pi, atol=1e-8)
    # R x R input weights at rank 2 are refused naming the field and the shape.
    f["fixed_points"] = dict(f["fixed_points"], inputs=[0.3, 0.0], input_weights=[[0, 0], [0.1, 0]])
    with pytest.raises(mrdmft.ConfigError, match=r"fixed_points\.input_weights.*R x R x K"):
        mrdmft.run(f, progress=False)
    # Flat builder lists at rank 2 are refused naming the builder field.
    bad = {**cfg, "model": {**cfg["model"], "T": {"make_T": {"a": [0.5, 0.5], "b": [2.0, 2.0]}}}}
    with pytest.raises(mrdmft.ConfigError, match=r"model\.T\.make_T\.a"):
        mrdmft.run(bad, progress=False)


def test_rank2_fixed_points_follow_e15k():
    # Channel gains b = 2 and 1.5 (E15K): no region holds two static channels, so every
    # converged start routes through channel 0 alone, A^m = psi_inv(1/2) = 6/pi, psi^m = 1/2.
    r = mrdmft.fixed_points(rank2_model(), batch=16, t_run=300, dt=0.1, init_size=1.5, seed=2,
                            progress=False)
    assert r.config["model"]["rank"] == K
    assert len(r.end_states) == 16
    done = [e for e in r.end_states if e.residual < 1e-10]
    assert len(done) >= 12, len(done)
    want = 2.0 * (B * B - 1.0) / math.pi
    for e in done:
        assert e.S.shape == (R, R, K)
        np.testing.assert_allclose(e.row_sums, (e.S ** 2).sum(axis=(1, 2)), rtol=1e-12)
        np.testing.assert_allclose(e.row_sums, want, atol=1e-8)
        assert np.all(np.abs(e.S[:, :, 1]) < 1e-6), e.S
    assert all(fp.S.shape == (R, R, K) for fp in r.fixed_points)


def test_rank2_spectrum_is_the_union_of_its_channels():
    # A block-diagonal rank-2 T (E16K, reduction iii): its R^2 K eigenvalues are those of the
    # two rank-one channels together, to 1e-12.
    parts = [mrdmft.random_T(R, 1.0, seed=3), mrdmft.random_T(R, 0.6, seed=4)]
    t = np.zeros((R, R, R, K, K))
    for k, p in enumerate(parts):
        t[:, :, :, k, k] = p
    two = mrdmft.spectrum(mrdmft.Model(g=0.0, T=t, rank=K), progress=False)
    assert two.T.shape == (R, R, R, K, K)
    np.testing.assert_array_equal(two.T, t)
    got = np.sort_complex(np.array([e.re + 1j * e.im for e in two.eigenvalues]))
    want = []
    for p in parts:
        one = mrdmft.spectrum(mrdmft.Model(g=0.0, T=p), progress=False)
        assert one.T.shape == (R, R, R)
        want += [e.re + 1j * e.im for e in one.eigenvalues]
    assert len(got) == R * R * K
    np.testing.assert_allclose(got, np.sort_complex(np.array(want)), atol=1e-12)


def test_rank2_sample_has_the_channel_axis():
    # Window mode, one region whose channels rotate (T = rho R(theta), E15K): the currents come
    # back as S_t[j, m, n, k] and both channels carry current; stationary mode pins region m's
    # variance at psi_inv(1/b) of the routing channel (E15K; within 3 % at M = 256 paths).
    rho, theta = 1.8, 0.5
    c, s = rho * math.cos(theta), rho * math.sin(theta)
    rot = mrdmft.Model(g=[0.5], T=[[[[[c, -s], [s, c]]]]], rank=K)
    w = mrdmft.sample(rot, mode="window", dt=0.05, steps=120, n_samples=256, damping=1.0,
                      average=1, max_iters=10, seed=3, S0=[[[0.8, 0.0]]], progress=False)
    assert w.S_t.shape == (120, 1, 1, K) and w.S.shape == (1, 1, K)
    assert np.all(np.abs(w.S[0, 0]) > 0.05), w.S
    st = mrdmft.sample(mrdmft.Model(g=[1.2, 1.2], T=rank2_model().T, rank=K), mode="stationary",
                       dt=0.2, n_lags=128, n_samples=256, seed=5,
                       S0=[[[0.5, 0.1], [0.6, 0.1]], [[0.6, 0.1], [0.5, 0.1]]], progress=False)
    assert st.S.shape == (R, R, K) and st.S0.shape == (R, R, K)
    np.testing.assert_allclose(st.Delta_0, 2.0 * (B * B - 1.0) / math.pi, rtol=0.03)
