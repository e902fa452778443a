"""The same network and the same step in PyTorch, for side-by-side comparison.

torch is imported here, inside the functions, so ``import course_lib`` stays fast.

>>> from course_lib.article import article_mlp, ARTICLE
>>> out = torch_step(article_mlp(), ARTICLE.x, ARTICLE.y, lr=ARTICLE.lr)
>>> round(out["prediction"], 6), round(out["next_prediction"], 6)
(1.326, 1.935951)
"""

from __future__ import annotations

import numpy as np

from course_lib._validate import choice, positive_number
from course_lib.losses import LOSSES

__all__ = ["to_torch", "torch_step", "torch_loss"]

DTYPES = ("float64", "float32")


def _torch_dtype(dtype: str):
    import torch

    return {"float64": torch.float64, "float32": torch.float32}[choice("dtype", dtype, DTYPES)]


def to_torch(net, dtype: str = "float64"):
    """An ``nn.Sequential`` of Linear layers (and the hidden activation) with ``net``'s weights."""
    import torch
    from torch import nn

    tdtype = _torch_dtype(dtype)
    act = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "linear": nn.Identity}[
        net.activation
    ]
    layers = []
    for i, (n_in, n_out) in enumerate(zip(net.sizes[:-1], net.sizes[1:], strict=True), start=1):
        linear = nn.Linear(n_in, n_out, dtype=tdtype)
        with torch.no_grad():
            linear.weight.copy_(torch.as_tensor(net.params[f"W{i}"], dtype=tdtype))
            linear.bias.copy_(torch.as_tensor(net.params[f"b{i}"], dtype=tdtype))
        layers.append(linear)
        if i < net.n_layers:
            layers.append(act())
    return nn.Sequential(*layers)


def torch_loss(name: str):
    """The torch loss matching course_lib's loss ``name``."""
    from torch import nn

    choice("loss", name, tuple(LOSSES))
    if name == "mse":
        return nn.MSELoss()
    if name == "sse":
        return nn.MSELoss(reduction="sum")
    sum_loss = nn.MSELoss(reduction="sum")
    return lambda y_hat, y: 0.5 * sum_loss(y_hat, y)


def _named(model, net, which: str) -> dict[str, np.ndarray]:
    linears = [m for m in model if hasattr(m, "weight")]
    out = {}
    for i, layer in enumerate(linears, start=1):
        for short, tensor in (("W", layer.weight), ("b", layer.bias)):
            t = tensor.grad if which == "grad" else tensor
            out[f"{short}{i}"] = t.detach().to(dtype=_torch_dtype("float64")).numpy().copy()
    return {k: out[k] for k in net.params}


def torch_step(net, x, y, *, lr: float = 0.1, loss: str = "mse", dtype: str = "float64") -> dict:
    """One SGD step in PyTorch (nn.Module, the loss, optim.SGD) from ``net``'s weights.

    ``net`` itself is not changed. Returns ``prediction`` and ``loss`` before
    the step, ``grads`` and ``updated`` parameters under course_lib's names
    (float64 numpy arrays), and ``next_prediction``. For a single sample the
    predictions are floats when there is one output.
    """
    import torch

    lr = positive_number("lr", lr)
    x = net._check_x(x)
    y = net._targets(y, x)
    tdtype = _torch_dtype(dtype)
    model = to_torch(net, dtype)
    loss_fn = torch_loss(loss)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    xt = torch.as_tensor(x, dtype=tdtype)
    yt = torch.as_tensor(y, dtype=tdtype)

    opt.zero_grad()
    y_hat = model(xt)
    value = loss_fn(y_hat, yt)
    value.backward()
    grads = _named(model, net, "grad")
    opt.step()
    with torch.no_grad():
        y_next = model(xt)

    def plain(t):
        arr = t.detach().to(torch.float64).numpy()
        return float(arr[0]) if arr.shape == (1,) else arr.copy()

    return {
        "prediction": plain(y_hat),
        "loss": float(value.detach().to(torch.float64)),
        "grads": grads,
        "updated": _named(model, net, "param"),
        "next_prediction": plain(y_next),
    }
