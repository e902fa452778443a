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
import types
from dataclasses import dataclass

try:  # the grader's process and check(): the learner's language
    from course_lib.grading.language import N_, translator
except ImportError:  # the sandbox holds only the worker's own files: it speaks English

    def translator(domain):
        return lambda message, **values: message.format(**values) if values else message

    def N_(message):  # noqa: N802 - the gettext convention
        return message


_ = translator("grading")

__all__ = ["Rule", "RULES", "rule_for", "Recorder", "verify", "prepare", "TRACERS", "is_blocked",
           "block", "shadowed", "Blocker"]  # fmt: skip


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
            raise ModuleNotFoundError(
                _("importing {module} is not allowed {why}", module=repr(fullname), why=_(self.why))
            )
        return None


EXERCISE_WHY = N_("in this exercise: the grader checks your own code")


def block(blocked, allowed=(), why=EXERCISE_WHY) -> None:
    """Unload ``blocked`` modules and refuse to import them again (in a worker, for good)."""
    for name in sorted(sys.modules, reverse=True):
        if is_blocked(name, blocked, allowed):
            module = sys.modules.pop(name)
            parent, _, child = name.rpartition(".")
            if parent in sys.modules and getattr(sys.modules[parent], child, None) is module:
                delattr(sys.modules[parent], child)
    sys.meta_path.insert(0, Blocker(blocked, allowed, why))


class _Absent(types.ModuleType):
    """Stands in for a blocked module in ``sys.modules`` while ``check()`` calls a function."""

    def __init__(self, name: str, why: str):
        super().__init__(name)
        self.__dict__["_why"] = why

    def __getattr__(self, attribute):
        raise ImportError(
            _("{name} is not available in this part: {why}", name=self.__name__, why=_(self._why))
        )


class shadowed:  # noqa: N801 - a context manager, named like one
    """``with shadowed(blocked, why, keep):`` blocked modules (but those in ``keep``) are absent:
    ``import`` fails and what was loaded answers ImportError; everything is put back after,
    untouched (the learner's kernel goes on with its torch and course_lib as they were)."""

    def __init__(self, blocked, why: str, keep=()):
        self.blocked, self.why, self.keep = tuple(blocked), why, tuple(keep)

    def __enter__(self):
        self.saved = {
            name: module
            for name, module in list(sys.modules.items())
            if is_blocked(name, self.blocked) and not is_blocked(name, self.keep)
        }
        for name in self.saved:
            sys.modules[name] = _Absent(name, self.why)
        self.blocker = Blocker(self.blocked, self.keep, _("in this part: {why}", why=_(self.why)))
        sys.meta_path.insert(0, self.blocker)
        return self

    def __exit__(self, *exc):
        if self.blocker in sys.meta_path:
            sys.meta_path.remove(self.blocker)
        sys.modules.update(self.saved)
        return False


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


def _torch_rule(tool: str, why: str) -> Rule:
    """An ex05 part: the given manual_* functions are gone, ``params[key]`` must come out of
    ``tool`` for each returned W1, b1, W2, b2."""
    return Rule(hide=_MANUAL, require=(tool,), keys=_GRADS, leaf=_entry(2), why=why)


RULES: dict[tuple[str, str], Rule] = {
    ("ex04_chain_rule", "by_hand"): Rule(
        hide=("Value",),
        block=("course_lib", "micrograd", "torch"),
        why=N_(
            "grads_by_hand applies the chain rule itself: Value, micrograd and torch are not "
            "available to it"
        ),
    ),
    ("ex04_chain_rule", "with_value"): Rule(
        require=("Value.backward",),
        keys=("a", "b", "c", "d"),
        leaf=lambda args, key: args["abcd".index(key)],
        root="f",
        why=N_(
            "grads_with_value must return the .grad of the Values holding a, b, c and d, as "
            "Value's backward() computed them"
        ),
    ),
    ("ex05_pytorch_equivalence", "torch_gradients"): _torch_rule(
        "torch.autograd",
        N_(
            "torch_gradients must return the gradients that PyTorch's autograd computed for "
            "tensors holding the parameters (loss.backward() or torch.autograd.grad), without "
            "the given manual_* functions"
        ),
    ),
    ("ex05_pytorch_equivalence", "torch_sgd_step"): _torch_rule(
        "torch.optim.SGD",
        N_(
            "torch_sgd_step must return the parameters as torch.optim.SGD's step() left them, "
            "without the given manual_* functions"
        ),
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


def _record(root: list[float], pairs: list, graph=None) -> None:
    for recorder in _active:
        recorder.add(root, pairs, graph)


MAX_NODES = 5_000


def _graph_of(root) -> tuple[list, list | None]:
    """The graph's nodes, parents first, and the same as ``[op, [parent indices], data]`` rows
    (None when it has more than MAX_NODES nodes)."""
    order, index, stack = [], {}, [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in index:
            continue
        if done:
            index[id(node)] = len(order)
            order.append(node)
            if len(order) > MAX_NODES:
                return order, None
            continue
        stack.append((node, True))
        stack.extend((p, False) for p in (getattr(node, "parents", ()) or ()) if id(p) not in index)
    rows = [
        [str(n.op)[:12], [index[id(p)] for p in (n.parents or ())], float(n.data)] for n in order
    ]
    return order, rows


def _tensor(t) -> list[float]:
    return _flat(t.detach().reshape(-1).tolist())


def _patch_value(module):
    original = module.Value.backward

    def backward(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        if _active:
            nodes, rows = _graph_of(self)
            leaves = [n for n in nodes if not getattr(n, "parents", ())]
            pairs = [[[float(n.data)], [float(n.grad)]] for n in leaves]
            _record([float(self.data)], pairs, rows)
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

    def add(self, root: list[float], pairs: list, graph=None) -> None:
        size = len(root) + sum(len(a) + len(b) for a, b in pairs) + 3 * len(graph or ())
        if self.count + size <= MAX_NUMBERS:
            self.groups.append([root, pairs] + ([graph] if graph is not None else []))
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
        return [list(group) for group in self.groups]


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
        if type(group) is list and len(group) in (2, 3) and _floats(group[0]):
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
        return _("{why}; it did not run while the function was called", why=_(rule.why))
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
        keys = ", ".join(repr(k) for k in best)
        return _("{why}; {keys} did not come from it", why=_(rule.why), keys=keys)
    return None


# --- replaying a recorded Value graph, in the grader, with the grader's own arithmetic ---

_UNARY = {
    "neg": lambda x: -x,
    "relu": lambda x: x if x > 0 else 0.0,
    "tanh": math.tanh,
    "sigmoid": lambda x: 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x)),
    "exp": math.exp,
    "log": math.log,
}
_BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


def graphs(evidence) -> list:
    """The Value graphs in (untrusted) evidence that are well-formed, newest last."""
    out = []
    for group in evidence if type(evidence) is list else []:
        graph = group[2] if type(group) is list and len(group) == 3 else None
        if type(graph) is not list or not graph:
            continue
        ok = all(
            type(row) is list
            and len(row) == 3
            and type(row[0]) is str
            and type(row[1]) is list
            and all(type(p) is int and 0 <= p < i for p in row[1])
            and type(row[2]) is float
            for i, row in enumerate(graph)
        )
        if ok:
            out.append(graph)
    return out


def replay(graph: list, leaves: dict[int, float]) -> float:
    """The graph's output when leaf rows ``leaves`` hold new values (others keep theirs).

    ValueError for an operation this replay does not know."""
    values: list[float] = []
    for i, (op, parents, data) in enumerate(graph):
        if not parents:
            values.append(leaves.get(i, data))
        elif op in _UNARY and len(parents) == 1:
            values.append(_UNARY[op](values[parents[0]]))
        elif op in _BINARY and len(parents) == 2:
            values.append(_BINARY[op](values[parents[0]], values[parents[1]]))
        elif op.startswith("**") and len(parents) == 1:
            values.append(values[parents[0]] ** float(op[2:]))
        else:
            raise ValueError(f"an operation {op!r} that Value does not have")
    return values[-1]
