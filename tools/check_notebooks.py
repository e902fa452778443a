"""Fail when a notebook is committed with outputs or without a kernelspec.

Usage: python tools/check_notebooks.py DIR [DIR ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def problems(path: Path) -> list[str]:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"{path}: not a readable notebook ({exc})"]
    found = []
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") == "code" and (cell.get("outputs") or cell.get("execution_count")):
            found.append(f"{path}: cell {i} has stored outputs or an execution count")
    if nb.get("metadata", {}).get("kernelspec", {}).get("name") != "python3":
        found.append(f"{path}: metadata has no python3 kernelspec")
    return found


def main(dirs: list[str]) -> int:
    paths = sorted(p for d in dirs for p in Path(d).glob("*.ipynb"))
    found = [line for p in paths for line in problems(p)]
    for line in found:
        print(line)
    print(f"checked {len(paths)} notebooks: {'OK' if not found else f'{len(found)} problems'}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["notebooks", "solutions", "exercises"]))
