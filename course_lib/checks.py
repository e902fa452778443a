"""Check-your-understanding questions for the notebooks (in the spirit of Kaggle's learntools).

Each notebook asks for its questions by number and gets ``Question`` objects;
the learner replaces the blank ``____`` with an answer and calls ``check``:

>>> from course_lib.checks import questions, ____
>>> q1, q2, q3 = questions("01")
>>> q1.check(____).status            # not answered yet: a nudge, never a traceback
'unanswered'
>>> q1.check(6).correct              # f = (x - y) * z at x = 4, y = 2, z = 3
True
>>> print(q1.check(2.0))             # a common mistake gets a specific hint
Not quite: 2 is p = x - y, the intermediate node. f multiplies p by z.

``q.hint()`` and ``q.solution()`` return text to display. Every expected
answer is *computed* from course_lib when ``check`` runs (never typed in),
so if the library and the notebook disagree the check says so.

A ``Question`` compares numbers, lists or arrays with a relative tolerance
(default 1e-4: four or five significant digits are enough), or a word from
a fixed list of choices. A wrong type, a None, a NaN, a string instead of a
number, or a function that was not called all get a plain message.

Everything a learner reads is looked up when it is shown, in the language of
``course_lib.i18n`` (the catalog ``checks``): prompts, hints and mistakes are
English texts marked with ``N_`` (or functions returning ``_(...)`` when they
quote a number), translated at display time.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from numbers import Real

import numpy as np

from course_lib.i18n import N_, translator

__all__ = ["____", "Feedback", "Mistake", "Question", "QuestionSet", "questions", "NOTEBOOKS"]


class _Blank:
    """The placeholder a learner replaces with an answer."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "____"


____ = _Blank()
_ = translator("checks")

# colour-blind-safe (Okabe-Ito) colours; the words carry the meaning, the colour only helps
_COLOURS = {
    "correct": "#009E73",
    "incorrect": "#D55E00",
    "unanswered": "#0072B2",
    "hint": "#0072B2",
    "solution": "#555555",
}
_LABELS = {
    "correct": N_("Correct"),
    "incorrect": N_("Not quite"),
    "unanswered": N_("Not answered yet"),
    "hint": N_("Hint"),
    "solution": N_("Solution"),
}


def _say(text) -> str:
    """``text`` in the current language: an English message (looked up now), or a function of
    no arguments that returns one (for a message that quotes a computed number)."""
    return text() if callable(text) else _(text)


@dataclass(frozen=True)
class Feedback:
    """What a check, hint or solution says. Truthy only when the answer was correct."""

    status: str  # 'correct', 'incorrect', 'unanswered', 'hint' or 'solution'
    message: str

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        return _("{label}: {text}", label=_(_LABELS[self.status]), text=self.message)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.status]
        body = html.escape(self.message).replace("\n", "<br>")
        if self.status == "solution":
            body = f"<pre style='margin:0.3em 0'>{html.escape(self.message)}</pre>"
        label = html.escape(_("{label}:", label=_(_LABELS[self.status])))
        return (
            f"<div style='border-left:4px solid {colour};padding:0.2em 0.6em'>"
            f"<b style='color:{colour}'>{label}</b> {body}</div>"
        )


def _shown(feedback: Feedback):
    """In a notebook, display ``feedback`` and return None (so it shows once, wherever the call
    is in the cell, as learntools does); elsewhere return it."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with Jupyter
        return feedback
    shell = get_ipython()
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return feedback
    from IPython.display import display

    display(feedback)
    return None


@dataclass(frozen=True)
class Mistake:
    """A common wrong answer, computed by ``value()``, and what to say when it is given:
    an English message (marked ``N_``) or a function returning ``_(...)`` of one."""

    value: Callable[[], object]
    message: str | Callable[[], str]


def _fmt(value) -> str:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    return np.array2string(arr, precision=6, separator=", ")


def _as_array(answer):
    """(array, None) for a usable numeric answer, or (None, message) explaining what is wrong."""
    if answer is None:
        return None, _(
            "your answer is None. If it comes from a function, did the function `return` "
            "its result?"
        )
    if isinstance(answer, str):
        return None, _(
            "your answer is the text {answer!r}. Write the number itself, without quotes.",
            answer=answer,
        )
    if isinstance(answer, bool) or isinstance(answer, np.bool_):
        return None, _(
            "your answer is {answer}, a yes/no value; this question wants a number.",
            answer=answer,
        )
    if callable(answer) and not hasattr(answer, "__array__"):
        return None, _("your answer is a function. Call it and pass its result.")
    data = getattr(answer, "data", None)
    if isinstance(data, Real) and not isinstance(answer, np.ndarray):  # a course_lib Value
        answer = data
    detach = getattr(answer, "detach", None)
    if callable(detach):  # a torch tensor
        answer = detach().cpu().double().numpy()
    try:
        arr = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return None, _(
            "your answer is a {kind}, which is not a number or a list of numbers.",
            kind=type(answer).__name__,
        )
    if arr.size and not np.all(np.isfinite(arr)):
        return None, _(
            "your answer contains NaN or infinity. Look for a division by zero or a value that "
            "grew without bound."
        )
    return arr, None


def _close(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


class Question:
    """One self-check: ``check(answer)``, ``hint()``, ``solution()``.

    ``expected`` is a function of no arguments returning the right answer
    (a number, a list/array of numbers, or one of ``choices``); it is called
    at check time. ``mistakes`` are common wrong answers with their own
    hints. ``solution`` is a function returning the worked solution as text
    (so it can quote computed numbers). ``prompt``, ``hint`` and each mistake's
    message are English texts translated when shown, or functions returning the
    text (``lambda: _("... {x}", x=...)``) when they quote a number.

    >>> q = Question("q", "What is 2 + 3?", lambda: 2 + 3, hint="Add them.",
    ...              solution=lambda: "2 + 3 = 5",
    ...              mistakes=[Mistake(lambda: 2 * 3, "you multiplied.")])
    >>> q.check(6).message
    'you multiplied.'
    >>> q.check("5").correct, q.check(float("nan")).status, q.check(None).status
    (False, 'incorrect', 'incorrect')
    >>> bool(q.check(5.0))
    True
    """

    def __init__(
        self,
        name: str,
        prompt: str | Callable[[], str],
        expected: Callable[[], object],
        *,
        hint: str | Callable[[], str],
        solution: Callable[[], str],
        mistakes: Iterable[Mistake] = (),
        choices: tuple[str, ...] | None = None,
        rtol: float = 1e-4,
        atol: float = 1e-9,
    ):
        if not callable(expected) or not callable(solution):
            raise TypeError("expected and solution must be functions of no arguments")
        self.name = name
        self._prompt = prompt
        self.expected = expected
        self._hint = hint
        self._solution = solution
        self.mistakes = tuple(mistakes)
        self.choices = None if choices is None else tuple(c.casefold() for c in choices)
        self.rtol, self.atol = rtol, atol

    @property
    def prompt(self) -> str:
        """The question, in the current language."""
        return _say(self._prompt)

    def __repr__(self) -> str:
        return f"{self.name}: {self.prompt}"

    def hint(self) -> Feedback | None:
        """A nudge in the right direction, without the answer."""
        return _shown(Feedback("hint", _say(self._hint)))

    def solution(self) -> Feedback | None:
        """The worked solution, with the numbers computed by course_lib."""
        try:
            text = self._solution()
        except Exception as exc:  # never a traceback for the learner
            text = _(
                "the solution could not be computed ({error})",
                error=f"{type(exc).__name__}: {exc}",
            )
        return _shown(Feedback("solution", text))

    def check(self, answer=____) -> Feedback | None:
        """Say whether ``answer`` is right; never raises for a bad answer.

        In a notebook the feedback is displayed and None returned; elsewhere
        (scripts, tests) the Feedback is returned.
        """
        return _shown(self._feedback(answer))

    def _feedback(self, answer) -> Feedback:
        if answer is ____ or answer is Ellipsis:
            return Feedback(
                "unanswered",
                _(
                    "replace ____ with your answer, then run the cell again. ({prompt})",
                    prompt=self.prompt,
                ),
            )
        try:
            if self.choices is not None:
                return self._check_choice(answer)
            want = self.expected()
            if isinstance(want, str):
                return _text_answer(answer, want)
            if isinstance(want, (int, np.integer)) and not isinstance(want, (bool, np.bool_)):
                return self._check_count(answer, int(want))
            return self._check_number(answer, want)
        except Exception as exc:  # a learner must never see a traceback from a check
            return Feedback(
                "incorrect",
                _(
                    "this answer could not be checked ({error}). "
                    "Try a plain number or a list of numbers.",
                    error=f"{type(exc).__name__}: {exc}",
                ),
            )

    def _check_choice(self, answer) -> Feedback:
        options = ", ".join(repr(c) for c in self.choices)
        if not isinstance(answer, str):
            return Feedback(
                "incorrect",
                _("answer with one of the words {options} (in quotes).", options=options),
            )
        given = answer.strip().casefold()
        if given not in self.choices:
            return Feedback(
                "incorrect",
                _(
                    "{answer!r} is not one of the choices: {options}.",
                    answer=answer,
                    options=options,
                ),
            )
        if given == str(self.expected()).casefold():
            return Feedback("correct", self._correct_text())
        for mistake in self.mistakes:
            if str(mistake.value()).casefold() == given:
                return Feedback("incorrect", _say(mistake.message))
        return Feedback(
            "incorrect",
            _("not {answer!r}. Run the experiment again, or ask for a hint.", answer=answer),
        )

    def _check_count(self, answer, want: int) -> Feedback:
        """An integer answer (a count) must be exact: no tolerance, no 'keep more digits'."""
        arr, problem = _as_array(answer)
        if problem:
            return Feedback("incorrect", problem)
        if arr.size != 1:
            return Feedback(
                "incorrect",
                _("expected one whole number, got shape {shape}.", shape=arr.shape),
            )
        given = float(arr.reshape(()))
        if not given.is_integer():
            return Feedback(
                "incorrect",
                _("{given:g} is not a whole number, and a count is one.", given=given),
            )
        if given == want:
            return Feedback("correct", _("{answer}.", answer=want))
        for mistake in self.mistakes:
            if given == float(np.asarray(mistake.value(), dtype=np.float64)):
                return Feedback("incorrect", _say(mistake.message))
        off = int(given) - want
        if abs(off) <= max(2, abs(want) // 20):
            many = N_(
                "{given} is {off} too many: a count must be exact. Count again, one part at a time."
            )
            few = N_(
                "{given} is {off} too few: a count must be exact. Count again, one part at a time."
            )
            return Feedback(
                "incorrect", _(many if off > 0 else few, given=int(given), off=abs(off))
            )
        return Feedback(
            "incorrect",
            _("{answer} is not it. Try the hint: {name}.hint()", answer=int(given), name=self.name),
        )

    def _check_number(self, answer, want) -> Feedback:
        arr, problem = _as_array(answer)
        if problem:
            return Feedback("incorrect", problem)
        want = np.asarray(want, dtype=np.float64)
        if arr.shape != want.shape and arr.size == want.size:
            arr = arr.reshape(want.shape)  # [[1, 2]] for [1, 2], or [6] for 6
        if arr.shape != want.shape:
            one = N_("expected {n} number (shape {want}), got shape {got}.")
            many = N_("expected {n} numbers (shape {want}), got shape {got}.")
            return Feedback(
                "incorrect",
                _(one if want.size == 1 else many, n=want.size, want=want.shape, got=arr.shape),
            )
        if _close(arr, want, self.rtol, self.atol):
            return Feedback("correct", self._correct_text())
        for mistake in self.mistakes:
            wrong = np.asarray(mistake.value(), dtype=np.float64)
            if wrong.size == arr.size:
                wrong = wrong.reshape(arr.shape)
            if _close(arr, wrong, self.rtol, self.atol):
                return Feedback("incorrect", _say(mistake.message))
        if np.any(want != 0) and _close(arr, -want, self.rtol, self.atol):
            return Feedback("incorrect", _("the size is right but the sign is flipped."))
        if _close(arr, want, 1e-2, 1e-3):
            return Feedback(
                "incorrect",
                _(
                    "close, but not within the tolerance: keep more digits "
                    "(compute with the unrounded numbers)."
                ),
            )
        return Feedback(
            "incorrect",
            _("{answer} is not it. Try the hint: {name}.hint()", answer=_fmt(arr), name=self.name),
        )

    def _correct_text(self) -> str:
        want = self.expected()
        return _("{answer}.", answer=repr(want) if isinstance(want, str) else _fmt(want))


class QuestionSet(tuple):
    """The questions of one notebook: unpack it (``q1, q2 = questions('05')``) or index it."""

    def __repr__(self) -> str:
        return "\n".join(repr(q) for q in self)


# --- the questions of each notebook ------------------------------------------------------------
# Everything "expected" is a function, evaluated when check() runs, from course_lib.


def _graph():
    from course_lib.article import GRAPH
    from course_lib.value import Value

    x, y, z = Value(GRAPH.x, label="x"), Value(GRAPH.y, label="y"), Value(GRAPH.z, label="z")
    p = x - y
    f = p * z
    f.backward()
    return x, y, z, p, f


def _graph_after_step(sign=1.0, which="xyz"):
    from course_lib.article import GRAPH

    x, y, z, _, _ = _graph()
    new = {
        v.label: v.data - (sign * GRAPH.h * v.grad if v.label in which else 0.0) for v in (x, y, z)
    }
    return (new["x"] - new["y"]) * new["z"]


def _nb00():
    from course_lib.article import ARTICLE, article_mlp, article_params
    from course_lib.mlp import MLP

    def n_params(names=("W1", "b1", "W2", "b2")):
        return sum(article_mlp().params[k].size for k in names)

    def zero_weights(keep_w2=False):
        params = article_params()
        params["W1"][:] = 0.0
        if not keep_w2:
            params["W2"][:] = 0.0
        return float(MLP([2, 2, 1], "relu", params=params).predict(ARTICLE.x)[0])

    q1 = Question(
        "q1",
        N_("How many numbers (weights and biases) does the article's 2-2-1 network learn?"),
        n_params,
        hint=N_("Count the entries of W1 (one row per hidden neuron), b1, W2 and b2."),
        solution=lambda: (
            f"net = article_mlp()\nsum(p.size for p in net.params.values())   # {n_params()}"
        ),
        mistakes=[
            Mistake(
                lambda: n_params(("W1", "W2")),
                N_("you counted the weights; the biases are learned too."),
            ),
            Mistake(
                lambda: sum(article_mlp().sizes[1:]),
                N_("that is the number of neurons; each has several parameters."),
            ),
        ],
    )
    q2 = Question(
        "q2",
        N_(
            "If every weight (W1 and W2) were 0 and the biases kept the article's values, "
            "what would the network predict?"
        ),
        zero_weights,
        hint=N_("With W2 = 0 the hidden layer contributes nothing to the output. What is left?"),
        solution=lambda: _(
            "y_hat = W2 a1 + b2 = 0 * a1 + b2, so the prediction is b2 = {b2} for every input.",
            b2=_fmt(zero_weights()),
        ),
        mistakes=[
            Mistake(
                lambda: 0.0,
                N_("the biases are not zero, and the output neuron adds its bias."),
            ),
            Mistake(
                lambda: zero_weights(keep_w2=True),
                N_("you kept W2; the question sets every weight to 0, W2 included."),
            ),
        ],
    )
    return q1, q2


def _nb01():
    def f():
        return _graph()[4].data

    def dfdy():
        return _graph()[1].grad

    q1 = Question(
        "q1",
        N_("What is f = (x - y) * z at the starting values?"),
        f,
        hint=N_("First p = x - y, then f = p * z."),
        solution=lambda: "x, y, z, p, f = ...; f.data  # (x - y) * z = " + _fmt(f()),
        mistakes=[
            Mistake(
                lambda: _graph()[3].data,
                lambda: _(
                    "{p} is p = x - y, the intermediate node. f multiplies p by z.",
                    p=_fmt(_graph()[3].data),
                ),
            ),
            Mistake(
                lambda: (_graph()[0].data + _graph()[1].data) * _graph()[2].data,
                N_("p is x minus y, not x plus y."),
            ),
        ],
    )
    q2 = Question(
        "q2",
        N_("What is df/dy?"),
        dfdy,
        hint=N_("Chain rule: df/dy = df/dp * dp/dy. What is dp/dy when p = x - y?"),
        solution=lambda: f"df/dy = df/dp * dp/dy = z * (-1) = {_fmt(dfdy())}",
        mistakes=[
            Mistake(
                lambda: _graph()[3].data,
                N_("that is df/dz (= p). The question asks for df/dy."),
            ),
        ],
    )
    q3 = Question(
        "q3",
        N_("Take one gradient-descent step with h on x, y and z together. What is f afterwards?"),
        _graph_after_step,
        hint=N_("Each input moves by -h times its own gradient; then recompute f = (x - y) * z."),
        solution=lambda: (
            "for v in (x, y, z): new = v.data - h * v.grad\n"
            f"f_new = (x_new - y_new) * z_new = {_fmt(_graph_after_step())}"
        ),
        mistakes=[
            Mistake(
                lambda: _graph_after_step(which="x"),
                N_("you moved only x. Gradient descent moves every input by its own gradient."),
            ),
            Mistake(
                lambda: _graph_after_step(sign=-1.0),
                N_(
                    "you added h times the gradient: that "
                    "climbs uphill and makes f larger. Subtract it."
                ),
            ),
        ],
    )
    return q1, q2, q3


def _nb02():
    from course_lib.course_examples import accumulation_example, cube_example, neuron

    def dn_dw1():
        return neuron()["w1"].grad

    def x1_only():
        return neuron()["x1"].data

    q1 = Question(
        "q1",
        N_("For the tanh neuron n = tanh(w1 x1 + w2 x2 + b), what is dn/dw1?"),
        dn_dw1,
        hint=N_("dn/dw1 = (1 - n^2) * x1: the local derivative of tanh times that of the sum."),
        solution=lambda: f"n = neuron()['n']; (1 - n.data**2) * x1 = {_fmt(dn_dw1())}",
        mistakes=[
            Mistake(x1_only, N_("you left out the local derivative of tanh, 1 - n^2.")),
        ],
    )

    def cube_grad():
        return cube_example()[0].grad

    a_value = accumulation_example()[0].data
    q2 = Question(
        "q2",
        N_("c = a * a * a uses a three times. What is dc/da, for the same a as above?"),
        cube_grad,
        hint=N_(
            "Each use of a contributes the product of the other two factors; add the three "
            "contributions."
        ),
        solution=lambda: _(
            "dc/da = a*a + a*a + a*a = 3a^2 = {value}: three uses, three "
            "contributions, added up (Value's += does exactly that).",
            value=_fmt(cube_grad()),
        ),
        mistakes=[
            Mistake(
                lambda: a_value**2,
                N_("you counted only one of the three uses of a. Gradients from every use add up."),
            ),
            Mistake(lambda: 2 * a_value**2, N_("you counted two of the three uses of a.")),
            Mistake(
                lambda: 2 * a_value,
                N_("that is db/da for b = a * a (two uses); c has three."),
            ),
        ],
    )
    return q1, q2


def _nb03():
    from course_lib.engine_checks import questions_03  # notebook 03's checks live there

    return questions_03()


def _nb04():
    from course_lib.article import ARTICLE, article_mlp
    from course_lib.course_examples import NEW_INPUT, symmetric_training

    def z1():
        return article_mlp().forward(ARTICLE.x)[1]["z1"][1]

    W1 = np.array(ARTICLE.W1)
    b1 = np.array(ARTICLE.b1)
    x = np.array(ARTICLE.x)

    def new_prediction():
        return float(article_mlp().predict(NEW_INPUT)[0])

    def without_relu():
        net = article_mlp()
        z = net.params["W1"] @ np.array(NEW_INPUT) + net.params["b1"]
        return float((net.params["W2"] @ z + net.params["b2"])[0])

    def rows_equal():
        net = symmetric_training()
        return "yes" if np.allclose(net.params["W1"][0], net.params["W1"][1]) else "no"

    q1 = Question(
        "q1",
        N_("What is z for the second hidden neuron (z1[1])?"),
        z1,
        hint=N_("Row 2 of W1 holds the weights into neuron 2: w . x + b for that row."),
        solution=lambda: f"W1[1] @ x + b1[1] = {_fmt(z1())}",
        mistakes=[
            Mistake(
                lambda: (W1.T @ x + b1)[1],
                N_("you used column 2 of W1. Row k of W1 holds the weights into neuron k."),
            ),
            Mistake(lambda: (W1 @ x)[1], N_("you forgot the bias b1[1].")),
        ],
    )
    q2 = Question(
        "q2",
        N_("What does the article's network predict for the input NEW_INPUT?"),
        new_prediction,
        hint=N_("Compute both z's first. What does ReLU do to a negative z?"),
        solution=lambda: _(
            "Both hidden z's are negative, ReLU turns them into 0, and only b2 is left: "
            "article_mlp().predict(NEW_INPUT) = {value}",
            value=_fmt(new_prediction()),
        ),
        mistakes=[
            Mistake(
                without_relu,
                N_("you forgot ReLU: a negative z becomes 0 before it reaches the output."),
            ),
        ],
    )
    q3 = Question(
        "q3",
        N_(
            "After training from a constant initialisation, do the two hidden neurons still have "
            "equal weights? ('yes' or 'no')"
        ),
        rows_equal,
        choices=("yes", "no"),
        hint=N_("Look at W1 after training in the cell above: compare its two rows."),
        solution=lambda: _(
            "{answer!r}: both neurons start equal, get equal gradients, and so receive "
            "equal updates at every step. Nothing ever tells them apart.",
            answer=rows_equal(),
        ),
    )
    return q1, q2, q3


def _article_report(loss="mse"):
    from course_lib.article import ARTICLE, article_mlp
    from course_lib.walkthrough import step_report

    return step_report(article_mlp(), ARTICLE.x, ARTICLE.y, lr=ARTICLE.lr, loss=loss)


_HALF_SSE = N_(
    "you used 1/2 (y - y_hat)^2. The article's loss is the mean squared error, "
    "(y - y_hat)^2 for one output, so dL/dy_hat = -2 (y - y_hat)."
)


def _nb05():
    from course_lib.article import ARTICLE

    def dy(loss="mse"):
        return _article_report(loss)["dy_hat"]

    def dw2(loss="mse"):
        return _article_report(loss)["grads"]["W2"][0, 0]

    def dw1(loss="mse"):
        return _article_report(loss)["grads"]["W1"][0, 0]

    def b2_new(sign=1.0):
        r = _article_report()
        return ARTICLE.b2[0] - sign * ARTICLE.lr * r["grads"]["b2"][0]

    q1 = Question(
        "q1",
        N_("Under the article's loss (mean squared error), what is dL/dy_hat?"),
        dy,
        hint=N_("L = (y - y_hat)^2 with one output. Differentiate with respect to y_hat."),
        solution=lambda: f"dL/dy_hat = -2 (y - y_hat) = {_fmt(dy())}",
        mistakes=[Mistake(lambda: dy("half_sse"), _HALF_SSE)],
    )
    q2 = Question(
        "q2",
        N_("What is dL/dW2[0, 0], the gradient of the weight from hidden neuron 1 to the output?"),
        dw2,
        hint=N_("y_hat = W2[0,0] a1[0] + ..., so dL/dW2[0,0] = dL/dy_hat * a1[0]."),
        solution=lambda: f"dL/dy_hat * a1[0] = {_fmt(dw2())}",
        mistakes=[Mistake(lambda: dw2("half_sse"), _HALF_SSE)],
    )
    q3 = Question(
        "q3",
        N_("What is dL/dW1[0, 0], the gradient of the weight from x1 into hidden neuron 1?"),
        dw1,
        hint=N_("Follow the path: dL/dy_hat * W2[0,0] * relu'(z1[0]) * x1."),
        solution=lambda: f"dL/dy_hat * W2[0,0] * 1 * x1 = {_fmt(dw1())}",
        mistakes=[
            Mistake(
                lambda: dy() * ARTICLE.x[0],
                N_("you skipped the output weight on the path: multiply by W2[0,0] too."),
            ),
            Mistake(lambda: dw1("half_sse"), _HALF_SSE),
        ],
    )
    q4 = Question(
        "q4",
        N_("What is b2 after one update with the article's learning rate?"),
        b2_new,
        hint=N_("b2_new = b2 - lr * dL/db2, and dL/db2 = dL/dy_hat."),
        solution=lambda: f"b2 - lr * dL/db2 = {_fmt(b2_new())}",
        mistakes=[
            Mistake(
                lambda: b2_new(sign=-1.0),
                N_(
                    "you added lr times the gradient. Gradient "
                    "descent subtracts it (it steps downhill)."
                ),
            ),
        ],
    )
    return q1, q2, q3, q4


def _nb06():
    def torch_setup(backwards=1):
        import torch

        from course_lib.article import ARTICLE, article_mlp
        from course_lib.torch_bridge import to_torch

        model = to_torch(article_mlp())
        x = torch.tensor(ARTICLE.x, dtype=torch.float64)
        y = torch.tensor([ARTICLE.y], dtype=torch.float64)
        loss = None
        for _pass in range(backwards):
            loss = torch.nn.MSELoss()(model(x), y)
            loss.backward()
        return model, loss

    def grad_fn_name():
        return type(torch_setup()[1].grad_fn).__name__

    def accumulated(backwards=2):
        return float(torch_setup(backwards)[0][2].weight.grad[0, 0])

    q1 = Question(
        "q1",
        N_("What is the class name of loss.grad_fn (type(loss.grad_fn).__name__)?"),
        grad_fn_name,
        hint=N_("Run type(loss.grad_fn).__name__ on the loss from nn.MSELoss."),
        solution=lambda: _(
            "{name!r}: the backward of the last operation, MSELoss.", name=grad_fn_name()
        ),
    )
    q2 = Question(
        "q2",
        N_(
            "Without optimizer.zero_grad(), you call loss.backward() twice on fresh forward "
            "passes. What is then the gradient of W2[0, 0] (the output layer's "
            "weight.grad[0, 0])?"
        ),
        accumulated,
        hint=N_("backward() adds into .grad; it does not overwrite it."),
        solution=lambda: _(
            "twice the gradient of one pass: {value}. That is why a training "
            "loop calls zero_grad() before every backward().",
            value=_fmt(accumulated(2)),
        ),
        mistakes=[
            Mistake(
                lambda: accumulated(1),
                N_(
                    "that is the gradient of one pass. backward() adds "
                    "into .grad, so a second call doubles it."
                ),
            ),
        ],
    )
    return q1, q2


def _text_answer(answer, want: str) -> Feedback:
    if not isinstance(answer, str):
        return Feedback("incorrect", _("answer with the name as text, in quotes."))
    if answer.strip() == want:
        return Feedback("correct", _("{answer}.", answer=repr(want)))
    if answer.strip().casefold() == want.casefold():
        return Feedback("incorrect", _("right name, but Python names are case-sensitive."))
    return Feedback(
        "incorrect",
        _("{answer!r} is not the class name. Print it and copy it.", answer=answer),
    )


def _nb07():
    from course_lib.course_examples import (
        LR_GRID,
        dead_relu_grads,
        first_failing_lr,
        symmetric_training,
    )

    def distinct_rows():
        W1 = symmetric_training().params["W1"]
        return len(np.unique(np.round(W1, 12), axis=0))

    def live_neurons():
        g = dead_relu_grads()["W1"]
        return int(np.count_nonzero(np.any(g != 0, axis=1)))

    q1 = Question(
        "q1",
        lambda: _(
            "Which is the smallest learning rate in LR_GRID = {grid} for which 100 epochs "
            "of training leave the article's network no better than it started?",
            grid=LR_GRID,
        ),
        first_failing_lr,
        hint=N_(
            "Train a fresh article_mlp() for each lr in LR_GRID and compare the last loss "
            "with the first (training_fails(lr) does exactly that)."
        ),
        solution=lambda: (
            "[lr for lr in LR_GRID if training_fails(lr)][0]   # "
            f"{_fmt(first_failing_lr())}\n"
            + _(
                "Smaller rates converge; at this one the first steps overshoot so far that the "
                "ReLUs switch off or the loss grows."
            )
        ),
    )
    q2 = Question(
        "q2",
        N_(
            "Under a constant initialisation, how many different hidden neurons (distinct rows "
            "of W1) are there after training?"
        ),
        distinct_rows,
        hint=N_("Symmetry: equal neurons get equal gradients."),
        solution=lambda: _(
            "{count}: the rows start equal and receive equal updates, so the layer "
            "behaves like a single neuron.",
            count=distinct_rows(),
        ),
        mistakes=[
            Mistake(
                lambda: symmetric_training().params["W1"].shape[0],
                N_(
                    "there are two neurons, but are they different? Compare the rows "
                    "of W1 after training."
                ),
            ),
        ],
    )
    q3 = Question(
        "q3",
        N_("With b1 set to DEAD_B1, how many hidden neurons get a non-zero gradient?"),
        live_neurons,
        hint=N_("A ReLU whose z is negative passes on a gradient of 0."),
        solution=lambda: _(
            "{count}: every hidden z is negative, relu'(z) = 0, so no gradient reaches "
            "W1 or b1. The neurons are dead for this input and cannot learn from it.",
            count=live_neurons(),
        ),
    )
    return q1, q2, q3


def _nb08():
    from course_lib.course_examples import linear_model_accuracy

    def n_params(sizes=(2, 16, 16, 1), biases=True):
        total = 0
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
            total += n_in * n_out + (n_out if biases else 0)
        return total

    def count_from_mlp():
        from course_lib.mlp import MLP

        return sum(p.size for p in MLP([2, 16, 16, 1]).params.values())

    def separable():
        return "yes" if linear_model_accuracy() == 1.0 else "no"

    def w1_shape():
        from course_lib.course_examples import moons_network

        return list(moons_network().params["W1"].shape)

    def n_examples():
        from course_lib.course_examples import MOONS

        return MOONS["n"]

    q1 = Question(
        "q1",
        N_(
            "For the moons network and all N examples at once, what shape does dL/dW1 have? "
            "(a list of two numbers)"
        ),
        w1_shape,
        hint=N_("A gradient has the shape of its parameter, whatever the batch size."),
        solution=lambda: _(
            "{shape}: dZ1.T @ A0 is (outputs, N) @ (N, inputs); the N disappears in the "
            "product, which sums over the examples.",
            shape=w1_shape(),
        ),
        mistakes=[
            Mistake(lambda: w1_shape()[::-1], N_("that is the shape of W1 transposed.")),
            Mistake(
                lambda: [n_examples(), w1_shape()[0]],
                N_(
                    "that is the shape of dL/dZ1, one row per example; the weight gradient sums "
                    "over the rows."
                ),
            ),
        ],
    )
    q2 = Question(
        "q2",
        N_("How many parameters does MLP([2, 16, 16, 1]) have?"),
        count_from_mlp,
        hint=N_("Each layer has n_in * n_out weights and n_out biases."),
        solution=lambda: (
            f"sum(p.size for p in MLP([2, 16, 16, 1]).params.values())  # {count_from_mlp()}"
        ),
        mistakes=[
            Mistake(
                lambda: n_params(biases=False),
                N_("you counted only the weights; add one bias per neuron."),
            ),
        ],
    )
    q3 = Question(
        "q3",
        N_(
            "Can a network with no hidden layer, MLP([2, 1]), classify every point of the two "
            "moons correctly? ('yes' or 'no')"
        ),
        separable,
        choices=("yes", "no"),
        hint=N_("Without a hidden layer the output is w . x + b: its decision boundary is a line."),
        solution=lambda: _(
            "{answer!r}: its boundary is a straight line, and the moons interlock; "
            "it reaches a training accuracy of {accuracy:.1%}.",
            answer=separable(),
            accuracy=linear_model_accuracy(),
        ),
    )
    return q1, q2, q3


def _nb09():
    from course_lib.checks_playground2d import questions_09  # its own module: it imports this one

    return questions_09()


NOTEBOOKS: dict[str, Callable[[], tuple[Question, ...]]] = {
    "00": _nb00,
    "01": _nb01,
    "02": _nb02,
    "03": _nb03,
    "04": _nb04,
    "05": _nb05,
    "06": _nb06,
    "07": _nb07,
    "08": _nb08,
    "09": _nb09,
}


def questions(notebook: str) -> QuestionSet:
    """The self-check questions of ``notebook`` ('00' to '09'), in order."""
    key = str(notebook).zfill(2)[:2]
    if key not in NOTEBOOKS:
        raise ValueError(
            _(
                "notebook must be one of {names}; got {notebook!r}",
                names=", ".join(NOTEBOOKS),
                notebook=notebook,
            )
        )
    return QuestionSet(NOTEBOOKS[key]())
