"""``--npz``: numpy reads the arrays the command line writes (through the package's
``python -m mrdmft``), with the shapes the README lists and the metadata entry (config,
seed, version, commit, timestamp, command line)."""

import json
import subprocess
import sys

import numpy as np

from conftest import GOOD


def cli(*args):
    p = subprocess.run([sys.executable, "-m", "mrdmft", "--quiet", *map(str, args)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p


def metadata(f):
    return json.loads(f["metadata"].tobytes().decode("utf-8"))


def test_dmft_npz_has_the_json_arrays_and_metadata(tmp_path):
    out, npz = tmp_path / "r.json", tmp_path / "r.npz"
    cli("dmft", GOOD / "dmft_two_region.json", "-o", out, "--npz", npz)
    res = json.loads(out.read_text())
    with np.load(npz) as f:
        assert f["S"].shape == (300, 2, 2) and f["S"].dtype == np.float64
        assert f["psi"].shape == (300, 2)
        assert f["delta_rows/100/values"].shape == (200, 2)
        # Bit for bit the JSON's numbers.
        np.testing.assert_array_equal(f["S"], np.asarray(res["S"]))
        np.testing.assert_array_equal(f["t"], np.asarray(res["t"]))
        meta = metadata(f)
    assert meta["kind"] == "dmft"
    assert meta["config"] == res["config"]
    assert meta["mrdmft_version"] == res["mrdmft_version"]
    assert meta["git_commit"] == "unknown" or len(meta["git_commit"]) == 40
    assert meta["written_utc"].endswith("Z")
    assert "--npz" in meta["command_line"]
    assert meta["arrays"]["S"] == {"dtype": "<f8", "shape": [300, 2, 2]}


def test_sweep_npz_is_grid_shaped(tmp_path):
    out, npz = tmp_path / "s.json", tmp_path / "s.npz"
    cli("sweep", GOOD / "sweep_tiny.json", "-o", out, "--npz", npz)
    res = json.loads(out.read_text())
    with np.load(npz) as f:
        # 3 x 3 cells, 2 runs, 2 regions.
        assert f["mode"].shape == (3, 3) and f["mode"].dtype == np.uint8
        assert f["codes"].shape == (3, 3, 2, 2)
        assert f["entropy"].shape == (3, 3)
        assert f["A"].shape == (3, 3, 2)
        for c in res["cells"]:
            i, j = c["cell"]
            assert f["mode"][i, j] == c["mode"]
            assert f["entropy"][i, j] == c["entropy"]
        for p in res["points"]:
            i, j = p["cell"]
            assert list(f["codes"][i, j, p["run"]]) == p["codes"]
        assert metadata(f)["axes"][0]["label"] == res["axes"][0]["label"]
