"""One table of every named data set, for ``npmlp data list`` and the ``--data`` help."""

from __future__ import annotations

from dataclasses import dataclass

from .bundled import BUNDLED
from .downloads import REMOTE, cache_dir
from .synthetic import COMMON, SYNTHETIC

__all__ = ["Entry", "entries", "FILE_FORMS"]

FILE_FORMS = (
    (
        "FILE.csv / FILE.tsv",
        "table with a header or not; --label NAME|INDEX picks the label "
        "column (default: label/target/class/y, else the last); text labels are kept; text "
        "features one-hot encoded, missing values filled (--drop, --features, --na-values)",
    ),
    ("FILE.npz", "arrays X (N, D) and y (N,), optionally X_test and y_test"),
    (
        "X.npy",
        "features, with labels in y.npy next to it or --label Y.npy; streamed from disk "
        "when 256 MB or more",
    ),
    (
        "FILE-images-idx3-ubyte[.gz]",
        "IDX images, with the matching *-labels-idx1-ubyte[.gz] or --label FILE",
    ),
)


@dataclass
class Entry:
    name: str
    kind: str  # bundled, synthetic or download
    rows: int
    classes: int
    features: int
    source: str
    description: str


def entries() -> list[Entry]:
    """Every named set: scikit-learn's bundled ones, the synthetic ones, the downloads."""
    out = [
        Entry(name, "bundled", *sizes, "scikit-learn", desc)
        for name, (_, _, desc, sizes) in BUNDLED.items()
    ]
    for name, (_, _, extra, desc) in SYNTHETIC.items():
        classes = int(extra.get("arms", extra.get("classes", 2)))
        keys = ", ".join(["n", "noise", "seed", *extra])
        out.append(
            Entry(
                name, "synthetic", COMMON["n"], classes, 2, "generated", f"{desc}; settings: {keys}"
            )
        )
    folder = cache_dir()
    for name, r in REMOTE.items():
        cached = all((folder / name / f).exists() for f in r.sha256)
        out.append(
            Entry(
                name,
                "download",
                r.rows,
                len(r.target_names),
                r.features,
                r.urls[0] + (" (cached)" if cached else ""),
                r.description,
            )
        )
    return out
