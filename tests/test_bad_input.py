"""Bad input: every error names the argument and says what was expected."""

import math

import numpy as np
import pytest

from course_lib import Value
from course_lib.article import ARTICLE, article_mlp, article_params
from course_lib.gradcheck import numerical_gradients, relative_error
from course_lib.init import initialise
from course_lib.losses import get_loss, mse
from course_lib.mlp import MLP


def _net():
    return article_mlp()


def _grads():
    return _net().gradients(ARTICLE.x, ARTICLE.y)[1]


def _params(**changes):
    p = article_params()
    p.update(changes)
    return p


rng = np.random.default_rng(0)

CASES = [
    # (description, call, exception type, words the message must contain)
    ("x with 3 inputs", lambda: _net().forward([1.0, 2.0, 3.0]), ValueError, ["x", "2 inputs"]),
    ("x 3-D", lambda: _net().forward(np.zeros((1, 1, 2))), ValueError, ["x", "1-D or 2-D"]),
    ("x with NaN", lambda: _net().forward([math.nan, 1.0]), ValueError, ["x", "finite"]),
    ("x with inf", lambda: _net().forward([math.inf, 1.0]), ValueError, ["x", "finite"]),
    ("x as text", lambda: _net().forward("0.9, 1.0"), TypeError, ["x", "numbers"]),
    ("x of objects", lambda: _net().forward([object(), 1.0]), TypeError, ["x", "numbers"]),
    ("y wrong shape", lambda: _net().train([[1, 2]], [1, 2, 3]), ValueError, ["y", "shape"]),
    ("y with NaN", lambda: _net().train(ARTICLE.x, math.nan), ValueError, ["y", "finite"]),
    (
        "W1 wrong shape",
        lambda: MLP([2, 2, 1], params=_params(W1=np.zeros((3, 2)))),
        ValueError,
        ["params['W1']", "(2, 2)"],
    ),
    (
        "W2 with inf",
        lambda: MLP([2, 2, 1], params=_params(W2=[[np.inf, 0.0]])),
        ValueError,
        ["params['W2']", "finite"],
    ),
    (
        "missing b2",
        lambda: MLP([2, 2, 1], params={k: v for k, v in article_params().items() if k != "b2"}),
        ValueError,
        ["params", "b2"],
    ),
    ("params not a dict", lambda: MLP([2, 2, 1], params=[1, 2]), TypeError, ["params", "dict"]),
    (
        "unknown activation",
        lambda: MLP([2, 2, 1], "softplus"),
        ValueError,
        ["activation", "'relu'"],
    ),
    ("one layer", lambda: MLP([2]), ValueError, ["sizes", "at least"]),
    ("zero-width layer", lambda: MLP([2, 0, 1]), ValueError, ["sizes[1]", ">= 1"]),
    ("sizes as text", lambda: MLP("221"), TypeError, ["sizes", "list"]),
    (
        "unknown initialiser",
        lambda: initialise("glorot", [2, 2, 1], rng),
        ValueError,
        ["scheme", "'xavier_uniform'"],
    ),
    (
        "random init without rng",
        lambda: initialise("he_normal", [2, 2, 1], None),
        TypeError,
        ["rng", "Generator"],
    ),
    (
        "article init, wrong sizes",
        lambda: initialise("article", [3, 2, 1]),
        ValueError,
        ["article", "[2, 2, 1]"],
    ),
    (
        "uniform low >= high",
        lambda: initialise("uniform", [2, 1], rng, low=1, high=0),
        ValueError,
        ["low", "high"],
    ),
    ("unknown loss", lambda: get_loss("mae"), ValueError, ["loss", "'mse'"]),
    (
        "unknown loss in train",
        lambda: _net().train(ARTICLE.x, ARTICLE.y, loss="l1"),
        ValueError,
        ["loss", "'half_sse'"],
    ),
    ("loss shapes differ", lambda: mse([1.0, 2.0], [1.0, 2.0, 3.0]), ValueError, ["y", "shape"]),
    (
        "negative lr",
        lambda: _net().train(ARTICLE.x, ARTICLE.y, lr=-0.1),
        ValueError,
        ["lr", "positive"],
    ),
    ("zero lr", lambda: _net().step(_grads(), 0.0), ValueError, ["lr", "positive"]),
    (
        "NaN lr",
        lambda: _net().train(ARTICLE.x, ARTICLE.y, lr=math.nan),
        ValueError,
        ["lr", "finite"],
    ),
    (
        "inf lr",
        lambda: _net().train(ARTICLE.x, ARTICLE.y, lr=math.inf),
        ValueError,
        ["lr", "finite"],
    ),
    (
        "lr as text",
        lambda: _net().train(ARTICLE.x, ARTICLE.y, lr="0.1"),
        TypeError,
        ["lr", "number"],
    ),
    (
        "negative epochs",
        lambda: _net().train(ARTICLE.x, ARTICLE.y, epochs=-1),
        ValueError,
        ["epochs", ">= 0"],
    ),
    (
        "fractional epochs",
        lambda: _net().train(ARTICLE.x, ARTICLE.y, epochs=2.5),
        TypeError,
        ["epochs", "integer"],
    ),
    ("grads with wrong keys", lambda: _net().step({"W1": 0}, 0.1), ValueError, ["grads", "keys"]),
    (
        "grad with NaN",
        lambda: _net().step(dict(_grads(), b2=np.array([np.nan])), 0.1),
        ValueError,
        ["grads['b2']", "finite"],
    ),
    (
        "dy_hat wrong shape",
        lambda: _net().backward(_net().forward(ARTICLE.x)[1], [1.0, 2.0]),
        ValueError,
        ["dy_hat", "shape"],
    ),
    (
        "cache not from forward",
        lambda: _net().backward({}, [1.0]),
        TypeError,
        ["cache", "forward()"],
    ),
    ("Value + str", lambda: Value(1.0) + "2", TypeError, ["+", "real number", "str"]),
    ("Value * list", lambda: Value(1.0) * [2], TypeError, ["*", "real number", "list"]),
    ("str - Value", lambda: "2" - Value(1.0), TypeError, ["-", "real number"]),
    ("Value from None", lambda: Value(None), TypeError, ["data", "real number", "NoneType"]),
    ("Value ** Value", lambda: Value(2.0) ** Value(2.0), TypeError, ["exponent", "constant"]),
    ("Value / 0", lambda: Value(1.0) / 0, ZeroDivisionError, ["division", "0"]),
    ("log of a negative", lambda: Value(-1.0).log(), ValueError, ["log", "> 0"]),
    (
        "negative base, fractional power",
        lambda: Value(-4.0) ** 0.5,
        ValueError,
        ["negative base", "integer exponent"],
    ),
    ("gradcheck f not callable", lambda: numerical_gradients(3, {}), TypeError, ["f", "function"]),
    (
        "gradcheck float32 params",
        lambda: numerical_gradients(lambda: 0.0, {"w": np.zeros(2, np.float32)}),
        TypeError,
        ["params['w']", "float64"],
    ),
    (
        "relative_error shapes",
        lambda: relative_error(np.zeros(2), np.zeros(3)),
        ValueError,
        ["analytic", "shape"],
    ),
    ("relative_error keys", lambda: relative_error({"a": 1}, {"b": 1}), ValueError, ["same keys"]),
]


@pytest.mark.parametrize("call,exc,words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_names_the_argument(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def test_torch_bridge_rejects_unknown_dtype_and_loss():
    from course_lib.torch_bridge import torch_step

    with pytest.raises(ValueError, match="dtype"):
        torch_step(_net(), ARTICLE.x, ARTICLE.y, dtype="float16")
    with pytest.raises(ValueError, match="loss"):
        torch_step(_net(), ARTICLE.x, ARTICLE.y, loss="huber")
