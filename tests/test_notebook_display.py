"""Histories and runs you can look at: short reprs, a DataFrame of the history, its plot, the
notebook cards, and progress in Python (a rich bar, or HTML updated in place in Jupyter)."""

import io
import sys
import types

import numpy as np
import pytest
from matplotlib.figure import Figure

import npmlp
from npmlp.callbacks import ProgressBar
from npmlp.jobs.job import RunSettings, train_run
from npmlp.outputs.notebook import LiveCurves


@pytest.fixture(scope="module")
def iris_run():
    config = npmlp.TrainConfig(epochs=6, optimizer="adam", val_fraction=0.3, min_val_rows=5)
    return train_run(RunSettings(data="iris", hidden=8, config=config))


class FakeKernel:
    """What a Jupyter kernel gives: ``display(obj, display_id=True)`` returns a handle whose
    ``update`` replaces the output in place; every update is kept here."""

    def __init__(self, monkeypatch):
        self.shown = []
        ipython = types.ModuleType("IPython")
        shell = type("ZMQInteractiveShell", (), {})()
        ipython.get_ipython = lambda: shell
        display = types.ModuleType("IPython.display")
        display.HTML = lambda text: text
        display.display = self.display
        ipython.display = display
        monkeypatch.setitem(sys.modules, "IPython", ipython)
        monkeypatch.setitem(sys.modules, "IPython.display", display)

    def display(self, obj, display_id=False):
        kernel = self
        kernel.shown.append([obj])

        class Handle:
            def update(self, new):
                kernel.shown[-1].append(new)

        return Handle()


def test_history_repr_is_one_short_line_and_its_frame_and_plot(iris_run):
    h = iris_run.history
    text = repr(h)
    assert text.startswith("History(6 epochs of adam: train loss ")
    assert "val loss" in text and "\n" not in text and len(text) < 200
    frame = h.to_frame()
    assert list(frame.index) == [1, 2, 3, 4, 5, 6]
    assert {"train_loss", "val_accuracy"} <= set(frame.columns)
    fig = h.plot()
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert fig.axes[0].get_xlabel() == "epoch"
    assert h._repr_html_().count("data:image/png;base64,") == 1


def test_run_result_repr_and_report_card(iris_run):
    text = repr(iris_run)
    assert text.startswith("RunResult(iris: MLP D=4 H=8 L=3 C=3; 6 epochs of adam; ")
    assert "test accuracy 0." in text and "\n" not in text and len(text) < 200
    card = iris_run._repr_html_()
    assert card.count("data:image/png;base64,") == 2  # confusion matrix and curves
    assert "<th>accuracy</th>" in card and "confusion matrix" in card


def test_an_lbfgs_history_counts_iterations_in_its_repr_and_its_bar():
    X, y = np.random.default_rng(0).normal(size=(40, 3)), np.arange(40) % 2
    net = npmlp.MLP(D=3, H=4, L=3, C=2, seed=0)
    from rich.console import Console

    out = io.StringIO()
    bar = ProgressBar(console=Console(file=out, width=100, force_terminal=False))
    config = npmlp.TrainConfig(epochs=7, optimizer="lbfgs", val_fraction=0)
    history = npmlp.fit(net, X, y, config, callbacks=[bar])
    assert repr(history).startswith(f"History({len(history)} L-BFGS iterations: ")
    assert "iteration" in out.getvalue() and "epoch" not in out.getvalue()


def test_progress_in_jupyter_is_one_html_line_updated_in_place(monkeypatch):
    kernel = FakeKernel(monkeypatch)
    X, y = np.random.default_rng(0).normal(size=(60, 3)), np.arange(60) % 3
    net = npmlp.MLP(D=3, H=4, L=3, C=3, seed=0)
    config = npmlp.TrainConfig(epochs=4, optimizer="adam", val_fraction=0, early_stopping=None)
    npmlp.fit(net, X, y, config, verbose=1)
    assert len(kernel.shown) == 1  # one output, updated
    last = kernel.shown[0][-1]
    assert "epoch 4/4" in last and "loss " in last and "100.0%" in last


def test_live_curves_redraw_at_most_once_a_second_and_at_the_end(monkeypatch):
    kernel = FakeKernel(monkeypatch)
    X, y = np.random.default_rng(0).normal(size=(60, 3)), np.arange(60) % 3
    net = npmlp.MLP(D=3, H=4, L=3, C=3, seed=0)
    config = npmlp.TrainConfig(epochs=30, optimizer="adam", val_fraction=0, early_stopping=None)
    npmlp.fit(net, X, y, config, callbacks=[LiveCurves(every=3600)])
    (updates,) = kernel.shown
    assert len(updates) == 3  # the placeholder, the first epoch, the end
    assert "History(30 epochs" in updates[-1] and "data:image/png" in updates[-1]


def test_outside_a_notebook_live_curves_show_nothing():
    X, y = np.random.default_rng(0).normal(size=(30, 3)), np.arange(30) % 3
    net = npmlp.MLP(D=3, H=4, L=3, C=3, seed=0)
    cb = LiveCurves()
    npmlp.fit(
        net,
        X,
        y,
        npmlp.TrainConfig(epochs=2, optimizer="adam", val_fraction=0, early_stopping=None),
        callbacks=[cb],
    )
    assert cb.handle is None


def test_the_estimator_s_model_shows_the_same_short_repr_and_card():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    clf = npmlp.NpMLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(X, y)
    text = repr(clf.model_)
    assert text == "MLP(D=4, H=8, L=3, C=3, relu, float64; 67 parameters; classes 0, 1, 2)"
    assert "\n" not in text and "<svg" in clf.model_._repr_html_()
