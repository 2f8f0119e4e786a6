"""scikit-learn interoperability of linfit.LinearModel (scikit-learn is a test dependency only)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import linfit  # noqa: E402
from linfit import LinearModel  # noqa: E402


def _data(n: int = 60):
    x, y = linfit.data.sine(n, 0.2, seed=3)
    return x.numpy()[:, None], y.numpy()


def test_clone_keeps_params_and_drops_the_fit():
    m = LinearModel("legendre", 5, ridge=0.1).fit(*_data())
    c = clone(m)
    assert c.get_params() == m.get_params() and not hasattr(c, "fit_")


def test_pipeline_cross_val_score_and_grid_search():
    X, y = _data()
    pipe = Pipeline([("scale", FunctionTransformer(lambda v: 2 * v)), ("fit", LinearModel())])
    scores = cross_val_score(pipe, X, y, cv=KFold(4, shuffle=True, random_state=0))
    assert scores.shape == (4,) and np.isfinite(scores).all()
    grid = GridSearchCV(
        LinearModel("poly"), {"degree": [1, 3, 5, 7], "ridge": [0.0, 1e-3]}, cv=5
    ).fit(X, y)
    assert grid.best_params_["degree"] >= 3  # a sine needs more than a line
    assert grid.best_estimator_.score(X, y) > 0.8


def test_score_is_sklearn_r2_with_weights():
    from sklearn.metrics import r2_score

    X, y = _data()
    w = np.linspace(0.1, 2, len(y))
    m = LinearModel("poly", 3).fit(X, y)
    assert m.score(X, y) == pytest.approx(r2_score(y, m.predict(X)), rel=1e-12)
    assert m.score(X, y, w) == pytest.approx(r2_score(y, m.predict(X), sample_weight=w), rel=1e-12)


# scikit-learn's checks draw X with 2-30 columns; LinearModel expands ONE input feature in a basis
# and refuses (n, k > 1) with an InputError, so these checks fail before reaching what they test
# (listed by running check_estimator(LinearModel(), on_fail=None) on scikit-learn 1.9.1: every
# failure below had "expecting 1 feature" in its exception). What they test is tested on one
# column in test_behaviours_those_checks_cover_on_one_column.
MULTI_FEATURE = "X with several features; LinearModel takes one"
_MULTI = [
    "check_fit_score_takes_y",
    "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters",
    "check_estimators_fit_returns_self",
    "check_readonly_memmap_input",
    "check_n_features_in_after_fitting",
    "check_positive_only_tag_during_fit",
    "check_estimators_dtypes",
    "check_sample_weights_not_an_array",
    "check_sample_weights_list",
    "check_all_zero_sample_weights_error",
    "check_sample_weights_shape",
    "check_sample_weights_not_overwritten",
    "check_sample_weight_equivalence_on_dense_data",
    "check_dtype_object",
    "check_pipeline_consistency",
    "check_estimators_nan_inf",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_regressors_train",
    "check_regressor_data_not_an_array",
    "check_regressor_multioutput",
    "check_regressors_no_decision_function",
    "check_supervised_y_2d",
    "check_regressors_int",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_fit2d_1sample",
    "check_dict_unchanged",
    "check_fit_idempotent",
    "check_fit_check_is_fitted",
    "check_n_features_in",
    "check_fit2d_predict1d",
]
EXPECTED_FAILED = dict.fromkeys(_MULTI, MULTI_FEATURE) | {
    "check_fit1d": "X (n,) is LinearModel's own input, not an error",
}


def expected_failed(estimator) -> dict[str, str]:
    return EXPECTED_FAILED


def test_behaviours_those_checks_cover_on_one_column(tmp_path):
    """pickle, idempotent fit, sample order, read-only memory, weights as a list, n_features_in_."""
    import pickle

    X, y = _data(40)
    m = LinearModel("legendre", 4).fit(X, y)
    assert m.n_features_in_ == 1 and sklearn.utils.validation.check_is_fitted(m) is None
    again = pickle.loads(pickle.dumps(m))
    assert np.array_equal(again.predict(X), m.predict(X))
    assert np.allclose(LinearModel("legendre", 4).fit(X, y).fit(X, y).coef_, m.coef_, rtol=1e-13)
    perm = np.random.default_rng(0).permutation(len(y))
    assert np.allclose(m.predict(X[perm]), m.predict(X)[perm], rtol=1e-13)
    mm = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=X.dtype, shape=X.shape)
    mm[:] = X
    del mm
    ro = np.load(tmp_path / "x.npy", mmap_mode="r")
    assert np.allclose(LinearModel("legendre", 4).fit(ro, y).coef_, m.coef_, rtol=1e-12)
    w = [1.0] * len(y)
    assert np.allclose(LinearModel("legendre", 4).fit(X, y, w).coef_, m.coef_, rtol=1e-12)
    with pytest.raises(ValueError, match="expecting 1 feature"):
        m.predict(np.hstack([X, X]))
    with pytest.raises(sklearn.exceptions.NotFittedError):
        LinearModel().predict(X)


# LinearModel does not inherit sklearn's BaseEstimator on purpose (no runtime dependency);
# scikit-learn says so once per check.
NOT_BASE = "ignore:Estimator LinearModel does not inherit:UserWarning"
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Estimator LinearModel does not inherit", UserWarning)
    checks = parametrize_with_checks([LinearModel()], expected_failed_checks=expected_failed)


@pytest.mark.filterwarnings(NOT_BASE)
@checks
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
