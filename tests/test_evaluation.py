"""npmlp.jobs.evaluation: the per-class report of ``npmlp evaluate``, from Python."""

import numpy as np
import pytest

from npmlp import MLP, NpmlpError, evaluation_report
from npmlp.data import load_dataset
from npmlp.jobs.evaluation import evaluation_rows, format_report, held_out_test_rows


def test_report_counts_match_a_hand_made_model():
    net = MLP(2, 3, 3, 2, seed=0)
    net.classes = np.array(["no", "yes"])
    for v in net.params.values():  # score of "yes" = x0, of "no" = 0: predicts x0 > 0
        v[...] = 0
    net.params["W1"][0, 0] = 1.0
    net.params["W3"][0, 1] = 1.0
    X = np.array([[1.0, 0], [2, 0], [-1, 0], [-2, 0], [3, 0]])
    labels = np.array(["yes", "no", "no", "no", "yes"])
    r = evaluation_report(net, X, labels)
    assert r["n"] == 5 and r["accuracy"] == 0.8 and r["classes"] == ["no", "yes"]
    assert r["confusion_matrix"] == [[2, 1], [0, 2]]
    assert r["per_class"]["yes"] == {"precision": 2 / 3, "recall": 1.0, "support": 2}
    text = format_report(r).splitlines()
    assert text[0] == f"accuracy: 0.8000  loss: {r['loss']:.4f}  rows: 5"
    assert text[1] == "class        precision  recall support"
    assert text[3] == "yes              0.667   1.000       2"
    assert text[-2:] == ["no             2   1", "yes            0   2"]


def test_held_out_rows_need_the_recorded_split_and_the_same_data():
    ds = load_dataset("iris")
    net = MLP(4, 3, 3, 3, seed=0)
    with pytest.raises(NpmlpError, match="does not record its training split"):
        held_out_test_rows(net, ds, "iris")
    net.metadata.update({"split": {"test_fraction": 0.2, "seed": 0}, "data": "iris"})
    X, y, what = evaluation_rows(net, ds, "iris", "test")
    assert X.shape == (30, 4) and y.shape == (30,) and what.startswith("the 30 test rows")
    auto = evaluation_rows(net, ds, "iris")  # the default: the held-out rows, as "test"
    np.testing.assert_array_equal(auto.X, X)
    every = evaluation_rows(net, ds, "iris", "all")
    assert every.X.shape == (150, 4) and every.what == "all 150 rows of iris"
    wine = MLP(13, 3, 3, 3, seed=0)
    wine.metadata.update(net.metadata)  # trained on iris: no split of wine is recorded
    assert evaluation_rows(wine, load_dataset("wine"), "wine").what == (
        "all 178 rows of wine (the model records no split of them)"
    )
    with pytest.raises(NpmlpError, match="--split test needs the data the model was trained on"):
        held_out_test_rows(net, ds, "wine")
