"""scikit-learn's bundled data sets: no download needed.

scikit-learn is imported when a set is loaded, not with this module (``npmlp --help`` and
``npmlp data list`` start without it).
"""

from __future__ import annotations

from .base import Dataset

__all__ = ["BUNDLED", "load_bundled"]

# name -> (loader in sklearn.datasets, image shape, description, (rows, classes, features))
BUNDLED = {
    "digits": ("load_digits", (8, 8), "8x8 images of handwritten digits", (1797, 10, 64)),
    "iris": ("load_iris", None, "iris flowers, 4 measurements", (150, 3, 4)),
    "wine": ("load_wine", None, "wine cultivars, 13 chemical measurements", (178, 3, 13)),
    "breast_cancer": ("load_breast_cancer", None, "breast tumours, 30 features", (569, 2, 30)),
}


def load_bundled(name: str) -> Dataset:
    """Load one of :data:`BUNDLED` by name."""
    from sklearn import datasets as skd

    loader, image_shape, _, _ = BUNDLED[name]
    b = getattr(skd, loader)()
    names = getattr(b, "feature_names", None)  # a list or an array, depending on the set
    return Dataset(
        name=name,
        X=b.data.astype("float64"),
        y=b.target,
        feature_names=[str(n) for n in names] if names is not None else None,
        target_names=list(map(str, b.target_names)),
        image_shape=image_shape,
        source="scikit-learn (bundled)",
    )
