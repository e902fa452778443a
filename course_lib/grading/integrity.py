"""Static checks on a learner's answer cell, before it runs anywhere.

The worker already refuses blocked imports at run time; this catches the
ways around that (``__import__``, ``importlib``, ``open`` on library files,
``sys.modules``, dunder tricks) and parts that must, or must not, use a
given tool. A finding costs only the part of that cell, with the reason.

>>> for problem in scan("import os\\ndef f(x):\\n    return eval('x')", blocked=["torch"]):
...     print(problem)
line 1: imports 'os', which answer cells may not use
line 3: uses 'eval', which answer cells may not use
>>> strip_magics("%matplotlib inline\\nx = 1")
('pass  # IPython magic removed by the grader\\nx = 1', 1)
"""

from __future__ import annotations

import ast
import re

__all__ = ["scan", "strip_magics", "FORBIDDEN_NAMES", "FORBIDDEN_MODULES", "FORBIDDEN_ATTRIBUTES"]

# Builtins that reach files, the interpreter or other code by name.
FORBIDDEN_NAMES = frozenset(
    "eval exec compile __import__ open globals locals vars getattr setattr delattr "
    "breakpoint input memoryview __builtins__ __loader__ __spec__".split()
)
# Modules that reach the system, the import machinery or the interpreter's insides.
FORBIDDEN_MODULES = frozenset(
    "os sys subprocess importlib ctypes cffi builtins gc inspect socket signal resource pickle "
    "marshal shelve shutil pathlib multiprocessing threading asyncio io code codeop runpy types "
    "site sysconfig pty fcntl mmap tempfile glob urllib http requests dill cloudpickle "
    "posix nt posixpath _posixsubprocess _thread _io _imp faulthandler zipimport".split()
)
# Attributes that read or write files, or load code, through numpy or torch (np.loadtxt, ...).
FORBIDDEN_ATTRIBUTES = frozenset(
    "load loads save savez savez_compressed savetxt loadtxt genfromtxt fromfile fromregex tofile "
    "memmap DataSource ctypeslib f2py hub cpp_extension load_library system popen".split()
)
_SAFE_DUNDERS = frozenset({"__init__", "__name__", "__doc__"})


def _root(module: str) -> str:
    return module.split(".")[0]


def is_blocked(module: str, blocked, allowed=()) -> bool:
    """Whether ``module`` is one of ``blocked`` or inside one, and not exactly in ``allowed``."""
    if module in allowed:
        return False
    return any(module == b or module.startswith(b + ".") for b in blocked)


def scan(source: str, *, blocked=(), allowed=(), forbid=(), require=()) -> list[str]:
    """Reasons this answer cell may not be graded; an empty list when it is fine.

    ``blocked``: modules the assignment forbids (and their submodules), except the
    exact names in ``allowed``; ``forbid``: names this part may not use (``"Value"``
    for a name, ``".backward"`` for an attribute); ``require``: names or attributes
    the part must use (e.g. ``Value`` and ``backward``).
    A SyntaxError is not reported here: the worker reports it with its line.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    problems, used = [], set()
    forbidden = frozenset(f for f in forbid if not f.startswith("."))
    attributes = frozenset(f[1:] for f in forbid if f.startswith("."))

    def add(node, text):
        problems.append((node.lineno, f"line {node.lineno}: {text}"))

    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                base = "." * node.level + (node.module or "")
                names = [base] + [f"{base}.{a.name}" for a in node.names]
            for module in names:
                if module.startswith("."):
                    add(node, "uses a relative import, which answer cells may not use")
                elif _root(module) in FORBIDDEN_MODULES:
                    add(node, f"imports {_root(module)!r}, which answer cells may not use")
                elif is_blocked(module, blocked, allowed):
                    add(node, f"imports {module!r}, which this exercise does not allow")
                else:
                    continue
                break
            for alias in node.names:
                used.add(alias.asname or alias.name.split(".")[0])
                if alias.name in forbidden or alias.asname in forbidden:
                    add(node, f"uses {alias.name!r}, which this part may not use")
        elif isinstance(node, ast.Name):
            used.add(node.id)
            if node.id in FORBIDDEN_NAMES:
                add(node, f"uses {node.id!r}, which answer cells may not use")
            elif node.id in forbidden:
                add(node, f"uses {node.id!r}, which this part may not use")
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
            if node.attr.startswith("__") and node.attr.endswith("__"):
                if node.attr not in _SAFE_DUNDERS:
                    add(node, f"uses the attribute {node.attr!r}, which answer cells may not use")
            elif node.attr in FORBIDDEN_ATTRIBUTES:
                add(
                    node,
                    f"uses .{node.attr} (it loads files or code), which answer cells may not use",
                )
            elif node.attr in attributes:
                add(node, f"uses .{node.attr}, which this part may not use")
    for name in require:
        if name not in used:
            problems.append((0, f"this part must use {name!r}, and the answer cell does not"))
    return [text for _, text in sorted(set(problems))]


_MAGIC = re.compile(r"^(\s*)[%!]")


def strip_magics(source: str) -> tuple[str, int]:
    """Replace IPython magic and shell lines (``%...``, ``!...``) by ``pass``; count them."""
    lines, count = [], 0
    for line in source.split("\n"):
        match = _MAGIC.match(line)
        if match:
            lines.append(f"{match.group(1)}pass  # IPython magic removed by the grader")
            count += 1
        else:
            lines.append(line)
    return "\n".join(lines), count
