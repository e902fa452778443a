"""Self-checks for notebook 03, where the learner builds a scalar autograd engine.

Each step's check takes what the learner wrote (their class, or their
topological-sort function), tries it on random expressions and compares it
with ``course_lib.Value``; it says what is wrong, never raises:

>>> from course_lib.engine_checks import engine_steps
>>> step1, step2, step3, step4 = engine_steps()
>>> print(step1.check(int))
Not quite: Scalar(2.5) has no attribute 'data'. Store it in self.data. Try step1.hint().

``random_expression`` builds the same random graph from any engine with
``+``, ``*``, ``**``, ``tanh()`` and ``relu()``; the hidden tests of ex06 use
it too.
"""

from __future__ import annotations

import math

import numpy as np

from course_lib.checks import Feedback, Mistake, Question, _say, _shown
from course_lib.i18n import N_, translator

__all__ = ["engine_steps", "random_expression", "questions_03", "Step"]
_ = translator("checks")

OPS = ("+", "*", "**2", "**3", "tanh", "relu")


def random_expression(make, seed: int, n_leaves: int = 3, n_ops: int = 6, nudge=None):
    """``(leaves, root, text)``: a random graph built with the engine ``make`` (a class).

    Operands are drawn from every node made so far, so nodes are often used
    more than once (forks). The same seed gives the same graph in any engine.
    ``nudge=(i, eps)`` adds eps to leaf i (for finite differences).

    >>> from course_lib.value import Value
    >>> leaves, root, text = random_expression(Value, seed=0)
    >>> len(leaves), isinstance(root, Value), text.count("a") >= 1
    (3, True, True)
    """
    rng = np.random.default_rng(seed)
    names = "abcdefgh"[:n_leaves]
    start = np.round(rng.uniform(-1.5, 1.5, n_leaves), 2)
    if nudge is not None:
        start[nudge[0]] += nudge[1]
    leaves = [make(float(v)) for v in start]
    nodes, texts = list(leaves), list(names)
    for _op in range(n_ops):
        op = OPS[rng.integers(len(OPS))]
        i, j = (int(k) for k in rng.integers(len(nodes), size=2))
        if op == "+":
            node, text = nodes[i] + nodes[j], f"({texts[i]} + {texts[j]})"
        elif op == "*":
            node, text = nodes[i] * nodes[j], f"{texts[i]} * {texts[j]}"
        elif op.startswith("**"):
            n = int(op[2:])
            node, text = nodes[i] ** n, f"({texts[i]})**{n}"
        else:
            node, text = getattr(nodes[i], op)(), f"{op}({texts[i]})"
        nodes.append(node)
        texts.append(text)
    return leaves, nodes[-1], texts[-1]


class Step:
    """One step's self-check: ``check(what_you_wrote)``, ``hint()``, ``solution()``.

    ``hint`` and ``solution`` are English texts (marked ``N_``), translated when shown."""

    def __init__(self, name: str, test, hint: str, solution: str):
        self.name, self._test, self._hint, self._solution = name, test, hint, solution

    def __repr__(self) -> str:
        return f"{self.name}: {_say(self._hint).splitlines()[0]}"

    def check(self, answer=None):
        """Try ``answer`` (your class or function) and say what is right or wrong."""
        if answer is None:
            return _shown(
                Feedback("unanswered", _("pass what you wrote: {name}.check(...)", name=self.name))
            )
        try:
            problem = self._test(answer)
        except Exception as exc:  # the learner's code raised: say where, not a traceback
            problem = _("your code raised {error}.", error=f"{type(exc).__name__}: {exc}")
        if problem:
            return _shown(
                Feedback(
                    "incorrect", _("{problem} Try {name}.hint().", problem=problem, name=self.name)
                )
            )
        return _shown(Feedback("correct", _("it works on every test expression.")))

    def hint(self):
        return _shown(Feedback("hint", _say(self._hint)))

    def solution(self):
        return _shown(Feedback("solution", _say(self._solution)))


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def _test_class(Scalar) -> str | None:
    if not isinstance(Scalar, type):
        return _("pass the class itself (Scalar), not {kind}.", kind=type(Scalar).__name__)
    s = Scalar(2.5)
    for attr, want in (("data", 2.5), ("grad", 0.0), ("parents", ()), ("local", ())):
        if not hasattr(s, attr):
            return _("Scalar(2.5) has no attribute {attr!r}. Store it in self.{attr}.", attr=attr)
        got = getattr(s, attr)
        if (tuple(got) if attr in ("parents", "local") else got) != want:
            return _(
                "Scalar(2.5).{attr} is {got!r}; a new leaf should have {want!r}.",
                attr=attr,
                got=got,
                want=want,
            )
    a, b = Scalar(1.0), Scalar(2.0)
    c = Scalar(3.0, (a, b), (2.0, 1.0))
    if tuple(c.parents) != (a, b) or tuple(c.local) != (2.0, 1.0):
        return _("Scalar(3.0, (a, b), (2.0, 1.0)) should keep its parents and local derivatives.")
    return None


def _slope(fn, x: float, eps: float = 1e-6) -> float:
    return (fn(x + eps) - fn(x - eps)) / (2 * eps)


def _test_ops(Scalar) -> str | None:
    problem = _test_class(Scalar)
    if problem:
        return problem
    rng = np.random.default_rng(3)
    for x, y in rng.uniform(-2, 2, size=(4, 2)):
        x, y = float(x), float(y)
        cases = {
            "a + b": (lambda u, v: Scalar(u) + Scalar(v), x + y),
            "a * b": (lambda u, v: Scalar(u) * Scalar(v), x * y),
            "a ** 3": (lambda u, v: Scalar(u) ** 3, x**3),
            "a.tanh()": (lambda u, v: Scalar(u).tanh(), math.tanh(x)),
            "a.relu()": (lambda u, v: Scalar(u).relu(), max(x, 0.0)),
        }
        for text, (build, value) in cases.items():
            out = build(x, y)
            where = _("{expression} at a = {a:.3f}, b = {b:.3f}", expression=text, a=x, b=y)
            if not isinstance(out, Scalar):
                return _(
                    "{where} should return a Scalar, got {kind}.",
                    where=where,
                    kind=type(out).__name__,
                )
            if not _close(out.data, value):
                return _(
                    "{where}: data is {got!r}, expected {want!r}.",
                    where=where,
                    got=out.data,
                    want=value,
                )
            slopes = [_slope(lambda t, y=y, build=build: build(t, y).data, x)]
            if len(out.parents) == 2:
                slopes.append(_slope(lambda t, x=x, build=build: build(x, t).data, y))
            if len(out.local) != len(slopes):
                return _(
                    "{where}: expected {n} local derivative(s), one per parent.",
                    where=where,
                    n=len(slopes),
                )
            for name, got, want in zip("ab"[: len(slopes)], out.local, slopes, strict=True):
                if not math.isclose(got, want, rel_tol=1e-5, abs_tol=1e-6):
                    return _(
                        "{where}: the local derivative with respect to {name} is {got!r}, "
                        "but a finite difference gives {want:.6f}.",
                        where=where,
                        name=name,
                        got=got,
                        want=want,
                    )
    return None


def _test_order(topological_order) -> str | None:
    from course_lib.value import Value

    if not callable(topological_order):
        return _("pass your function (topological_order), not its result.")
    for seed in range(5):
        leaves, root, text = random_expression(Value, seed)
        order = topological_order(root)
        if not isinstance(order, list):
            return _("it should return a list, got {kind}.", kind=type(order).__name__)
        every = {id(n): n for n in root.topological_order()}
        if len({id(n) for n in order}) != len(order):
            return _(
                "for {expression} a node appears more than once: a node used twice is still one "
                "node. Remember which nodes you have visited.",
                expression=text,
            )
        if {id(n) for n in order} != set(every):
            return _(
                "for {expression} the list should hold each of the {n} nodes once.",
                expression=text,
                n=len(every),
            )
        place = {id(n): i for i, n in enumerate(order)}
        for node in order:
            if any(place[id(p)] > place[id(node)] for p in node.parents):
                return _("for {expression} a node comes before one of its inputs.", expression=text)
        if order[-1] is not root:
            return _("the output (root) should come last.")
    return None


def _test_backward(Scalar) -> str | None:
    from course_lib.value import Value

    problem = _test_ops(Scalar)
    if problem:
        return problem
    for seed in range(8):
        mine, root, text = random_expression(Scalar, seed)
        ref, ref_root, _ref_text = random_expression(Value, seed)
        root.backward()
        ref_root.backward()
        if not _close(root.grad, 1.0):
            return _(
                "after {expression}.backward() the output's own grad should be 1.", expression=text
            )
        for name, got, want in zip("abc", mine, ref, strict=True):
            if not _close(got.grad, want.grad):
                return _(
                    "for f = {expression} at {name} = {data:g}, d f/d {name} is {got!r}; "
                    "course_lib.Value gives {want!r}.",
                    expression=text,
                    name=name,
                    data=got.data,
                    got=got.grad,
                    want=want.grad,
                )
    return None


_CLASS_SOLUTION = N_("""class Scalar:
    def __init__(self, data, parents=(), local=()):
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents  # the Scalars this one was made from
        self.local = local      # d self / d each parent""")

_OPS_SOLUTION = """def add(a, b):
    return Scalar(a.data + b.data, (a, b), (1.0, 1.0))

def mul(a, b):
    return Scalar(a.data * b.data, (a, b), (b.data, a.data))

def power(a, n):
    return Scalar(a.data**n, (a,), (n * a.data ** (n - 1),))

def tanh(a):
    t = math.tanh(a.data)
    return Scalar(t, (a,), (1 - t * t,))

def relu(a):
    return Scalar(max(a.data, 0.0), (a,), (1.0 if a.data > 0 else 0.0,))"""

_ORDER_SOLUTION = N_("""def topological_order(root):
    order, seen = [], set()

    def visit(node):
        if id(node) not in seen:
            seen.add(id(node))
            for parent in node.parents:
                visit(parent)
            order.append(node)  # after all of its inputs

    visit(root)
    return order""")

_BACKWARD_SOLUTION = """def backward(root):
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        for parent, local in zip(node.parents, node.local):
            parent.grad += local * node.grad"""


def engine_steps() -> tuple[Step, Step, Step, Step]:
    """The four checks of notebook 03: the class, the operations, the order, ``backward``."""
    return (
        Step(
            "step1",
            _test_class,
            N_(
                "A Scalar needs four attributes: the number, its gradient (0 to start), the "
                "Scalars it was made from and one local derivative for each of them."
            ),
            _CLASS_SOLUTION,
        ),
        Step(
            "step2",
            _test_ops,
            N_(
                "Each operation returns a new Scalar: its value, its inputs, and "
                "d(result)/d(input) for each input, computed from the inputs' data. For a "
                "product, what does a small change in a do to a * b?"
            ),
            _OPS_SOLUTION,
        ),
        Step(
            "step3",
            _test_order,
            N_(
                "Visit a node's inputs before you append the node; keep a set of the nodes "
                "already visited so a node used twice is listed once."
            ),
            _ORDER_SOLUTION,
        ),
        Step(
            "step4",
            _test_backward,
            N_(
                "Start from d root/d root = 1 and walk the order backwards: each node hands "
                "local * its own grad to each input. An input reached twice must keep both."
            ),
            _BACKWARD_SOLUTION,
        ),
    )


# --- the notebook's two questions --------------------------------------------------------------
FORK = {"a": 2.0, "b": -3.0}


def _overwrite_a_plus_a() -> float:
    """a.grad for b = a + a when each contribution overwrites the last (the = bug)."""
    from course_lib.value import Value

    a = Value(FORK["a"])
    b = a + a
    b.grad = 1.0
    for parent, local in zip(b.parents, b.local, strict=True):
        parent.grad = local * b.grad
    return a.grad


def _fork_grad() -> float:
    from course_lib.value import Value

    a, b = Value(FORK["a"]), Value(FORK["b"])
    c = a * b + a
    c.backward()
    return a.grad


def _multiply_gate_b() -> float:
    from course_lib.gradient_flow import gate

    return gate("multiply", upstream=UPSTREAM)[1]["b"].grad


def _article_x1():
    """(dL/dx1, the two contributions) in the 2-2-1 graph: x1 is a fork."""
    from course_lib.graphs import article_graph, by_label

    L = article_graph()
    L.backward()
    n = by_label(L)
    x1 = n["x1"]
    parts = [p.grad * p.local[p.parents.index(x1)] for p in (n["w1_11·x1"], n["w1_21·x1"])]
    return x1.grad, parts


UPSTREAM = 2.0  # the upstream gradient of notebook 03's gate pictures


def questions_03() -> tuple[Question, Question, Question, Question]:
    q1 = Question(
        "q1",
        N_("With = in place of += in backward, what is a.grad after b = a + a and b.backward()?"),
        _overwrite_a_plus_a,
        hint=N_(
            "b's two parents are the same node a. Each gets 1 * b.grad; with = the second "
            "replaces the first."
        ),
        solution=lambda: _(
            "{value:g}: the second contribution overwrites the first. The true db/da is 2.",
            value=_overwrite_a_plus_a(),
        ),
        mistakes=[Mistake(lambda: 2.0, N_("that is the right gradient; the bug keeps less."))],
    )
    q2 = Question(
        "q2",
        lambda: _(
            "For c = a * b + a with a = {a:g}, b = {b:g}, what is dc/da?", a=FORK["a"], b=FORK["b"]
        ),
        _fork_grad,
        hint=N_(
            "a is used twice: once in a * b (local derivative b) and once in the sum "
            "(local derivative 1). Add the two paths."
        ),
        solution=lambda: f"dc/da = b + 1 = {_fork_grad():g}",
        mistakes=[
            Mistake(lambda: FORK["b"], N_("you followed only the path through a * b.")),
            Mistake(lambda: 1.0, N_("you followed only the direct path through the sum.")),
        ],
    )
    from course_lib.gradient_flow import GATE_INPUTS

    q3 = Question(
        "q3",
        lambda: _(
            "At a multiply gate a * b with a = {a:g}, b = {b:g} and "
            "an upstream gradient of {upstream:g}, what gradient reaches b?",
            a=GATE_INPUTS["a"],
            b=GATE_INPUTS["b"],
            upstream=UPSTREAM,
        ),
        _multiply_gate_b,
        hint=N_("Multiply swaps: each input gets the upstream gradient times the other input."),
        solution=lambda: (
            f"upstream * a = {UPSTREAM:g} * {GATE_INPUTS['a']:g} = {_multiply_gate_b():g}"
        ),
        mistakes=[
            Mistake(
                lambda: UPSTREAM * GATE_INPUTS["b"],
                N_("that is b's own value times the upstream gradient; a product swaps: b gets a."),
            ),
            Mistake(
                lambda: UPSTREAM,
                N_("that is what an add gate passes on; a product scales it."),
            ),
        ],
    )
    q4 = Question(
        "q4",
        N_("In the 2-2-1 graph (article_graph()), what is dL/dx1? x1 feeds both hidden neurons."),
        lambda: _article_x1()[0],
        hint=N_(
            "x1 is a fork: add what reaches it through w1_11·x1 and through w1_21·x1 (each "
            "a product: x1 gets that product's gradient times its weight)."
        ),
        solution=lambda: (
            "by_label(L)['x1'].grad = "
            + " + ".join(f"{p:.6g}" for p in _article_x1()[1])
            + f" = {_article_x1()[0]:.6g}"
        ),
        mistakes=[
            Mistake(
                lambda: _article_x1()[1][0],
                N_(
                    "that is only the path through hidden neuron "
                    "1; x1 also feeds neuron 2, and a fork sums."
                ),
            ),
            Mistake(
                lambda: _article_x1()[1][1],
                N_(
                    "that is only the path through hidden neuron "
                    "2; x1 also feeds neuron 1, and a fork sums."
                ),
            ),
        ],
    )
    return q1, q2, q3, q4
