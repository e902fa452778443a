"""The generated data sets: shapes, labels, balance, seeding and the geometry they promise."""

import numpy as np
import pytest

from course_lib.datasets import DATASETS, circles, make_dataset, spirals, two_moons, xor


@pytest.mark.parametrize("name", sorted(DATASETS))
@pytest.mark.parametrize("n", [2, 7, 200])
def test_shapes_and_labels(name, n):
    X, y = make_dataset(name, n=n, seed=3)
    assert X.shape == (n, 2) and y.shape == (n,)
    assert X.dtype == np.float64 and y.dtype == np.float64
    assert set(np.unique(y)) <= {0.0, 1.0}
    assert np.all(np.isfinite(X))
    assert np.all(np.diff(y) >= 0)  # class 0 first


@pytest.mark.parametrize("fn", [two_moons, circles, spirals])
def test_balanced_classes(fn):
    for n in (10, 11, 200):
        _, y = fn(n=n)
        assert int((y == 0).sum()) == n - n // 2 and int((y == 1).sum()) == n // 2


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_seeded(name):
    a = make_dataset(name, n=50, noise=0.1, seed=1)
    b = make_dataset(name, n=50, noise=0.1, seed=1)
    c = make_dataset(name, n=50, noise=0.1, seed=2)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_moons_geometry_without_noise():
    X, y = two_moons(n=101, noise=0.0)
    upper, lower = X[y == 0], X[y == 1]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert np.all(upper[:, 1] >= -1e-12)
    assert np.allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_moons_noise_has_the_requested_spread():
    clean, _ = two_moons(n=4000, noise=0.0, seed=0)
    noisy, _ = two_moons(n=4000, noise=0.2, seed=0)
    assert abs(np.std(noisy - clean) - 0.2) < 0.01


def test_circles_radii():
    X, y = circles(n=40, noise=0.0, factor=0.3)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(r[y == 0], 1.0) and np.allclose(r[y == 1], 0.3)


def test_spirals_are_point_reflections_of_each_other():
    X, y = spirals(n=60, noise=0.0, turns=2.0)
    assert np.allclose(X[y == 1], -X[y == 0])
    assert np.all(np.hypot(X[:, 0], X[:, 1]) <= 1.0 + 1e-12)


def test_xor_labels_follow_the_quadrant():
    X, y = xor(n=300, noise=0.0, seed=5)
    assert np.array_equal(y == 1, X[:, 0] * X[:, 1] < 0)
    assert 0 < y.sum() < 300


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"n": 1}, ValueError),
        ({"n": 2.5}, TypeError),
        ({"n": True}, TypeError),
        ({"noise": -0.1}, ValueError),
        ({"noise": float("nan")}, ValueError),
        ({"noise": "a"}, TypeError),
        ({"seed": -1}, ValueError),
        ({"seed": 1.0}, TypeError),
    ],
)
def test_bad_arguments(kwargs, error):
    with pytest.raises(error):
        two_moons(**kwargs)


def test_bad_shape_arguments():
    with pytest.raises(ValueError, match="factor"):
        circles(factor=1.0)
    with pytest.raises(ValueError, match="turns"):
        spirals(turns=0)
    with pytest.raises(ValueError, match="name must be one of"):
        make_dataset("mnist")
