"""Property tests: Value, MLP's manual backward, PyTorch autograd and finite differences agree.

Relative error is max|a - n| / max(1e-8, |a| + |n|) (course_lib.gradcheck); in float64
all three methods agree below 1e-7.
"""

import numpy as np
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

from course_lib import Value
from course_lib.gradcheck import check_mlp, relative_error
from course_lib.init import SCHEMES
from course_lib.mlp import ACTIVATIONS, MLP
from course_lib.torch_bridge import torch_step

# Each op works on Values and on torch tensors alike, and stays in its domain.
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "rsub": lambda a, b: 1.5 - a * b,
}
UNARY = {
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "exp": lambda a: (a.tanh() * 2.0).exp(),
    "log": lambda a: (a * a + 1.0).log(),
    "square": lambda a: a**2,
    "scale": lambda a: 0.5 * a,
    "neg": lambda a: -a,
}


def five_point(g, h=1e-3):
    """g'(0) by the five-point stencil: truncation error ~h^4 (1e-12), rounding ~1e-13 |g|."""
    return (-g(2 * h) + 8 * g(h) - 8 * g(-h) + g(-2 * h)) / (12 * h)


def agrees_with_finite_differences(analytic, numeric, f_scale):
    """Entry by entry: relative error below 1e-7, or, where the true gradient is
    smaller than the stencil's own rounding noise (about 1e-13 |f|: an exactly-zero
    gradient, or terms that cancel), an absolute difference within that noise."""
    a = np.asarray(analytic, dtype=np.float64).ravel()
    n = np.asarray(numeric, dtype=np.float64).ravel()
    return all(
        relative_error(ai, ni) < 1e-7 or abs(ai - ni) < 1e-11 * max(1.0, f_scale)
        for ai, ni in zip(a, n, strict=True)
    )


expressions = st.tuples(
    st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=4),
    st.lists(
        st.tuples(
            st.sampled_from(sorted(BINARY) + sorted(UNARY)),
            st.integers(0, 100),
            st.integers(0, 100),
        ),
        min_size=1,
        max_size=12,
    ),
)


def evaluate(inputs, program):
    """Run ``program`` on ``inputs`` (Values or tensors); return the sum of all new nodes."""
    nodes = list(inputs)
    pre_relu = []
    for op, i, j in program:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        if op in BINARY:
            nodes.append(BINARY[op](a, b))
        else:
            if op == "relu":
                pre_relu.append(a)
            nodes.append(UNARY[op](a))
    out = nodes[len(inputs)]
    for node in nodes[len(inputs) + 1 :]:
        out = out + node
    return out, pre_relu


@given(expressions)
def test_value_agrees_with_torch_and_finite_differences(case):
    values, program = case
    leaves = [Value(v) for v in values]
    out, pre_relu = evaluate(leaves, program)
    # finite differences are meaningless across ReLU's kink
    assume(all(abs(p.data) > 1e-3 for p in pre_relu))
    out.backward()
    ours = np.array([v.grad for v in leaves])

    tensors = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    ref, _ = evaluate(tensors, program)
    ref.backward()
    theirs = np.array([0.0 if t.grad is None else t.grad.item() for t in tensors])
    assert abs(out.data - ref.item()) <= 1e-12 * max(1.0, abs(ref.item()))
    assert relative_error(ours, theirs) < 1e-7

    def f(vals):
        return evaluate([Value(v) for v in vals], program)[0].data

    numeric = []
    for k in range(len(values)):

        def along(t, k=k):
            moved = list(values)
            moved[k] += t
            return f(moved)

        numeric.append(five_point(along))
    assert agrees_with_finite_differences(ours, np.array(numeric), abs(out.data))


networks = st.fixed_dictionaries(
    {
        "sizes": st.lists(st.integers(1, 5), min_size=2, max_size=4),
        "batch": st.one_of(st.none(), st.integers(1, 6)),
        "activation": st.sampled_from(sorted(ACTIVATIONS)),
        "init": st.sampled_from([s for s in SCHEMES if s != "article"]),
        "loss": st.sampled_from(["mse", "sse", "half_sse"]),
        "seed": st.integers(0, 2**32 - 1),
    }
)


def build(case):
    rng = np.random.default_rng(case["seed"])
    net = MLP(case["sizes"], case["activation"], init=case["init"], rng=rng)
    for name in net.params:  # biases start at zero; give them values too
        if name.startswith("b") and case["init"] not in ("zeros", "constant"):
            net.params[name] += rng.normal(0, 0.5, net.params[name].shape)
    shape = (case["sizes"][0],) if case["batch"] is None else (case["batch"], case["sizes"][0])
    out_shape = (
        (case["sizes"][-1],) if case["batch"] is None else (case["batch"], case["sizes"][-1])
    )
    return net, rng.normal(0, 1, shape), rng.normal(0, 1, out_shape)


@given(networks)
def test_manual_backprop_agrees_with_torch(case):
    net, x, y = build(case)
    loss, grads = net.gradients(x, y, case["loss"])
    ref = torch_step(net, x, y, lr=0.1, loss=case["loss"])
    assert abs(loss - ref["loss"]) <= 1e-12 * max(1.0, ref["loss"])
    assert relative_error(grads, ref["grads"]) < 1e-7
    # and the step itself: the updated parameters
    net.step(grads, 0.1)
    for name, p in net.params.items():
        np.testing.assert_allclose(p, ref["updated"][name], rtol=1e-12, atol=1e-12)


@given(networks)
def test_manual_backprop_agrees_with_finite_differences(case):
    net, x, y = build(case)
    cache = net.forward(x)[1]
    if case["activation"] == "relu":  # away from the kink, where the derivative exists
        hidden = [cache[f"z{i}"] for i in range(1, net.n_layers)]
        assume(all(np.all(np.abs(z) > 1e-2) for z in hidden))
    loss, grads = net.gradients(x, y, case["loss"])
    for name, p in net.params.items():
        numeric = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]

            def along(t, p=p, idx=idx, old=old):
                p[idx] = old + t
                return net.loss(x, y, case["loss"])

            numeric[idx] = five_point(along)
            p[idx] = old
        assert agrees_with_finite_differences(grads[name], numeric, loss), name


def test_gradcheck_central_differences_on_the_article():
    """The library's own 2-point checker: well below 1e-7 on the article's network."""
    from course_lib.article import ARTICLE, article_mlp

    assert check_mlp(article_mlp(), ARTICLE.x, ARTICLE.y) < 1e-8
