"""scikit-learn's own MLP tests, run against NpMLPClassifier.

The test file ships inside scikit-learn's wheel. A temporary copy has its import switched to
``from npmlp import NpMLPClassifier as MLPClassifier`` (``MLPRegressor`` stays scikit-learn's);
nothing of it is kept in this repository. Left out, as npmlp is a classifier of one label per
row: the regression, multi-output, multi-label and Poisson tests; and the three that set or
read scikit-learn's private members (``test_fit``, ``test_gradient``,
``test_learning_rate_warmstart``).
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import sklearn

SOURCE = Path(sklearn.__file__).parent / "neural_network" / "tests" / "test_mlp.py"
IMPORT = "from sklearn.neural_network import MLPClassifier, MLPRegressor"
LEFT_OUT = (
    "Regressor or regression or multilabel or multioutput or poisson or test_fit or "
    "test_gradient or learning_rate_warmstart or test_shuffle or nonfinite or minimum_input"
)


@pytest.mark.slow
def test_scikit_learns_mlp_tests_pass_against_npmlp(tmp_path):
    text = SOURCE.read_text(encoding="utf-8")
    assert IMPORT in text
    copy = tmp_path / "test_mlp_npmlp.py"
    copy.write_text(
        text.replace(
            IMPORT,
            "from sklearn.neural_network import MLPRegressor\n"
            "from npmlp import NpMLPClassifier as MLPClassifier",
        ),
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(copy)]
        + ["-k", f"not ({LEFT_OUT})", "-W", "ignore::DeprecationWarning"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    summary = run.stdout.strip().splitlines()[-1]
    passed = int(re.search(r"(\d+) passed", summary).group(1))
    assert "failed" not in summary and "error" not in summary, run.stdout[-3000:]
    assert passed >= 35, summary
