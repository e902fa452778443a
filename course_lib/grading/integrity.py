"""What the grader does to a learner's source before it runs in the sandbox, and what it reads.

The sandbox (``sandbox.py``) is the trust boundary: answer cells may import ``os``, call
``getattr`` or ``locals``, and load files inside their own sandbox, as honest code does. What
is left here is teaching, not a wall: IPython magics are dropped (a plain Python worker has
none), and ``imports_of`` lists imports of modules an exercise does not allow, so ``check()``
can warn before the grader's worker refuses them.

>>> strip_magics("%matplotlib inline\\nx = 1")
('pass  # IPython magic removed by the grader\\nx = 1', 1)
>>> imports_of("import torch\\nfrom course_lib import Value\\nimport os", ["torch", "course_lib"],
...            ["course_lib", "course_lib.Value"])
['torch']
"""

from __future__ import annotations

import ast
import re

from course_lib.grading.rules import is_blocked

__all__ = ["strip_magics", "imports_of"]


def imports_of(source: str, blocked, allowed=()) -> list[str]:
    """The modules ``source`` imports that ``blocked`` refuses (in the order they appear)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            if not is_blocked(node.module, blocked, allowed):
                names = names[1:]
        else:
            continue
        for module in names:
            if is_blocked(module, blocked, allowed) and module not in found:
                found.append(module)
                break
    return found


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
