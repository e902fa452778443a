"""Training: the loss falls on the article's example; divergence is flagged at the right epoch."""

import math

import numpy as np
import pytest
import torch

from course_lib.article import ARTICLE, article_mlp
from course_lib.init import initialise
from course_lib.mlp import MLP


def torch_losses(net, x, y, lr, epochs):
    """Reference: the same full-batch gradient descent in PyTorch float64, loss before each step."""
    from course_lib.torch_bridge import to_torch

    model = to_torch(net, "float64")
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    xt = torch.as_tensor(np.atleast_2d(x), dtype=torch.float64)
    yt = torch.as_tensor(np.reshape(y, (xt.shape[0], -1)), dtype=torch.float64)
    losses = []
    for _ in range(epochs):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(xt), yt)
        losses.append(loss.item())
        if not math.isfinite(loss.item()):
            break
        loss.backward()
        opt.step()
    return losses


def test_loss_falls_on_the_articles_example():
    history = article_mlp().train(ARTICLE.x, ARTICLE.y, lr=ARTICLE.lr, epochs=20)
    assert history.losses[0] == pytest.approx((2.0 - 1.326) ** 2, abs=1e-12)
    assert all(b < a for a, b in zip(history.losses[:-1], history.losses[1:], strict=True))
    assert history.losses[-1] < 1e-6
    assert not history.diverged and history.epochs_run == 20
    assert history.status().startswith("final loss")


def test_training_matches_pytorch_epoch_by_epoch():
    net = article_mlp()
    want = torch_losses(net, ARTICLE.x, ARTICLE.y, 0.05, 30)
    got = net.train(ARTICLE.x, ARTICLE.y, lr=0.05, epochs=30).losses
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)


def test_batch_training_matches_pytorch():
    rng = np.random.default_rng(3)
    net = MLP([3, 4, 2], "tanh", init="xavier_normal", rng=rng)
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    want = torch_losses(net, x, y, 0.2, 25)
    got = net.train(x, y, lr=0.2, epochs=25).losses
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("lr", [5.0, 10.0, 30.0])
def test_divergence_is_flagged_at_the_epoch_torch_overflows(lr):
    net = article_mlp()
    want = torch_losses(net, ARTICLE.x, ARTICLE.y, lr, 200)
    assert not math.isfinite(want[-1])  # torch diverges too: the reference is meaningful
    history = net.train(ARTICLE.x, ARTICLE.y, lr=lr, epochs=200)
    assert history.diverged
    assert history.diverged_epoch == len(want)
    assert history.epochs_run == len(want) - 1
    assert f"diverged at epoch {len(want)}" in history.status()
    np.testing.assert_allclose(history.losses[:-1], want[:-1], rtol=1e-9)


def test_snapshots_record_the_parameters_before_each_epoch_and_after_the_last():
    net = article_mlp()
    history = net.train(ARTICLE.x, ARTICLE.y, lr=0.1, epochs=3, snapshots=True)
    assert len(history.snapshots) == 4
    np.testing.assert_array_equal(history.snapshots[0]["W1"], [[0.2, 0.3], [0.4, 0.5]])
    np.testing.assert_array_equal(history.snapshots[-1]["b2"], net.params["b2"])
    # the first update is the article's step: b2 <- 0.4 - 0.1 * (-2 * 0.674)
    assert history.snapshots[1]["b2"][0] == pytest.approx(0.4 + 0.1 * 2 * 0.674, abs=1e-15)


def test_zero_epochs_changes_nothing():
    net = article_mlp()
    history = net.train(ARTICLE.x, ARTICLE.y, epochs=0)
    assert history.losses == [] and history.status() == "no epochs run"
    np.testing.assert_array_equal(net.params["W2"], [[0.5, 0.6]])


def test_constant_init_keeps_hidden_neurons_identical():
    """Symmetry: equal weights get equal gradients, so the two hidden neurons never differ."""
    net = MLP([2, 2, 1], params=initialise("constant", [2, 2, 1], value=0.3))
    net.train(ARTICLE.x, ARTICLE.y, lr=0.05, epochs=50)
    np.testing.assert_allclose(net.params["W1"][0], net.params["W1"][1], rtol=0, atol=0)


def test_initialisers_have_the_documented_spread():
    rng = np.random.default_rng(0)
    sizes = [400, 300, 1]
    xu = initialise("xavier_uniform", sizes, rng)["W1"]
    assert np.max(np.abs(xu)) <= math.sqrt(6 / 700)
    assert np.std(xu) == pytest.approx(math.sqrt(2 / 700), rel=0.02)
    assert np.std(initialise("xavier_normal", sizes, rng)["W1"]) == pytest.approx(
        math.sqrt(2 / 700), rel=0.02
    )
    hu = initialise("he_uniform", sizes, rng)["W1"]
    assert np.max(np.abs(hu)) <= math.sqrt(6 / 400)
    assert np.std(hu) == pytest.approx(math.sqrt(2 / 400), rel=0.02)
    assert np.std(initialise("he_normal", sizes, rng)["W1"]) == pytest.approx(
        math.sqrt(2 / 400), rel=0.02
    )
    assert np.std(initialise("normal", sizes, rng, std=0.3)["W1"]) == pytest.approx(0.3, rel=0.02)
    u = initialise("uniform", sizes, rng, low=-0.2, high=0.6)["W1"]
    assert -0.2 <= u.min() and u.max() < 0.6 and np.mean(u) == pytest.approx(0.2, abs=0.01)
    assert not initialise("zeros", sizes)["W1"].any()
    assert np.all(initialise("constant", sizes, value=0.7)["W2"] == 0.7)


def test_initialisers_are_reproducible_from_the_seed():
    a = initialise("he_normal", [2, 3, 1], np.random.default_rng(42))
    b = initialise("he_normal", [2, 3, 1], np.random.default_rng(42))
    c = initialise("he_normal", [2, 3, 1], np.random.default_rng(43))
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["W1"], c["W1"])


@pytest.mark.parametrize("name", ["mse", "sse", "half_sse"])
def test_losses_match_torch(name):
    from course_lib.losses import get_loss
    from course_lib.torch_bridge import torch_loss

    rng = np.random.default_rng(1)
    y_hat, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    value, grad = get_loss(name)(y_hat, y)
    t = torch.tensor(y_hat, requires_grad=True)
    ref = torch_loss(name)(t, torch.tensor(y))
    ref.backward()
    assert value == pytest.approx(ref.item(), rel=1e-14)
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-14)
