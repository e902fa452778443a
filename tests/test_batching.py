"""course_lib.batching (notebook 08): mini-batch SGD and the forward cache's size, checked
against full-batch MLP.train, plain NumPy arithmetic and PyTorch."""

import numpy as np
import pytest
import torch

from course_lib.batching import cache_nbytes, train_minibatches
from course_lib.mlp import MLP


def data(n=30, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(float)


def test_one_batch_of_everything_is_full_batch_gradient_descent():
    X, y = data()
    a, b = (
        MLP([2, 5, 1], rng=np.random.default_rng(0)),
        MLP([2, 5, 1], rng=np.random.default_rng(0)),
    )
    run = train_minibatches(a, X, y, lr=0.1, epochs=15, batch_size=len(X))
    history = b.train(X, y, lr=0.1, epochs=15)
    np.testing.assert_allclose(run.losses[:-1], history.losses, rtol=1e-12)
    assert run.updates == 15
    np.testing.assert_allclose(run.losses[-1], b.loss(X, y), rtol=1e-12)


def test_minibatch_steps_follow_pytorch_on_the_same_batches():
    X, y = data(n=12)
    net = MLP([2, 4, 1], rng=np.random.default_rng(3))
    start = {k: v.copy() for k, v in net.params.items()}
    run = train_minibatches(net, X, y, lr=0.05, epochs=3, batch_size=5, seed=7)
    assert run.updates == 3 * 3  # batches of 5, 5, 2
    # the same steps, in PyTorch float64, with the same shuffles
    p = {k: torch.tensor(v, requires_grad=True) for k, v in start.items()}
    rng = np.random.default_rng(7)
    Xt, yt = torch.tensor(X), torch.tensor(y).reshape(-1, 1)
    for _ in range(3):
        order = rng.permutation(len(X))
        for s in range(0, len(X), 5):
            rows = torch.tensor(order[s : s + 5])
            h = torch.relu(Xt[rows] @ p["W1"].T + p["b1"])
            loss = torch.nn.functional.mse_loss(h @ p["W2"].T + p["b2"], yt[rows])
            loss.backward()
            with torch.no_grad():
                for t in p.values():
                    t -= 0.05 * t.grad
                    t.grad = None
    for k in start:
        np.testing.assert_allclose(net.params[k], p[k].detach().numpy(), rtol=1e-10, atol=1e-12)


def test_same_seed_same_run():
    X, y = data()
    runs = [
        train_minibatches(MLP([2, 3, 1], rng=np.random.default_rng(0)), X, y, lr=0.1,
                          epochs=4, batch_size=7, seed=5).losses
        for _ in range(2)
    ]  # fmt: skip
    assert runs[0] == runs[1]


def test_bad_arguments_are_named():
    X, y = data()
    net = MLP([2, 3, 1])
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        train_minibatches(net, X, y, lr=0.1, epochs=1, batch_size=0)
    with pytest.raises(TypeError, match="epochs must be an integer"):
        train_minibatches(net, X, y, lr=0.1, epochs=1.5, batch_size=4)
    with pytest.raises(ValueError, match="batch must be an integer >= 1"):
        cache_nbytes([2, 3, 1], 0)


@pytest.mark.parametrize(
    ("sizes", "batch"), [([2, 16, 1], 1), ([2, 16, 16, 1], 32), ([3, 7, 5, 2], 9)]
)
def test_cache_bytes_by_hand(sizes, batch):
    # the input, then a z and an a for every layer, 8 bytes per float64
    floats = batch * sizes[0] + sum(2 * batch * width for width in sizes[1:])
    assert cache_nbytes(sizes, batch) == 8 * floats


def test_pytorch_frees_what_it_saved_once_backward_has_used_it():
    """What notebook 08 says about PyTorch: saved tensors go after backward; no_grad saves none."""
    w = torch.ones(3, requires_grad=True)
    loss = (torch.relu(w * 2.0) ** 2).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="second time|already been freed"):
        loss.backward()
    with torch.no_grad():
        assert (torch.relu(w * 2.0) ** 2).sum().grad_fn is None
