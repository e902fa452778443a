"""What a part may not use and what it must use: one source for the grader and ``check()``.

A ``Rule`` belongs to one part of one exercise:

- ``hide``: names of the notebook that do not exist for this part (the given
  ``manual_backward`` in the PyTorch exercise), and ``block``: modules it cannot import
  (``course_lib`` and ``torch`` where the chain rule is applied by hand). The grader runs the
  part in a worker of its own where these are gone, however the code would reach them;
  ``check()`` watches for their use while it calls your function.
- ``require``: the tool whose results the part must return. Not a word in the code: while
  the function runs, the tool records what it computed, as pairs (a leaf's value and its
  gradient for ``Value.backward`` and ``torch.autograd``; a parameter before and after the
  step for ``torch.optim.SGD``), and each returned entry must be the result for the input it
  belongs to (``leaf``: ``a`` for ``grads_with_value(a, ...)``, ``params["W1"]`` for
  ``torch_gradients``). Dead code such as ``Value(0).backward()``, or hand-made numbers
  passed through a Value, records no such pair, so it does not count.

>>> rule_for("ex04_chain_rule", "by_hand").block
('course_lib', 'micrograd', 'torch')
>>> rule_for("ex01_forward_pass", "relu").require
()
"""

from __future__ import annotations

import importlib.abc
import math
import sys
from dataclasses import dataclass

__all__ = ["Rule", "RULES", "rule_for", "Recorder", "verify", "prepare", "TRACERS", "is_blocked",
           "block", "unblock", "Blocker"]  # fmt: skip


def is_blocked(module: str, blocked, allowed=()) -> bool:
    """Whether ``module`` is one of ``blocked`` or inside one, and not exactly in ``allowed``."""
    if module in allowed:
        return False
    return any(module == b or module.startswith(b + ".") for b in blocked)


class Blocker(importlib.abc.MetaPathFinder):
    """Refuses to import blocked modules (and their submodules)."""

    def __init__(self, blocked, allowed, why: str):
        self.blocked, self.allowed, self.why = tuple(blocked), tuple(allowed), why

    def find_spec(self, fullname, path=None, target=None):
        if is_blocked(fullname, self.blocked, self.allowed):
            raise ModuleNotFoundError(f"importing {fullname!r} is not allowed {self.why}")
        return None


def block(blocked, allowed=(), why="in this exercise: the grader checks your own code", keep=()):
    """Unload ``blocked`` modules (but those inside ``keep``) and refuse to import them again;
    returns what was unloaded (``unblock`` puts it back: ``check()`` blocks only while it
    calls your function)."""
    unloaded = {}
    for name in sorted(sys.modules, reverse=True):
        if is_blocked(name, blocked, allowed) and not is_blocked(name, keep):
            module = unloaded[name] = sys.modules.pop(name)
            parent, _, child = name.rpartition(".")
            if parent in sys.modules and getattr(sys.modules[parent], child, None) is module:
                delattr(sys.modules[parent], child)
    blocker = Blocker(blocked, allowed, why)
    sys.meta_path.insert(0, blocker)
    unloaded["__blocker__"] = blocker
    return unloaded


def unblock(unloaded: dict) -> None:
    blocker = unloaded.pop("__blocker__", None)
    if blocker in sys.meta_path:
        sys.meta_path.remove(blocker)
    for name in sorted(unloaded):
        sys.modules[name] = unloaded[name]
        parent, _, child = name.rpartition(".")
        if parent in sys.modules:
            setattr(sys.modules[parent], child, unloaded[name])


def _entry(position: int):
    """The input a returned entry belongs to: entry ``key`` of the dict argument at
    ``position`` (``params[key]``)."""
    return lambda args, key: args[position][key]


@dataclass(frozen=True)
class Rule:
    hide: tuple[str, ...] = ()
    block: tuple[str, ...] = ()
    require: tuple[str, ...] = ()
    keys: tuple[str, ...] | None = None  # which returned entries ``require`` applies to
    why: str = ""
    leaf: object = None  # (args, key) -> the input whose gradient (or update) entry key is
    root: str | None = None  # the returned entry that is the graph's output value

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
        leaf=lambda args, key: args["abcd".index(key)],
        root="f",
        why="grads_with_value must return the .grad of the Values holding a, b, c and d, as "
        "Value's backward() computed them",
    ),
    ("ex05_pytorch_equivalence", "torch_gradients"): Rule(
        hide=_MANUAL,
        require=("torch.autograd",),
        keys=_GRADS,
        leaf=_entry(2),
        why="torch_gradients must return the gradients that PyTorch's autograd computed for "
        "tensors holding the parameters (loss.backward() or torch.autograd.grad), without the "
        "given manual_* functions",
    ),
    ("ex05_pytorch_equivalence", "torch_sgd_step"): Rule(
        hide=_MANUAL,
        require=("torch.optim.SGD",),
        keys=_GRADS,
        leaf=_entry(2),
        why="torch_sgd_step must return the parameters as torch.optim.SGD's step() left them, "
        "without the given manual_* functions",
    ),
}


def rule_for(assignment: str, grade_id: str) -> Rule:
    """The rule of one part (an empty Rule when the part has none)."""
    return RULES.get((assignment, grade_id), Rule())


# --- tracers: record what a tool computed while a learner's function runs ---
# Evidence is one group per call of the tool: [root, pairs], where pairs are [input, result]:
# a leaf's data and its gradient (Value, autograd; root: the output's value), or a parameter
# before and after an optimiser step (SGD; no root); each a flat list of floats.

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


def _record(root: list[float], pairs: list) -> None:
    for recorder in _active:
        recorder.add(root, pairs)


def _tensor(t) -> list[float]:
    return _flat(t.detach().reshape(-1).tolist())


def _patch_value(module):
    original = module.Value.backward

    def backward(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        if _active:
            leaves = [n for n in _value_graph(self) if not getattr(n, "parents", ())]
            _record([float(self.data)], [[[float(n.data)], [float(n.grad)]] for n in leaves])
        return result

    backward.__doc__ = original.__doc__
    module.Value.backward = backward


def _patch_autograd(torch):
    original_backward, original_grad = torch.autograd.backward, torch.autograd.grad

    def backward(tensors, *args, **kwargs):
        result = original_backward(tensors, *args, **kwargs)
        if _active:
            many = tensors if isinstance(tensors, (list, tuple)) else [tensors]
            leaves = [t for t in _torch_leaves(many) if t.grad is not None]
            _record([], [[_tensor(t), _tensor(t.grad)] for t in leaves])
        return result

    def grad(outputs, inputs, *args, **kwargs):
        result = original_grad(outputs, inputs, *args, **kwargs)
        if _active:
            many = inputs if isinstance(inputs, (list, tuple)) else [inputs]
            pairs = zip(many, result, strict=False)
            _record([], [[_tensor(t), _tensor(g)] for t, g in pairs if g is not None])
        return result

    torch.autograd.backward, torch.autograd.grad = backward, grad


def _patch_sgd(torch):
    sgd = torch.optim.SGD
    original = sgd.step

    def step(self, *args, **kwargs):
        params = [p for group in self.param_groups for p in group["params"]]
        before = [_tensor(p) for p in params] if _active else []
        result = original(self, *args, **kwargs)
        if before:
            _record([], [[old, _tensor(p)] for p, old in zip(params, before, strict=False)])
        return result

    step.__doc__ = original.__doc__
    sgd.step = step


# tracer name -> the module that must be loaded, and its patch
TRACERS = {
    "Value.backward": ("course_lib.value", _patch_value),
    "torch.autograd": ("torch", _patch_autograd),
    "torch.optim.SGD": ("torch", _patch_sgd),
}
_patched: set[str] = set()


def _ensure_patched(name: str) -> bool:
    module_name, patch = TRACERS[name]
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
    for name, (module_name, _) in TRACERS.items():
        if module_name in preloaded:
            _ensure_patched(name)


class Recorder:
    """``with Recorder(["torch.autograd"]) as r: ...`` then ``r.evidence()``."""

    def __init__(self, require=()):
        self.require = [r for r in require if r in TRACERS]
        self.groups: list = []
        self.count = 0

    def add(self, root: list[float], pairs: list) -> None:
        size = len(root) + sum(len(a) + len(b) for a, b in pairs)
        if self.count + size <= MAX_NUMBERS:
            self.groups.append([root, pairs])
            self.count += size

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

    def evidence(self) -> list:
        return [[root, [list(p) for p in pairs]] for root, pairs in self.groups]


def _numbers(item) -> list[float] | None:
    if getattr(item, "dtype", None) is not None and hasattr(item, "ravel"):
        return [float(v) for v in item.ravel().tolist()]
    if type(item) in (int, float) or hasattr(item, "item"):
        try:
            return [float(item)]
        except (TypeError, ValueError):
            return None
    return None


def _close(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(
        math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12) for x, y in zip(a, b, strict=True)
    )


def _floats(side) -> bool:
    return type(side) is list and all(type(v) is float for v in side)


def _groups(evidence) -> list:
    """The well-formed groups of untrusted evidence (it crossed from the worker as JSON)."""
    out = []
    for group in evidence if type(evidence) is list else []:
        if type(group) is list and len(group) == 2 and _floats(group[0]):
            pairs = group[1] if type(group[1]) is list else []
            pairs = [p for p in pairs if type(p) is list and len(p) == 2 and all(map(_floats, p))]
            out.append((group[0], pairs))
    return out


def verify(rule: Rule, value, evidence, args=()) -> str | None:
    """None when one call of the required tool computed every returned entry ``rule.keys``
    for the input it belongs to (``rule.leaf``), and the output ``rule.root``; otherwise the
    reason, for the learner."""
    if not rule.require or type(value) is not dict:
        return None  # a value of the wrong shape: the hidden test explains that better
    groups = _groups(evidence)
    if not groups:
        return f"{rule.why}; it did not run while the function was called"
    wanted = []
    for key in rule.keys or sorted(value):
        got = _numbers(value.get(key))
        if got is None:
            return None
        try:
            leaf = _numbers(rule.leaf(args, key)) if rule.leaf else None
        except (IndexError, KeyError, TypeError):
            leaf = None
        wanted.append((key, got, leaf))
    root = _numbers(value.get(rule.root)) if rule.root else None

    def missing(group) -> list[str]:
        out, pairs = [], group[1]
        if rule.root and (root is None or not _close(root, group[0])):
            out.append(rule.root)
        for key, got, leaf in wanted:
            if not any(_close(got, b) and (leaf is None or _close(leaf, a)) for a, b in pairs):
                out.append(key)
        return out

    best = min((missing(g) for g in groups), key=len)
    if best:
        return f"{rule.why}; {', '.join(repr(k) for k in best)} did not come from it"
    return None
