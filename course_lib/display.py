"""Render computed numbers in notebooks: LaTeX, Markdown and plain-text tables.

The course never types a number into its prose: a notebook computes it, then
shows it with these helpers, so the text and the code cannot disagree.

>>> num(1.3260000000000001), num(-0.0), num(0.58), num(2.0)
('1.326', '0', '0.58', '2')
>>> latex_vector([0.58, 1.06])
'\\\\begin{bmatrix} 0.58 \\\\\\\\ 1.06 \\\\end{bmatrix}'
>>> print(text_table([("z1", [0.58, 1.06]), ("y_hat", 1.326)]))
z1     [0.580000, 1.060000]
y_hat  1.326000
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "num",
    "fixed",
    "latex_vector",
    "latex_matrix",
    "show_math",
    "math_block",
    "show_markdown",
    "markdown_table",
    "text_table",
]


def num(value, digits: int = 6) -> str:
    """A number rounded to ``digits`` decimals, without trailing zeros (for prose and LaTeX)."""
    text = f"{float(np.asarray(value, dtype=np.float64).reshape(-1)[0]):.{digits}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def fixed(value, digits: int = 6) -> str:
    """A number or an array with exactly ``digits`` decimals (stable output for nbval)."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return f"{float(arr) + 0.0:.{digits}f}"
    flat = ", ".join(f"{float(v) + 0.0:.{digits}f}" for v in arr.reshape(-1))
    return f"[{flat}]"


def latex_vector(values, digits: int = 6) -> str:
    """A column vector in LaTeX (bmatrix)."""
    entries = r" \\ ".join(num(v, digits) for v in np.asarray(values, dtype=np.float64).ravel())
    return rf"\begin{{bmatrix}} {entries} \end{{bmatrix}}"


def latex_matrix(values, digits: int = 6) -> str:
    """A matrix in LaTeX (bmatrix), one row per row of ``values``."""
    arr = np.atleast_2d(np.asarray(values, dtype=np.float64))
    rows = r" \\ ".join(" & ".join(num(v, digits) for v in row) for row in arr)
    return rf"\begin{{bmatrix}} {rows} \end{{bmatrix}}"


def show_math(*lines: str) -> None:
    """Display one or more LaTeX equations; several are stacked, left-aligned."""
    from IPython.display import Math, display

    display(Math(math_block(*lines)))


def math_block(*lines: str) -> str:
    r"""The LaTeX ``show_math`` displays: one line as is, several in a left-aligned block.

    >>> print(math_block("a = 1", "b = 2"))
    \begin{aligned} & a = 1 \\ & b = 2 \end{aligned}
    """
    if len(lines) == 1:
        return lines[0]
    return r"\begin{aligned} " + r" \\ ".join("& " + line for line in lines) + r" \end{aligned}"


def show_markdown(text: str) -> None:
    """Display Markdown built from computed values."""
    from IPython.display import Markdown, display

    display(Markdown(text))


def markdown_table(header, rows) -> str:
    """A Markdown table from a header and rows of cells (numbers formatted with ``num``)."""

    def cell(v):
        if isinstance(v, str):
            return v
        if np.ndim(v) == 0:
            return num(v)
        return ", ".join(num(x) for x in np.ravel(v))

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def text_table(rows, digits: int = 6) -> str:
    """Aligned ``name  value`` lines with fixed decimals: what the key-number cells print."""
    rows = [
        (str(name), value if isinstance(value, str) else fixed(value, digits))
        for name, value in rows
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)
