"""The released hidden tests' own words, said in the submission's language.

The hidden tests live in ``solutions/`` and speak English: what they compare (``what``, as in
``expect_float(got, want, "relu(z) for z = [1, -2]")``) and what a test says when it raises
``Fail`` itself. The comparisons' own sentences come from the catalog (``hidden.py``); this
table says the tests' phrases again: ``what`` as an ``expect_*`` receives it, and a whole
message a test raises. Each pattern's named groups fill the placeholders of a catalog
message; a group named ``what`` is itself a phrase, ``step`` and ``aside`` are looked up.
Numbers, code and the learner's values are never changed; a phrase that no pattern knows
(a hidden test an instructor adds) stays English until its pattern is added here.

>>> from course_lib.grading.language import speaking
>>> what("relu(z) for z = [1, 2]")  # English: unchanged
'relu(z) for z = [1, 2]'
>>> with speaking("zh-CN"):
...     what("something no pattern knows")
'something no pattern knows'
"""

from __future__ import annotations

import re

from course_lib.grading.language import N_, current, translator

__all__ = ["what", "message", "WHAT", "MESSAGES"]

_ = translator("grading")
MAX_CHARS = 4000  # a longer text (a learner's huge value inside) is left as it is

# (pattern, catalog message); None keeps the match as it is, with its `what` said again
WHAT = [
    (r"(?P<what>.+): the loss", N_("{what}: the loss")),
    (
        r"(?P<what>.+): cache\[(?P<key>'\w+')\] \(one row per example\)",
        N_("{what}: cache[{key}] (one row per example)"),
    ),
    (r"(?P<what>.+?)(?P<code>: (?:d_y_hat|dL/d\w+|'\w+'|losses\[\d+\]))", None),
    (r"(?P<expr>.+)\[0\], the loss", N_("{expr}[0], the loss")),
    (r"(?P<expr>.+)\[1\], the derivative", N_("{expr}[1], the derivative")),
    (r"(?P<call>[\w.]+\(.*?\)) for (?P<inputs>\w+ = .+)", N_("{call} for {inputs}")),
    (
        r"the program (?P<program>\[.*\]) on inputs (?P<inputs>\[.*\])",
        N_("the program {program} on inputs {inputs}"),
    ),
    (
        r"(?P<function>\w+) on a graph of (?P<count>\d+) nodes",
        N_("{function} on a graph of {count} nodes"),
    ),
    (
        r"(?P<function>\w+) for a network of layer sizes (?P<sizes>\[[\d, ]*\]) "
        r"on a batch of N = (?P<n>\d+)",
        N_("{function} for a network of layer sizes {sizes} on a batch of N = {n}"),
    ),
    (r"(?P<function>\w+) on a batch of N = (?P<n>\d+)", N_("{function} on a batch of N = {n}")),
]

_STEP = r"(?P<step>an input|the result of \[[^\]]*\])"
_NODE = r"(?P<what>.+): node (?P<k>\d+) \(" + _STEP + r"\)"
MESSAGES = [
    (
        r"(?P<what>.+) changed its arguments in place; return a new dict instead",
        N_("{what} changed its arguments in place; return a new dict instead"),
    ),
    (
        r"LEARNING_RATE should be a positive number, not (?P<value>.*)",
        N_("LEARNING_RATE should be a positive number, not {value}"),
    ),
    (
        r"with LEARNING_RATE = (?P<lr>\S+), 50 epochs leave the loss at (?P<loss>\S+), "
        r"not below 0\.001",
        N_("with LEARNING_RATE = {lr}, 50 epochs leave the loss at {loss}, not below 0.001"),
    ),
    (
        _NODE + r" has data (?P<data>.+), not the right value",
        N_("{what}: node {k} ({step}) has data {data}, not the right value"),
    ),
    (
        _NODE + r" should have (?P<want>\d+) local derivative\(s\), one per parent; "
        r"it has (?P<got>\d+)",
        N_(
            "{what}: node {k} ({step}) should have {want} local derivative(s), one per parent; "
            "it has {got}"
        ),
    ),
    (
        _NODE + r" has the wrong local derivative\(s\)",
        N_("{what}: node {k} ({step}) has the wrong local derivative(s)"),
    ),
    (r"(?P<what>.+) should return a list", N_("{what} should return a list")),
    (
        r"(?P<what>.+) returned something that is not a node of the graph",
        N_("{what} returned something that is not a node of the graph"),
    ),
    (
        r"(?P<what>.+) lists a node more than once \(a node used twice is one node\)",
        N_("{what} lists a node more than once (a node used twice is one node)"),
    ),
    (
        r"(?P<what>.+) should list every node the output depends on, and no other",
        N_("{what} should list every node the output depends on, and no other"),
    ),
    (
        r"(?P<what>.+) puts a node before one of its parents",
        N_("{what} puts a node before one of its parents"),
    ),
    (r"(?P<what>.+) should end with the output node", N_("{what} should end with the output node")),
    (
        r"(?P<what>.+): a node used twice keeps only one of its contributions",
        N_("{what}: a node used twice keeps only one of its contributions"),
    ),
    (r"(?P<what>.+): some gradients are wrong", N_("{what}: some gradients are wrong")),
    (
        r"(?P<what>.+): the loss at step (?P<k>\d+) is not right \(a float expected\)",
        N_("{what}: the loss at step {k} is not right (a float expected)"),
    ),
    (
        r"(?P<what>.+) should return a pair \(loss, d_y_hat\)",
        N_("{what} should return a pair (loss, d_y_hat)"),
    ),
    (
        r"(?P<what>.+): dL/d(?P<name>\w+) should have (?P=name)'s shape (?P<shape>\([\d, ]*\)), "
        r"but it has shape (?P<got>\([\d, ]*\))(?P<aside>| \(transposed\?\)"
        r"| \(one row per example: sum over the batch\))",
        N_("{what}: dL/d{name} should have {name}'s shape {shape}, but it has shape {got}{aside}"),
    ),
]

STEPS = [
    (r"an input", N_("an input")),
    (r"the result of (?P<operation>\[[^\]]*\])", N_("the result of {operation}")),
]

# said as they are: the names of common slips (hidden.py's ``slips``) and the asides
WORDS = [
    N_("the ½(y − ŷ)² convention (half the gradient of (y − ŷ)²)"),
    N_("a flipped sign"),
    N_("a flipped sign (the step goes up the gradient)"),
    N_("the parameters before the update"),
    N_(" (transposed?)"),
    N_(" (one row per example: sum over the batch)"),
]

_compiled: dict[int, list] = {}


def _rules(table) -> list:
    key = id(table)
    if key not in _compiled:
        _compiled[key] = [(re.compile(p, re.S), said) for p, said in table]
    return _compiled[key]


def _say(table, text: str) -> str:
    for pattern, said in _rules(table):
        found = pattern.fullmatch(text)
        if found is None:
            continue
        values = {k: _part(k, v) for k, v in found.groupdict().items()}
        if said is None:
            return "".join(values[k] for k in sorted(values, key=pattern.groupindex.get))
        return _(said, **values)
    return text


def _part(name: str, text: str) -> str:
    if name == "what":
        return _say(WHAT, text)
    if name == "step":
        return _say(STEPS, text)
    if name == "aside":
        return _(text) if text else text
    return text


def what(text: str) -> str:
    """A hidden test's ``what`` in this thread's language (English: unchanged)."""
    if current() == "en" or not isinstance(text, str) or len(text) > MAX_CHARS:
        return text
    return _say(WHAT, text)


def message(text: str) -> str:
    """A failure message a hidden test raised itself, in this thread's language."""
    if current() == "en" or len(text) > MAX_CHARS:
        return text
    return _say(MESSAGES, text)
