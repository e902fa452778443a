"""Command line: ``python -m course_lib walkthrough [options]``.

Prints the article's 2-2-1 example step by step; options replace any number
so a learner can check a hand calculation of their own.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

import numpy as np

from course_lib._cli import OneLineParser
from course_lib.article import ARTICLE, article_params
from course_lib.losses import LOSSES


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _positive(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


PARAM_HELP = {
    "W1": "4 numbers, row by row (neuron 1's two weights, then neuron 2's)",
    "b1": "2 numbers",
    "W2": "2 numbers",
    "b2": "1 number",
}


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m course_lib", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    walk = sub.add_parser(
        "walkthrough",
        help="the article's 2-2-1 example, one forward and one backward pass, step by step",
        description="One training step of the 2-2-1 network, every number shown.",
    )
    walk.add_argument(
        "--loss",
        choices=tuple(LOSSES),
        default="mse",
        help="default: mse (as the article's PyTorch code)",
    )
    walk.add_argument(
        "--lr", type=_positive, default=ARTICLE.lr, help=f"learning rate (default {ARTICLE.lr})"
    )
    walk.add_argument(
        "--x", type=_number, nargs="+", metavar="X", help="2 inputs (default 0.9 1.0)"
    )
    walk.add_argument("--y", type=_number, help=f"target (default {ARTICLE.y})")
    for name, text in PARAM_HELP.items():
        walk.add_argument(f"--{name}", type=_number, nargs="+", metavar="V", help=text)
    walk.add_argument(
        "--json", action="store_true", help="print one JSON object instead of the table"
    )
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
                plural = "s" if want != 1 else ""
                parser.error(f"argument --{name}: expected {want} number{plural}, got {len(given)}")
            params[name] = np.array(given).reshape(params[name].shape)
    x = args.x if args.x is not None else list(ARTICLE.x)
    if len(x) != 2:
        parser.error(f"argument --x: expected 2 inputs (the network has two), got {len(x)}")
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
    print(f"The 2-2-1 network, x = {list(x)}, y = {y:g}, loss {args.loss}, lr {args.lr:g}\n")
    print(format_table(report, lr=args.lr, article=article))
    return 0


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "walkthrough":
        return walkthrough(args, parser)
    return 2


if __name__ == "__main__":
    sys.exit(main())
