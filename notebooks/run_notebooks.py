"""Execute the notebooks of this folder headlessly (nbclient) and save them with their outputs.

Usage:
    python notebooks/run_notebooks.py [OUT_DIR] [--only NAME ...] [--param NAME=VALUE ...]

OUT_DIR (default demo_out) receives every executed notebook (NAME.ipynb, with its outputs) and
the result files the notebooks write (passed to them as the environment variable
MRDMFT_RESULTS). --only runs the notebooks whose file name starts with one of the NAMEs
(e.g. --only 05 or --only 05_sweep). --param NAME=VALUE overrides a variable of the notebooks'
cell tagged "parameters" (the papermill convention: an "injected-parameters" cell is inserted
after it); VALUE is read as a Python literal (a number, None, a list, a quoted string) or else
taken as a string, and a VALUE naming an existing file or folder (relative to the current
directory) is passed as its absolute path, since notebooks run inside notebooks/. Each
--param applies to every selected notebook whose parameters cell defines NAME; a NAME that no
selected notebook defines is an error. Exit status 1 if a notebook fails.

papermill runs the same notebooks: papermill notebooks/05_sweep.ipynb out.ipynb --cwd notebooks
-p sweep /abs/path/my_sweep.json
"""
import argparse
import ast
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

here = Path(__file__).resolve().parent


def parse_value(text):
    """A Python literal if it is one, else the string; existing paths become absolute."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        value = text
    if isinstance(value, str) and value and Path(value).exists():
        value = str(Path(value).resolve())
    return value


def parameter_names(cell_source):
    """Names assigned at the top level of a parameters cell."""
    names = set()
    for node in ast.parse(cell_source).body:
        if isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def inject(nb, params):
    """Insert an injected-parameters cell after the parameters cell; returns the names set."""
    idx = next((i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if idx is None:
        return set()
    names = parameter_names(nb.cells[idx].source) & set(params)
    if names:
        src = "# Parameters injected by run_notebooks.py\n" + "".join(
            f"{k} = {params[k]!r}\n" for k in sorted(names)
        )
        cell = nbformat.v4.new_code_cell(src)
        cell.metadata["tags"] = ["injected-parameters"]
        nb.cells.insert(idx + 1, cell)
    return names


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", nargs="?", default=str(here.parent / "demo_out"))
    ap.add_argument("--only", nargs="+", default=None, metavar="NAME")
    ap.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    args = ap.parse_args(argv)

    params = {}
    for p in args.param:
        if "=" not in p or not re.fullmatch(r"[A-Za-z_]\w*", p.split("=", 1)[0]):
            ap.error(f"--param {p!r}: give NAME=VALUE with NAME a Python identifier, e.g. --param sweep=my_sweep.json")
        name, value = p.split("=", 1)
        params[name] = parse_value(value)

    out = Path(args.out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    os.environ["MRDMFT_RESULTS"] = str(out)
    os.environ.setdefault("MPLBACKEND", "Agg")
    paths = sorted(here.glob("*.ipynb"))
    if args.only:
        paths = [p for p in paths if any(p.name.startswith(o) for o in args.only)]
        if not paths:
            ap.error(f"--only {' '.join(args.only)}: no notebook here starts with that ({', '.join(p.name for p in sorted(here.glob('*.ipynb')))})")

    used = set()
    failed = passed = 0
    for nb_path in paths:
        nb = nbformat.read(nb_path, as_version=4)
        names = inject(nb, params)
        used |= names
        shown = ", ".join(f"{k}={params[k]!r}" for k in sorted(names))
        start = time.time()
        try:
            NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(here)}}).execute()
            passed += 1
            print(f"notebook {nb_path.name}: ok ({time.time() - start:.1f} s){' with ' + shown if shown else ''}")
        except Exception as e:  # report and continue, fail at the end
            failed += 1
            print(f"notebook {nb_path.name}: FAILED{' with ' + shown if shown else ''}\n{e}")
        nbformat.write(nb, out / nb_path.name)  # saved with its outputs (and the error, if any)
    unused = set(params) - used
    if unused:
        print(f"--param {', '.join(sorted(unused))}: no selected notebook has such a parameter")
        failed += 1
    print(f"notebooks: {passed} passed, {failed} failed; executed copies in {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
