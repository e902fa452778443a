"""The article's 2-2-1 example to 1e-12, under each loss convention.

Expected values come from plain Python arithmetic written out here (no numpy,
no course_lib) and from PyTorch in float64, never from the code under test.
"""

import numpy as np
import pytest
import torch

from course_lib.article import (
    ARTICLE,
    STATED_NEXT_PREDICTION,
    STATED_PREDICTION,
    article_mlp,
)
from course_lib.walkthrough import step_report

TOL = 1e-12


def by_hand(dloss_factor):
    """One step of the 2-2-1 written out scalar by scalar.

    dloss_factor: dL/dy_hat = dloss_factor * (y_hat - y) (2 for mse and sse, 1 for half_sse).
    """
    x1, x2, y, lr = 0.9, 1.0, 2.0, 0.1
    w11, w12, w21, w22 = 0.2, 0.3, 0.4, 0.5
    b11, b12 = 0.1, 0.2
    v1, v2, b2 = 0.5, 0.6, 0.4

    def forward(w11, w12, w21, w22, b11, b12, v1, v2, b2):
        z1 = w11 * x1 + w12 * x2 + b11
        z2 = w21 * x1 + w22 * x2 + b12
        a1, a2 = max(z1, 0.0), max(z2, 0.0)
        return z1, z2, a1, a2, v1 * a1 + v2 * a2 + b2

    z1, z2, a1, a2, y_hat = forward(w11, w12, w21, w22, b11, b12, v1, v2, b2)
    g = dloss_factor * (y_hat - y)
    d_v1, d_v2, d_b2 = g * a1, g * a2, g
    d_z1 = g * v1 * (1.0 if z1 > 0 else 0.0)
    d_z2 = g * v2 * (1.0 if z2 > 0 else 0.0)
    grads = {
        "W1": [[d_z1 * x1, d_z1 * x2], [d_z2 * x1, d_z2 * x2]],
        "b1": [d_z1, d_z2],
        "W2": [[d_v1, d_v2]],
        "b2": [d_b2],
    }
    new = [
        w11 - lr * d_z1 * x1,
        w12 - lr * d_z1 * x2,
        w21 - lr * d_z2 * x1,
        w22 - lr * d_z2 * x2,
        b11 - lr * d_z1,
        b12 - lr * d_z2,
        v1 - lr * d_v1,
        v2 - lr * d_v2,
        b2 - lr * d_b2,
    ]
    updated = {
        "W1": [new[0:2], new[2:4]],
        "b1": new[4:6],
        "W2": [new[6:8]],
        "b2": [new[8]],
    }
    y_next = forward(*new)[-1]
    loss = (y - y_hat) ** 2 * (0.5 if dloss_factor == 1 else 1.0)
    return {
        "z1": [z1, z2],
        "prediction": y_hat,
        "loss": loss,
        "dy_hat": g,
        "grads": grads,
        "updated": updated,
        "next_prediction": y_next,
    }


FACTORS = {"mse": 2.0, "sse": 2.0, "half_sse": 1.0}


def test_first_forward_pass_matches_the_article_and_the_arithmetic():
    y_hat, cache = article_mlp().forward(ARTICLE.x)
    np.testing.assert_allclose(cache["z1"], [0.58, 1.06], rtol=0, atol=TOL)
    np.testing.assert_allclose(cache["a1"], [0.58, 1.06], rtol=0, atol=TOL)
    assert abs(y_hat[0] - 1.326) < TOL
    assert abs(y_hat[0] - STATED_PREDICTION) < TOL


@pytest.mark.parametrize("loss", ["mse", "sse", "half_sse"])
def test_one_step_matches_hand_arithmetic(loss):
    want = by_hand(FACTORS[loss])
    got = step_report(article_mlp(), ARTICLE.x, ARTICLE.y, lr=ARTICLE.lr, loss=loss)
    np.testing.assert_allclose(got["cache"]["z1"], want["z1"], rtol=0, atol=TOL)
    for key in ("prediction", "loss", "dy_hat", "next_prediction"):
        assert abs(got[key] - want[key]) < TOL, key
    for group in ("grads", "updated"):
        for name, value in want[group].items():
            np.testing.assert_allclose(got[group][name], value, rtol=0, atol=TOL)


def test_the_decimals_a_learner_computes_on_paper():
    mse = by_hand(2.0)
    assert abs(mse["loss"] - 0.454276) < TOL  # 0.674 ** 2
    assert abs(mse["dy_hat"] - -1.348) < TOL
    np.testing.assert_allclose(mse["grads"]["W2"], [[-0.78184, -1.42888]], atol=TOL)
    np.testing.assert_allclose(mse["updated"]["b1"], [0.1674, 0.28088], atol=TOL)
    half = by_hand(1.0)
    assert abs(half["dy_hat"] - -0.674) < TOL


def torch_reference(loss):
    """The article's own PyTorch recipe (nn.Linear, ReLU, the loss, optim.SGD), in float64."""
    torch.manual_seed(0)
    d = torch.float64
    l1, l2 = torch.nn.Linear(2, 2, dtype=d), torch.nn.Linear(2, 1, dtype=d)
    with torch.no_grad():
        l1.weight.copy_(torch.tensor([[0.2, 0.3], [0.4, 0.5]], dtype=d))
        l1.bias.copy_(torch.tensor([0.1, 0.2], dtype=d))
        l2.weight.copy_(torch.tensor([[0.5, 0.6]], dtype=d))
        l2.bias.copy_(torch.tensor([0.4], dtype=d))
    model = torch.nn.Sequential(l1, torch.nn.ReLU(), l2)
    crit = {
        "mse": torch.nn.MSELoss(),
        "sse": torch.nn.MSELoss(reduction="sum"),
        "half_sse": lambda a, b: 0.5 * ((a - b) ** 2).sum(),
    }[loss]
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.tensor([0.9, 1.0], dtype=d)
    y = torch.tensor([2.0], dtype=d)
    out = model(x)
    value = crit(out, y)
    opt.zero_grad()
    value.backward()
    grads = {
        "W1": l1.weight.grad.numpy().copy(),
        "b1": l1.bias.grad.numpy().copy(),
        "W2": l2.weight.grad.numpy().copy(),
        "b2": l2.bias.grad.numpy().copy(),
    }
    opt.step()
    with torch.no_grad():
        nxt = model(x).item()
    return out.item(), value.item(), grads, nxt


@pytest.mark.parametrize("loss", ["mse", "sse", "half_sse"])
def test_one_step_matches_pytorch_float64(loss):
    prediction, value, grads, nxt = torch_reference(loss)
    got = step_report(article_mlp(), ARTICLE.x, ARTICLE.y, lr=ARTICLE.lr, loss=loss)
    assert abs(got["prediction"] - prediction) < TOL
    assert abs(got["loss"] - value) < TOL
    assert abs(got["next_prediction"] - nxt) < TOL
    for name, g in grads.items():
        np.testing.assert_allclose(got["grads"][name], g, rtol=0, atol=TOL)


@pytest.mark.parametrize("loss", ["mse", "sse", "half_sse"])
def test_torch_bridge_takes_the_same_step(loss):
    from course_lib.torch_bridge import torch_step

    want = by_hand(FACTORS[loss])
    got = torch_step(article_mlp(), ARTICLE.x, ARTICLE.y, lr=ARTICLE.lr, loss=loss)
    assert abs(got["prediction"] - want["prediction"]) < TOL
    assert abs(got["loss"] - want["loss"]) < TOL
    assert abs(got["next_prediction"] - want["next_prediction"]) < TOL
    for group in ("grads", "updated"):
        for name, value in want[group].items():
            np.testing.assert_allclose(got[group][name], value, rtol=0, atol=TOL)


def test_torch_bridge_float32_differs_only_by_rounding():
    from course_lib.torch_bridge import torch_step

    got = torch_step(article_mlp(), ARTICLE.x, ARTICLE.y, lr=ARTICLE.lr, dtype="float32")
    want = by_hand(2.0)
    diff = abs(got["next_prediction"] - want["next_prediction"])
    assert 0 < diff < 1e-6  # float32 has ~7 significant digits


def test_the_articles_next_prediction_is_not_any_convention():
    """1.618296 is the article's erratum: mse gives ~1.936, half_sse ~1.619, neither equals it."""
    for loss, factor in FACTORS.items():
        nxt = by_hand(factor)["next_prediction"]
        assert abs(nxt - STATED_NEXT_PREDICTION) > 5e-4, loss
    assert abs(by_hand(2.0)["next_prediction"] - 1.936) < 1e-3
    assert abs(by_hand(1.0)["next_prediction"] - 1.619) < 1e-3


def test_the_network_is_not_changed_by_a_report():
    net = article_mlp()
    step_report(net, ARTICLE.x, ARTICLE.y, lr=0.1)
    np.testing.assert_array_equal(net.params["W1"], [[0.2, 0.3], [0.4, 0.5]])


def test_article_comparison_sets_the_stated_numbers_beside_each_convention():
    from course_lib.walkthrough import article_comparison

    got = article_comparison(article_mlp(), ARTICLE.x, ARTICLE.y, lr=ARTICLE.lr)
    assert (got["stated_prediction"], got["stated_next"]) == (1.326, 1.618296)
    for loss, factor in FACTORS.items():
        assert abs(got["conventions"][loss] - by_hand(factor)["next_prediction"]) < TOL
    assert f"{by_hand(2.0)['next_prediction']:.6f}" in got["line"]
    assert f"{by_hand(1.0)['next_prediction']:.6f}" in got["line"]
