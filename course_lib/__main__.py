"""Command line: ``python -m course_lib walkthrough [options]``.

Prints the article's 2-2-1 example step by step; options replace any number
so a learner can check a hand calculation of their own. ``--lang zh-CN`` (or
``COURSE_LANG=zh-CN``) prints it in Simplified Chinese.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

import numpy as np

from course_lib._cli import OneLineParser
from course_lib.article import ARTICLE, article_params
from course_lib.i18n import ENV_VAR, LANGUAGES, N_, _normalise, set_language, translator
from course_lib.losses import LOSSES

_ = translator("cli")


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("expected a number, got {text}", text=repr(text))
        ) from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(_("expected a finite number, got {text}", text=repr(text)))
    return value


def _positive(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(
            _("must be a positive number, got {text}", text=repr(text))
        )
    return value


def _language(text: str) -> str:
    try:
        return _normalise(text, "--lang")
    except ValueError:
        raise argparse.ArgumentTypeError(
            _(
                "expected one of {choices}, got {text}",
                choices=", ".join(LANGUAGES),
                text=repr(text),
            )
        ) from None


PARAM_HELP = {
    "W1": N_("4 numbers, row by row (neuron 1's two weights, then neuron 2's)"),
    "b1": N_("2 numbers"),
    "W2": N_("2 numbers"),
    "b2": N_("1 number"),
}


def _add_language_option(parser) -> None:
    parser.add_argument(
        "--lang",
        type=_language,
        metavar="LANG",
        default=argparse.SUPPRESS,  # set from argv by main() before the parser is built
        help=_(
            "language of the output, one of {choices} (default: ${env}, else en)",
            choices=", ".join(LANGUAGES),
            env=ENV_VAR,
        ),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="python -m course_lib",
        description=_("Command line: ``python -m course_lib walkthrough [options]``."),
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    walk = sub.add_parser(
        "walkthrough",
        help=_("the article's 2-2-1 example, one forward and one backward pass, step by step"),
        description=_("One training step of the 2-2-1 network, every number shown."),
    )
    walk.add_argument(
        "--loss",
        choices=tuple(LOSSES),
        default="mse",
        help=_("default: mse (as the article's PyTorch code)"),
    )
    walk.add_argument(
        "--lr",
        type=_positive,
        default=ARTICLE.lr,
        help=_("learning rate (default {lr})", lr=ARTICLE.lr),
    )
    walk.add_argument(
        "--x",
        type=_number,
        nargs="+",
        metavar="X",
        help=_("2 inputs (default {x})", x=" ".join(map(str, ARTICLE.x))),
    )
    walk.add_argument("--y", type=_number, help=_("target (default {y})", y=ARTICLE.y))
    for name, text in PARAM_HELP.items():
        walk.add_argument(f"--{name}", type=_number, nargs="+", metavar="V", help=_(text))
    walk.add_argument(
        "--json", action="store_true", help=_("print one JSON object instead of the table")
    )
    for p in (parser, walk):
        _add_language_option(p)
    return parser


def _jsonable(arrays: dict) -> dict:
    return {k: np.asarray(v).tolist() for k, v in arrays.items()}


def walkthrough(args, parser) -> int:
    from course_lib.mlp import MLP
    from course_lib.walkthrough import article_comparison, format_table, step_report

    params = article_params()
    for name, want in (("W1", 4), ("b1", 2), ("W2", 2), ("b2", 1)):
        given = getattr(args, name)
        if given is not None:
            if len(given) != want:
                if want == 1:
                    message = _("expected 1 number, got {got}", got=len(given))
                else:
                    message = _("expected {want} numbers, got {got}", want=want, got=len(given))
                parser.error(f"argument --{name}: {message}")
            params[name] = np.array(given).reshape(params[name].shape)
    x = args.x if args.x is not None else list(ARTICLE.x)
    if len(x) != 2:
        message = _("expected 2 inputs (the network has two), got {got}", got=len(x))
        parser.error(f"argument --x: {message}")
    y = ARTICLE.y if args.y is None else args.y
    net = MLP([2, 2, 1], ARTICLE.activation, params=params)
    report = step_report(net, x, y, lr=args.lr, loss=args.loss)
    if args.json:
        out = {
            "prediction": report["prediction"],
            "loss": report["loss"],
            "grads": _jsonable(report["grads"]),
            "updated": _jsonable(report["updated"]),
            "next_prediction": report["next_prediction"],
        }
        print(json.dumps(out))
        return 0
    is_article = (
        all(np.array_equal(params[k], v) for k, v in article_params().items())
        and list(x) == list(ARTICLE.x)
        and y == ARTICLE.y
        and args.lr == ARTICLE.lr
    )
    article = article_comparison(net, x, y, lr=args.lr) if is_article else None
    heading = _(
        "The 2-2-1 network, x = {x}, y = {y}, loss {loss}, lr {lr}",
        x=list(x),
        y=f"{y:g}",
        loss=args.loss,
        lr=f"{args.lr:g}",
    )
    print(heading + "\n")
    print(format_table(report, lr=args.lr, article=article))
    return 0


def _language_in(argv) -> str | None:
    """The ``--lang`` of ``argv`` if it names a language, read before the parser is built so
    that its help and errors are in that language too (a bad value is reported by the parser)."""

    class Quiet(argparse.ArgumentParser):
        def error(self, message):
            raise ValueError(message)

    early = Quiet(add_help=False, allow_abbrev=False)  # "--l" may be --loss or --lr
    early.add_argument("--lang", type=_language)
    try:
        return early.parse_known_args(argv)[0].lang
    except ValueError:
        return None


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    lang = _language_in(argv)
    if lang is not None:
        set_language(lang)
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "lang", None) is not None:  # also when abbreviated ("--lan zh-CN")
        set_language(args.lang)
    if args.command == "walkthrough":
        return walkthrough(args, parser)
    return 2


if __name__ == "__main__":
    sys.exit(main())
