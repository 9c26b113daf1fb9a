"""Execute every notebook in this folder headlessly (nbclient), without saving outputs.

Usage: python notebooks/run_notebooks.py RESULTS_DIR
The notebooks compute through the Python package mrdmft (pip install ./python) and save their
result files into RESULTS_DIR (created if missing), passed to them as the environment variable
MRDMFT_RESULTS.
"""
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

here = Path(__file__).resolve().parent
results = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else here.parent / "demo_out"
results.mkdir(parents=True, exist_ok=True)
os.environ["MRDMFT_RESULTS"] = str(results)
os.environ.setdefault("MPLBACKEND", "Agg")
failed = 0
passed = 0
for nb_path in sorted(here.glob("*.ipynb")):
    nb = nbformat.read(nb_path, as_version=4)
    start = time.time()
    try:
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(here)}}).execute()
        passed += 1
        print(f"notebook {nb_path.name}: ok ({time.time() - start:.1f} s)")
    except Exception as e:  # report and continue, fail at the end
        failed += 1
        print(f"notebook {nb_path.name}: FAILED\n{e}")
print(f"notebooks: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
