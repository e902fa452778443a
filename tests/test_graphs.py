"""course_lib.graphs: the labelled Value graphs agree with hand calculation, MLP and torch."""

import numpy as np
import pytest

from course_lib.article import article_mlp
from course_lib.graphs import article_graph, by_label, graph_example, parameter_grads
from course_lib.mlp import MLP

TOL = 1e-12

# The article's 2-2-1 example worked by hand (mse = (y - y_hat)^2 for one output):
# z1 = [0.2*0.9 + 0.3*1.0 + 0.1, 0.4*0.9 + 0.5*1.0 + 0.2] = [0.58, 1.06] = a1 (ReLU, both > 0)
# y_hat = 0.5*0.58 + 0.6*1.06 + 0.4 = 1.326;  L = (2 - 1.326)^2 = 0.674^2 = 0.454276
# dL/dy_hat = -2 * 0.674 = -1.348
# dL/dW2 = -1.348 * [0.58, 1.06];  dL/db2 = -1.348
# dL/dz1 = -1.348 * [0.5, 0.6] = [-0.674, -0.8088];  dL/dW1 = outer(dz1, [0.9, 1.0])
HAND_MSE = {
    "W1": [[-0.674 * 0.9, -0.674], [-0.8088 * 0.9, -0.8088]],
    "b1": [-0.674, -0.8088],
    "W2": [[-1.348 * 0.58, -1.348 * 1.06]],
    "b2": [-1.348],
}


def _assert_close(got: dict, want: dict, tol=TOL):
    assert set(got) == set(want)
    for name in want:
        np.testing.assert_allclose(got[name], np.asarray(want[name]), rtol=0, atol=tol)


def test_graph_example_matches_the_article():
    f = graph_example()
    nodes = by_label(f)
    assert sorted(nodes) == ["f", "p", "x", "y", "z"]
    assert (nodes["p"].data, f.data) == (2.0, 6.0)
    assert all(node.grad == 0.0 for node in nodes.values())  # returned before backward
    f.backward()
    assert (nodes["x"].grad, nodes["y"].grad, nodes["z"].grad, nodes["p"].grad) == (3, -3, 2, 3)
    assert nodes["x"].data - 0.1 * nodes["x"].grad == pytest.approx(3.7, abs=1e-15)


def test_graph_example_takes_other_values():
    f = graph_example(1.0, 5.0, -2.0)
    f.backward()
    nodes = by_label(f)
    assert f.data == 8.0 and nodes["x"].grad == -2.0 and nodes["z"].grad == -4.0


def test_article_graph_forward_values_by_hand():
    nodes = by_label(article_graph())
    for label, want in [("z1_1", 0.58), ("z1_2", 1.06), ("a1_1", 0.58), ("a1_2", 1.06)]:
        assert nodes[label].data == pytest.approx(want, abs=TOL)
    assert nodes["y_hat"].data == pytest.approx(1.326, abs=TOL)
    assert nodes["L"].data == pytest.approx(0.454276, abs=TOL)
    assert nodes["w1_12"].data == 0.3 and nodes["w1_21"].data == 0.4  # W1[row=neuron, col=input]


def test_article_graph_labels_and_size():
    L = article_graph()
    labels = [n.label for n in L.topological_order()]
    assert len(labels) == 28 and len(set(labels)) == 28 and all(labels)
    for name in ["x1", "x2", "w1_11", "b1_1", "z1_1", "a1_1", "w2_12", "b2_1", "y", "y_hat", "L"]:
        assert name in labels


def test_article_graph_gradients_by_hand():
    L = article_graph()
    L.backward()
    _assert_close(parameter_grads(L), HAND_MSE)
    assert by_label(L)["y_hat"].grad == pytest.approx(-1.348, abs=TOL)


def test_half_sse_halves_every_gradient():
    L = article_graph("half_sse")
    L.backward()
    assert L.data == pytest.approx(0.454276 / 2, abs=TOL)
    _assert_close(parameter_grads(L), {k: np.asarray(v) / 2 for k, v in HAND_MSE.items()})


@pytest.mark.parametrize("loss", ["mse", "sse", "half_sse"])
def test_article_graph_matches_mlp_backward(loss):
    net = article_mlp()
    value, grads = net.gradients([0.9, 1.0], 2.0, loss=loss)
    L = article_graph(loss)
    L.backward()
    assert L.data == pytest.approx(value, abs=TOL)
    _assert_close(parameter_grads(L), grads)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("seed", range(8))
def test_random_networks_match_mlp_and_torch(seed, activation):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    net = MLP([2, 2, 1], activation, init="normal", rng=rng)
    net.params["b1"] = rng.normal(size=2)  # 'normal' starts biases at 0; make them matter
    x, y = rng.normal(size=2), float(rng.normal())
    L = article_graph(params=net.params, x=x, y=y, activation=activation)
    L.backward()
    got = parameter_grads(L)
    _assert_close(got, net.gradients(x, y)[1])

    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in net.params.items()}
    act = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[activation]
    a1 = act(t["W1"] @ torch.tensor(x) + t["b1"])
    loss = ((t["W2"] @ a1 + t["b2"] - y) ** 2).mean()
    loss.backward()
    assert L.data == pytest.approx(loss.item(), abs=TOL)
    _assert_close(got, {k: v.grad.numpy() for k, v in t.items()})


def test_dead_relu_gets_no_gradient():
    params = {"W1": [[-1.0, -1.0], [0.4, 0.5]], "b1": [0.0, 0.2], "W2": [0.5, 0.6], "b2": 0.4}
    L = article_graph(params=params)
    L.backward()
    grads = parameter_grads(L)
    assert by_label(L)["a1_1"].data == 0.0
    assert grads["W1"][0].tolist() == [0.0, 0.0] and grads["b1"][0] == 0.0
    assert grads["W2"][0, 0] == 0.0 and grads["W2"][0, 1] != 0.0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"loss": "l1"}, "loss must be one of"),
        ({"activation": "gelu"}, "activation must be one of"),
        ({"x": [1.0, 2.0, 3.0]}, "x must hold 2 inputs"),
        ({"y": [1.0, 2.0]}, "y must be one number"),
        ({"x": [np.nan, 1.0]}, "x must hold finite numbers"),
        ({"params": {"W1": 1}}, "params must be a dict with the keys"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        article_graph(**kwargs)


def test_parameter_grads_needs_an_article_graph():
    with pytest.raises(ValueError, match="no node"):
        parameter_grads(graph_example())
    with pytest.raises(TypeError, match="root must be a Value"):
        by_label(3.0)
