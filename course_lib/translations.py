"""The zh-CN edition, generated from the English notebooks and the translation catalogs.

English is the source. Each English notebook has a gettext catalog,
``course_lib/locale/zh_CN/notebooks/<notebook>.po``, with one entry per markdown cell
(``msgctxt`` = the cell id) and one per code comment (``msgctxt`` = ``<cell id>/comment``).
Every entry records the SHA-256 of its English text (``#. en-sha256: ...``), so a catalog
knows when the English moved on. Code is never translated: the zh-CN notebooks run the same
code, so they compute the same numbers.

course_lib's own messages (feedback, hints, widget labels, the walkthrough, the grader) are
written in English inside ``_("...")`` (see ``course_lib.i18n``); their catalogs are
``course_lib/locale/zh_CN/LC_MESSAGES/<domain>.po``, one per domain, and must keep every
``{placeholder}``.

``python -m course_lib.translations update`` brings all catalogs up to date: a new cell gets
an empty entry, a changed one keeps its old translation marked ``fuzzy`` (with the old
English beside it) until a translator revises it. ``... build`` writes ``notebooks/zh-CN/``
and ``exercises/zh-CN/`` (the exercises are made from the translated solutions, the same way
``release`` makes the English ones). ``... check`` fails if either step would change a file,
or if an entry is missing or fuzzy (``make translations`` runs update and build).
"""

from __future__ import annotations

import argparse
import ast
import difflib
import hashlib
import io
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

from course_lib.i18n import LOCALE_DIR, translator

__all__ = [
    "LANG",
    "Source",
    "SOURCES",
    "entries",
    "translate_cell_comments",
    "update",
    "build",
    "check",
]

LANG = "zh-CN"
ROOT = Path(__file__).resolve().parent.parent
CATALOGS = Path("course_lib", "locale", "zh_CN", "notebooks")  # in the repository
MESSAGES = Path("course_lib", "locale", "zh_CN", "LC_MESSAGES")  # i18n.catalog_path's folder
HASH = "en-sha256: "
SETUP_ID = "zh-cn-language"
_ = translator("notebooks")

# comments the tools read or write, never translated
_KEEP = re.compile(r"#\s*(NBVAL_|#+ ?(BEGIN|END) |noqa|type:|pragma|YOUR CODE HERE)")


@dataclass(frozen=True)
class Source:
    """One English notebook and the zh-CN notebook made from it."""

    english: Path  # relative to the repository
    target: Path
    exercise: bool  # a solution notebook: the target is its student copy

    @property
    def catalog(self) -> Path:  # relative to the repository
        return CATALOGS / (self.english.stem + ".po")


def _sources(root: Path = ROOT) -> list[Source]:
    found = [
        Source(p.relative_to(root), Path("notebooks", LANG, p.name), False)
        for p in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    ]
    found += [
        Source(p.relative_to(root), Path("exercises", LANG, p.name), True)
        for p in sorted((root / "solutions").glob("ex*.ipynb"))
    ]
    return found


SOURCES = _sources()


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _source_text(cell) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def comments(code: str) -> list[tuple[str, str]]:
    """``(prefix, text)`` of each translatable comment in ``code``: ``('# ', 'the loss')``."""
    found = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return found
    for tok in tokens:
        if tok.type != tokenize.COMMENT or _KEEP.match(tok.string):
            continue
        match = re.match(r"(#+\s*)(.*?)\s*$", tok.string)
        if match and re.search(r"[A-Za-z]", match.group(2)):
            found.append((match.group(1), match.group(2)))
    return found


def entries(nb) -> list[tuple[str, str]]:
    """``(msgctxt, English text)`` for everything translatable in a notebook, in order."""
    out = []
    for cell in nb["cells"]:
        text = _source_text(cell)
        if cell["cell_type"] == "markdown" and text.strip():
            out.append((cell["id"], text))
        elif cell["cell_type"] == "code":
            seen = set()
            for _prefix, comment in comments(text):
                if comment not in seen:
                    seen.add(comment)
                    out.append((f"{cell['id']}/comment", comment))
    return out


# --- catalogs -----------------------------------------------------------------------------------


def _load(path: Path):
    import polib

    if path.is_file():
        return polib.pofile(str(path), wrapwidth=0)
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": "course_lib",
        "Language": "zh_CN",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    return po


def _hash_of(entry) -> str | None:
    for line in (entry.comment or "").splitlines():
        if line.startswith(HASH):
            return line[len(HASH) :].strip()
    return None


def _merge(po, wanted: list[tuple[str, str]], where: str):
    """A catalog holding exactly ``wanted``: kept translations, fuzzy ones for changed text."""
    import polib

    old = {(e.msgctxt, e.msgid): e for e in po if not e.obsolete}
    by_context: dict[str, list] = {}
    for e in old.values():
        by_context.setdefault(e.msgctxt, []).append(e)
    new = polib.POFile(wrapwidth=0)
    new.metadata = po.metadata
    for context, text in wanted:
        kept = old.get((context, text))
        entry = polib.POEntry(msgctxt=context, msgid=text, msgstr="")
        entry.comment = HASH + sha(text)
        entry.occurrences = [(where, "")]
        # a markdown cell keeps its id, so its old translation is the one to revise
        least = -1.0 if not context.endswith("/comment") else 0.6
        _keep_or_carry(entry, kept, by_context.get(context, []), least)
        new.append(entry)
    return new


def _keep_or_carry(entry, kept, candidates, least: float) -> None:
    """Give ``entry`` the translation ``kept`` (the same English), else that of the most similar
    translated ``candidate`` whose English was at least ``least`` alike, marked fuzzy."""
    if kept is not None:
        entry.msgstr, entry.flags = kept.msgstr, list(kept.flags)
        entry.previous_msgid = kept.previous_msgid
        return
    text = entry.msgid
    close = [e for e in candidates if e.msgstr and e.msgid != text]
    if not close:
        return
    ratio = {id(e): difflib.SequenceMatcher(None, e.msgid, text).ratio() for e in close}
    best = max(close, key=lambda e: ratio[id(e)])
    if ratio[id(best)] > least:
        entry.msgstr, entry.flags, entry.previous_msgid = best.msgstr, ["fuzzy"], best.msgid


def english(src: Source, root: Path = ROOT):
    """The English notebook ``src`` is translated from: for an exercise, the student copy of
    its solution notebook (so the catalog holds what a learner sees, and no answer)."""
    import nbformat

    nb = nbformat.read(root / src.english, as_version=4)
    if src.exercise:
        from course_lib.grading.release import student_copy

        nb = student_copy(nb, src.english.name)
    return nb


def _write_if_changed(path: Path, text: str, check_only: bool, changed: list[str]) -> None:
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        changed.append(str(path))
        if not check_only:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")


def update(root: Path = ROOT, check_only: bool = False) -> list[str]:
    """Bring every notebook catalog up to date with the English; returns the files changed."""
    changed: list[str] = []
    for src in _sources(root):
        po = _merge(_load(root / src.catalog), entries(english(src, root)), str(src.english))
        _write_if_changed(root / src.catalog, str(po), check_only, changed)
    return changed


_FENCE = re.compile(r"```.*?```", re.S)
_CODE = re.compile(r"`[^`]+`")
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$]+\$", re.S)
_LINK = re.compile(r"\]\(([^)]+)\)")
_NUMBER = re.compile(r"(?<![A-Za-z_])\d+(?:\.\d+)?")
_GLOSSARY = LOCALE_DIR / "zh_CN" / "glossary.tsv"


def _outside_code(text: str) -> str:
    return _MATH.sub(" ", _CODE.sub(" ", re.sub(r"```.*?```", " ", text, flags=re.S)))


def structure_problems(english: str, chinese: str) -> list[str]:
    """What a translation changed that it must keep: code, formulas, links and numbers.

    >>> structure_problems("Run `f(2)` to get $x^2$.", "运行 `f(2)`，得到 $x^2$。")
    []
    >>> structure_problems("A ```f(`x`)``` block", "一个 ```f(`x`)``` 代码块")
    []
    >>> structure_problems("the loss is 0.5", "损失是 0.25")
    ['numbers differ: 0.5 in English, 0.25 in Chinese']
    """
    found = []
    if _FENCE.findall(english) != _FENCE.findall(chinese):
        found.append("code blocks differ")
    english, chinese = _FENCE.sub(" ", english), _FENCE.sub(" ", chinese)
    for name, pattern in (("code", _CODE), ("formulas", _MATH), ("links", _LINK)):
        en, zh = sorted(pattern.findall(english)), sorted(pattern.findall(chinese))
        if en != zh:
            missing = sorted(set(en) - set(zh)) or sorted(set(zh) - set(en)) or en
            found.append(f"{name} differ: {', '.join(missing)[:120]}")
    en = set(_NUMBER.findall(_outside_code(english)))
    zh = set(_NUMBER.findall(_outside_code(chinese)))
    if en != zh:
        found.append(
            f"numbers differ: {', '.join(sorted(en - zh)) or '-'} in English, "
            f"{', '.join(sorted(zh - en)) or '-'} in Chinese"
        )
    return found


def glossary() -> list[tuple[re.Pattern, str, str]]:
    """``(English pattern, Chinese term, source)`` for each row of ``glossary.tsv``."""
    rows = []
    for line in _GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            english, chinese, source = line.split("\t")
            rows.append((re.compile(rf"\b(?:{english})\b", re.I), chinese, source))
    return rows


def glossary_problems(english: str, chinese: str, terms=None) -> list[str]:
    """Glossary terms the English uses (outside code) whose Chinese term the translation lacks.

    >>> glossary_problems("Each weight has a gradient.", "每个权重都有一个梯度。")
    []
    >>> glossary_problems("the bias", "偏差")
    ['"bias" should be 偏置']
    """
    prose = _outside_code(english)
    found = []
    for pattern, term, _source in terms if terms is not None else glossary():
        hit = pattern.search(prose)
        if hit and term not in chinese:
            found.append(f'"{hit.group(0)}" should be {term}')
    return found


def placeholders(text: str) -> list[str]:
    """The ``str.format`` fields of ``text``, sorted: ``'{n} of {total}'`` -> ``['n', 'total']``."""
    import string

    try:
        return sorted(
            f"{{{name}{':' + spec if spec else ''}}}"
            for _lit, name, spec, _c in string.Formatter().parse(text)
            if name is not None
        )
    except ValueError as exc:
        return [f"<unreadable: {exc}>"]


def catalog_problems(po, label: str, terms=None, messages: bool = False) -> list[str]:
    """Missing, fuzzy or stale entries of one catalog, and translations that break a rule.

    In a message catalog (``messages``) the placeholders must also be the same.
    """
    found = []
    for e in po:
        if e.obsolete:
            continue
        where = f"{label}: {e.msgctxt or e.msgid[:40]!r}"
        if not e.msgstr.strip():
            found.append(f"{where}: not translated")
        elif "fuzzy" in e.flags:
            found.append(f"{where}: the English changed; revise the translation")
        elif _hash_of(e) is not None and _hash_of(e) != sha(e.msgid):
            found.append(f"{where}: en-sha256 does not match the English text")
        else:
            rules = structure_problems(e.msgid, e.msgstr) + glossary_problems(
                e.msgid, e.msgstr, terms
            )
            if messages and placeholders(e.msgid) != placeholders(e.msgstr):
                rules.append(
                    f"placeholders differ: {placeholders(e.msgid)} in English, "
                    f"{placeholders(e.msgstr)} in Chinese"
                )
            found += [f"{where}: {rule}" for rule in rules]
    return found


def problems(root: Path = ROOT) -> list[str]:
    """Every catalog's entries that are missing, fuzzy, stale or break a rule."""
    terms = glossary()
    found = []
    for src in _sources(root):
        found += catalog_problems(_load(root / src.catalog), src.catalog.name, terms)
    for domain in sorted(extract_messages(root)):
        po = _load(root / MESSAGES / f"{domain}.po")
        found += catalog_problems(po, f"LC_MESSAGES/{domain}.po", terms, messages=True)
    return found


# --- course_lib's own messages ------------------------------------------------------------------


def _domain_of(tree) -> str | None:
    """The domain of a module's ``_ = translator("domain")``, if it has one."""
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["_"]
            and isinstance(node.value, ast.Call)
            and getattr(node.value.func, "id", None) == "translator"
            and node.value.args
            and isinstance(node.value.args[0], ast.Constant)
        ):
            return node.value.args[0].value
    return None


def _calls(tree, names: tuple[str, ...]):
    """The string first arguments of every call to one of ``names`` in ``tree``, in order."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) in names
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value


def extract_messages(root: Path = ROOT) -> dict[str, list[tuple[str, str]]]:
    """``{domain: [(message, "course_lib/module.py"), ...]}`` for every ``_("...")`` and
    ``N_("...")`` in course_lib (a module with a translator), and every ``tr("...")`` in the
    English notebooks' code (domain ``notebooks``), in the order they appear."""
    found: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((root / "course_lib").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        domain = _domain_of(tree)
        if domain is not None:
            where = str(path.relative_to(root))
            found.setdefault(domain, []).extend((m, where) for m in _calls(tree, ("_", "N_")))
    for src in _sources(root):
        nb = english(src, root)
        for cell in nb.cells:
            if cell.cell_type == "code" and "tr(" in cell.source:
                tree = ast.parse(cell.source)
                where = str(src.english)
                found.setdefault("notebooks", []).extend((m, where) for m in _calls(tree, ("tr",)))
    return found


def update_messages(root: Path = ROOT, check_only: bool = False) -> list[str]:
    """Bring every ``LC_MESSAGES/<domain>.po`` up to date with the code; returns files changed."""
    import polib

    changed: list[str] = []
    for domain, messages in sorted(extract_messages(root).items()):
        path = root / MESSAGES / f"{domain}.po"
        old = _load(path)
        kept = {e.msgid: e for e in old if not e.obsolete}
        new = polib.POFile(wrapwidth=0)
        new.metadata = old.metadata
        current = {message for message, _where in messages}
        gone = [e for e in kept.values() if e.msgid not in current]  # their code changed
        seen: dict[str, polib.POEntry] = {}
        for message, where in messages:
            if message in seen:
                if (where, "") not in seen[message].occurrences:
                    seen[message].occurrences.append((where, ""))
                continue
            entry = polib.POEntry(msgid=message, msgstr="", occurrences=[(where, "")])
            _keep_or_carry(entry, kept.get(message), gone, 0.75)
            seen[message] = entry
            new.append(entry)
        _write_if_changed(path, str(new), check_only, changed)
    return changed


# --- the generated notebooks --------------------------------------------------------------------


def _table(po) -> dict[tuple[str, str], str]:
    return {
        (e.msgctxt, e.msgid): e.msgstr
        for e in po
        if e.msgstr and "fuzzy" not in e.flags and not e.obsolete
    }


def translate_cell_comments(code: str, table: dict[tuple[str, str], str], cell_id: str) -> str:
    """``code`` with its comments translated; everything else byte for byte the same.

    >>> translate_cell_comments("x = 1  # one\\ny = 2\\n", {("c/comment", "one"): "一"}, "c")
    'x = 1  # 一\\ny = 2\\n'
    """
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return code
    lines = code.splitlines(keepends=True)
    for tok in reversed([t for t in tokens if t.type == tokenize.COMMENT]):
        match = re.match(r"(#+\s*)(.*?)\s*$", tok.string)
        if tok.string.strip() == "# YOUR CODE HERE":
            zh = _("YOUR CODE HERE")
            new = "# " + zh
        elif match and (cell_id + "/comment", match.group(2)) in table:
            new = match.group(1) + table[(cell_id + "/comment", match.group(2))]
        else:
            continue
        row, start = tok.start
        line = lines[row - 1]
        lines[row - 1] = line[:start] + new + line[start + len(tok.string) :]
    return "".join(lines)


def _relink(markdown: str) -> str:
    """Links from a zh-CN notebook to the exercises point at the zh-CN exercises."""
    return markdown.replace("](../exercises/", f"](../../exercises/{LANG}/")


def _setup_cell():
    import nbformat

    cell = nbformat.v4.new_code_cell(
        "from course_lib.i18n import set_language\n\n"
        f'set_language("{LANG}")  # {_("feedback, widgets and figures in Chinese")}'
    )
    cell.id = SETUP_ID
    return cell


def translated(nb, table: dict[tuple[str, str], str]):
    """A copy of notebook ``nb`` in Chinese: markdown and comments from ``table``, code the same."""
    import nbformat

    out = nbformat.from_dict(dict(nb))
    out.metadata = nbformat.from_dict({**nb.metadata, "language": LANG})
    out.cells = []
    for cell in nb.cells:
        cell = nbformat.from_dict(dict(cell))
        text = _source_text(cell)
        if cell.cell_type == "markdown":
            cell.source = _relink(table.get((cell.id, text), text))
        elif cell.cell_type == "code":
            cell.source = translate_cell_comments(text, table, cell.id)
        out.cells.append(cell)
    # the first code cell sets the language: after the title, before anything runs
    first_code = next((i for i, c in enumerate(out.cells) if c.cell_type == "code"), 0)
    out.cells.insert(min(first_code, 1), _setup_cell())
    return out


def build(root: Path = ROOT, check_only: bool = False) -> list[str]:
    """Write (or with ``check_only``, compare) every zh-CN notebook; returns what differs."""
    import nbformat

    from course_lib.i18n import language, set_language

    before = language()
    set_language(LANG)
    try:
        changed: list[str] = []
        wanted = set()
        for src in _sources(root):
            zh = translated(english(src, root), _table(_load(root / src.catalog)))
            wanted.add(root / src.target)
            text = nbformat.writes(zh) + "\n"
            _write_if_changed(root / src.target, text, check_only, changed)
        for folder in {(root / s.target).parent for s in _sources(root)}:
            changed += [
                f"{p} (no English notebook for it)"
                for p in sorted(folder.glob("*.ipynb"))
                if p not in wanted
            ]
        return changed
    finally:
        set_language(before)


def check(root: Path = ROOT) -> list[str]:
    """Everything that keeps the zh-CN edition from being complete and current."""
    stale = update(root, check_only=True) + update_messages(root, check_only=True)
    found = [f"{p}: out of date; run `make translations`" for p in stale]
    found += problems(root)
    found += [f"{p}: stale; run `make translations`" for p in build(root, check_only=True)]
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_lib.translations",
        description="Keep the zh-CN notebooks and exercises in step with the English ones.",
    )
    parser.add_argument("command", choices=["update", "build", "check"])
    args = parser.parse_args(argv)
    if args.command == "update":
        for path in update() + update_messages():
            print(f"updated {path}")
        left = problems()
        print(f"{len(left)} entries to translate or revise")
        return 0
    if args.command == "build":
        for path in build():
            print(f"wrote {path}")
        return 0
    found = check()
    for line in found:
        print(line)
    print("zh-CN edition: " + ("complete and current" if not found else f"{len(found)} problems"))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
