"""What a part may not use and what it must use: one source for the grader and ``check()``.

A ``Rule`` belongs to one part of one exercise:

- ``hide``: names of the notebook that do not exist for this part (the given
  ``manual_backward`` in the PyTorch exercise), and ``block``: modules it cannot import
  (``course_lib`` and ``torch`` where the chain rule is applied by hand). The grader runs the
  part in a worker of its own where these are gone, however the code would reach them;
  ``check()`` watches for their use while it calls your function.
- ``require``: the tool whose results the part must return. Not a word in the code: while
  the function runs, the tool records what it computed (``Value.backward`` the gradients of
  the graph, ``torch.autograd`` the leaves' gradients, ``torch.optim.SGD`` the parameters
  after each step), and the returned numbers must be among them. Dead code such as
  ``Value(0).backward()`` records nothing useful, so it does not count.

>>> rule_for("ex04_chain_rule", "by_hand").block
('course_lib', 'micrograd', 'torch')
>>> rule_for("ex01_forward_pass", "relu")
Rule(hide=(), block=(), require=(), keys=None, why='')
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

__all__ = ["Rule", "RULES", "rule_for", "Recorder", "verify", "prepare", "TRACERS"]


@dataclass(frozen=True)
class Rule:
    hide: tuple[str, ...] = ()
    block: tuple[str, ...] = ()
    require: tuple[str, ...] = ()
    keys: tuple[str, ...] | None = None  # which returned entries ``require`` applies to
    why: str = ""

    @property
    def isolated(self) -> bool:
        """Whether the part needs a worker of its own (something must not exist for it)."""
        return bool(self.hide or self.block)


_MANUAL = ("manual_backward", "manual_forward", "manual_mse_loss")
_GRADS = ("W1", "b1", "W2", "b2")

RULES: dict[tuple[str, str], Rule] = {
    ("ex04_chain_rule", "by_hand"): Rule(
        hide=("Value",),
        block=("course_lib", "micrograd", "torch"),
        why="grads_by_hand applies the chain rule itself: Value, micrograd and torch are not "
        "available to it",
    ),
    ("ex04_chain_rule", "with_value"): Rule(
        require=("Value.backward",),
        keys=("a", "b", "c", "d"),
        why="grads_with_value must return the gradients that Value's backward() computed",
    ),
    ("ex05_pytorch_equivalence", "torch_gradients"): Rule(
        hide=_MANUAL,
        require=("torch.autograd",),
        keys=_GRADS,
        why="torch_gradients must return the gradients that PyTorch's autograd computed "
        "(loss.backward() or torch.autograd.grad), without the given manual_* functions",
    ),
    ("ex05_pytorch_equivalence", "torch_sgd_step"): Rule(
        hide=_MANUAL,
        require=("torch.optim.SGD",),
        keys=_GRADS,
        why="torch_sgd_step must return the parameters as torch.optim.SGD's step() left them, "
        "without the given manual_* functions",
    ),
}


def rule_for(assignment: str, grade_id: str) -> Rule:
    """The rule of one part (an empty Rule when the part has none)."""
    return RULES.get((assignment, grade_id), Rule())


# --- tracers: record what a tool computed while a learner's function runs ---

MAX_NUMBERS = 200_000
_active: list[Recorder] = []


def _flat(values) -> list[float]:
    return [float(v) for v in values]


def _value_graph(root) -> list:
    seen, stack, nodes = set(), [root], []
    while stack and len(nodes) < 10_000:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        stack.extend(getattr(node, "parents", ()) or ())
    return nodes


def _torch_leaves(tensors) -> list:
    seen, stack, leaves = set(), [], []
    for t in tensors:
        if getattr(t, "grad_fn", None) is not None:
            stack.append(t.grad_fn)
        elif getattr(t, "requires_grad", False):
            leaves.append(t)
    while stack and len(seen) < 10_000:
        fn = stack.pop()
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        variable = getattr(fn, "variable", None)
        if variable is not None:
            leaves.append(variable)
        stack.extend(f for f, _ in getattr(fn, "next_functions", ()))
    return leaves


def _record(kind: str, numbers: list[float]) -> None:
    for recorder in _active:
        recorder.add(kind, numbers)


def _patch_value(module):
    original = module.Value.backward

    def backward(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        if _active:
            for node in _value_graph(self):
                _record("grads", [node.grad])
        return result

    backward.__doc__ = original.__doc__
    module.Value.backward = backward


def _patch_autograd(torch):
    original_backward, original_grad = torch.autograd.backward, torch.autograd.grad

    def backward(tensors, *args, **kwargs):
        result = original_backward(tensors, *args, **kwargs)
        if _active:
            many = tensors if isinstance(tensors, (list, tuple)) else [tensors]
            for leaf in _torch_leaves(many):
                if leaf.grad is not None:
                    _record("grads", _flat(leaf.grad.detach().reshape(-1).tolist()))
        return result

    def grad(*args, **kwargs):
        result = original_grad(*args, **kwargs)
        if _active:
            for g in result:
                if g is not None:
                    _record("grads", _flat(g.detach().reshape(-1).tolist()))
        return result

    torch.autograd.backward, torch.autograd.grad = backward, grad


def _patch_sgd(torch):
    sgd = torch.optim.SGD
    original = sgd.step

    def step(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        if _active:
            for group in self.param_groups:
                for p in group["params"]:
                    _record("params", _flat(p.detach().reshape(-1).tolist()))
        return result

    step.__doc__ = original.__doc__
    sgd.step = step


# tracer name -> (module that must be loaded, patch, evidence kind)
TRACERS = {
    "Value.backward": ("course_lib.value", _patch_value, "grads"),
    "torch.autograd": ("torch", _patch_autograd, "grads"),
    "torch.optim.SGD": ("torch", _patch_sgd, "params"),
}
_patched: set[str] = set()


def _ensure_patched(name: str) -> bool:
    module_name, patch, _ = TRACERS[name]
    if name in _patched:
        return True
    module = sys.modules.get(module_name)
    if module is None:
        return False
    patch(module)
    _patched.add(name)
    return True


def prepare(preloaded) -> None:
    """Patch the tracers of already-imported modules (the zygote calls this after preloading)."""
    for name, (module_name, _, _) in TRACERS.items():
        if module_name in preloaded:
            _ensure_patched(name)


class Recorder:
    """``with Recorder(["torch.autograd"]) as r: ...`` then ``r.evidence()``."""

    def __init__(self, require=()):
        self.require = [r for r in require if r in TRACERS]
        self.found: dict[str, list[list[float]]] = {"grads": [], "params": []}
        self.count = 0

    def add(self, kind: str, numbers: list[float]) -> None:
        if self.count + len(numbers) <= MAX_NUMBERS:
            self.found[kind].append(numbers)
            self.count += len(numbers)

    def __enter__(self):
        if self.require:
            for name in self.require:
                _ensure_patched(name)
            _active.append(self)
        return self

    def __exit__(self, *exc):
        if self in _active:
            _active.remove(self)
        for name in self.require:  # a module imported during the call: patch it for next time
            _ensure_patched(name)
        return False

    def evidence(self) -> dict:
        return {kind: list(lists) for kind, lists in self.found.items()}


def _leaves(value, keys):
    if type(value) is not dict:
        return None
    chosen = keys if keys is not None else sorted(value)
    out = []
    for key in chosen:
        item = value.get(key)
        flat = getattr(item, "ravel", None)
        if flat is not None and getattr(item, "dtype", None) is not None:
            numbers = [float(v) for v in item.ravel().tolist()]
        elif type(item) in (int, float) or hasattr(item, "item"):
            try:
                numbers = [float(item)]
            except (TypeError, ValueError):
                return None
        else:
            return None
        out.append((key, numbers))
    return out


def _close(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(
        math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12) for x, y in zip(a, b, strict=True)
    )


def verify(rule: Rule, value, evidence) -> str | None:
    """None when every returned entry ``rule.keys`` is among what the required tool computed;
    otherwise the reason, for the learner."""
    if not rule.require:
        return None
    if type(evidence) is not dict:
        return rule.why
    pools = []
    for name in rule.require:
        kind = TRACERS[name][2]
        pool = evidence.get(kind)
        if type(pool) is list:
            pools += [p for p in pool if type(p) is list and all(type(v) is float for v in p)]
    leaves = _leaves(value, rule.keys)
    if leaves is None:
        return None  # the value's shape is wrong: the hidden test explains that better
    if not pools:
        return f"{rule.why}; it did not run while the function was called"
    missing = [key for key, numbers in leaves if not any(_close(numbers, p) for p in pools)]
    if missing:
        return f"{rule.why}; {', '.join(repr(k) for k in missing)} did not come from it"
    return None
