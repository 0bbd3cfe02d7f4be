"""scikit-learn's bundled data sets: no download needed."""

from __future__ import annotations

from sklearn import datasets as skd

from .base import Dataset

__all__ = ["BUNDLED", "load_bundled"]

BUNDLED = {
    "digits": (skd.load_digits, (8, 8), "8x8 images of handwritten digits"),
    "iris": (skd.load_iris, None, "iris flowers, 4 measurements"),
    "wine": (skd.load_wine, None, "wine cultivars, 13 chemical measurements"),
    "breast_cancer": (skd.load_breast_cancer, None, "breast tumours, 30 features"),
}


def load_bundled(name: str) -> Dataset:
    """Load one of :data:`BUNDLED` by name."""
    loader, image_shape, _ = BUNDLED[name]
    b = loader()
    return Dataset(name=name, X=b.data.astype("float64"), y=b.target,
                   feature_names=list(map(str, getattr(b, "feature_names", []) or [])) or None,
                   target_names=list(map(str, b.target_names)), image_shape=image_shape,
                   source="scikit-learn (bundled)")
