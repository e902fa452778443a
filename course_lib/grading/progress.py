"""A progress bar on stderr: redrawn in place on a terminal, a line per 10% in a log.

Notes name learners, so control characters in them are shown escaped, never sent.
"""

from __future__ import annotations

import sys
import time

from course_lib.grading.display import for_terminal

__all__ = ["Progress"]


class Progress:
    def __init__(self, total: int, label: str, stream=None, width: int = 30):
        self.total, self.label, self.width = max(total, 0), label, width
        self.stream = stream if stream is not None else sys.stderr
        self.done, self.start, self.last_decile = 0, time.monotonic(), -1
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def update(self, note: str = "") -> None:
        self.done += 1
        fraction = self.done / self.total if self.total else 1.0
        filled = int(self.width * fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        elapsed = time.monotonic() - self.start
        text = f"{self.label} [{bar}] {self.done}/{self.total} {elapsed:5.1f}s {note}"
        text = for_terminal(text)  # a learner's name is in the note
        if self.tty:
            self.stream.write("\r" + text[:120].ljust(120))
            if self.done == self.total:
                self.stream.write("\n")
        elif int(fraction * 10) != self.last_decile or self.done == self.total:
            self.last_decile = int(fraction * 10)
            self.stream.write(text + "\n")
        self.stream.flush()
