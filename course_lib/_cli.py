"""What course_lib's command lines share: an argument parser whose errors are one line."""

from __future__ import annotations

import argparse


class OneLineParser(argparse.ArgumentParser):
    """Reports a bad option as ``prog: error: message`` on one line (no usage block), exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")
