"""Pictures drawn in the browser: anywidget views whose JavaScript and CSS live in ``static/``.

The kernel sends numbers (binary float64 buffers and small JSON specs); the
browser draws them on canvases sized to the notebook's width. Everything is
shipped with the package (no CDN): each view's module is ``static/common.js``
(shared drawing helpers) followed by its own file.

>>> view = LineCharts(panels=[], status="ready")
>>> view.status, "export default" in view._esm
('ready', True)
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

__all__ = ["LineCharts", "Playground2DView", "GraphView", "STATIC"]

STATIC = Path(__file__).with_name("static")


def _module(name: str) -> str:
    """The ES module of view ``name``: the shared helpers, then the view's own code."""
    return (STATIC / "common.js").read_text() + "\n" + (STATIC / f"{name}.js").read_text()


class LineCharts(anywidget.AnyWidget):
    """Line charts side by side with a status above them (the training playground's picture).

    ``data`` holds float64 rows of ``columns`` values each (row ``r`` is
    ``series['row'] == r``); ``panels`` lists each chart's title, axis labels,
    ``scale`` ('loss': log when it spans decades; 'value': symmetric log past
    1e3) and series (label, colour, dash, row). Non-finite values break the
    line and are marked "overflowed at epoch k"; ``diverged_at`` (>= 0) marks
    that epoch in every chart.
    """

    _esm = _module("linecharts")
    _css = (STATIC / "linecharts.css").read_text()
    panels = traitlets.List().tag(sync=True)
    data = traitlets.Bytes(b"").tag(sync=True)
    columns = traitlets.Int(0).tag(sync=True)
    epochs = traitlets.Int(0).tag(sync=True)
    diverged_at = traitlets.Int(-1).tag(sync=True)
    status = traitlets.Unicode("").tag(sync=True)
    note = traitlets.Unicode("").tag(sync=True)

    def rows(self):
        """The float64 rows as a (rows, columns) array (what the browser draws)."""
        import numpy as np

        values = np.frombuffer(self.data, dtype="<f8")
        return values.reshape(-1, self.columns) if self.columns else values.reshape(0, 0)


class Playground2DView(anywidget.AnyWidget):
    """The data playground's browser side (``course_lib.data_playground`` drives it).

    ``settings`` goes both ways (the learner's choices); ``points``,
    ``extent`` and ``inputs`` change with the data; ``frame`` (float32: the
    ``board_size``² boundary, then each hidden neuron's ``map_size``² picture),
    ``curves`` (float64: the train, then the test loss per epoch) and ``info``
    change every epoch shown.
    """

    _esm = _module("playground2d")
    _css = (STATIC / "playground2d.css").read_text()
    options = traitlets.Dict().tag(sync=True)
    settings = traitlets.Dict().tag(sync=True)
    points = traitlets.Bytes(b"").tag(sync=True)
    extent = traitlets.List([-1.0, 1.0, -1.0, 1.0]).tag(sync=True)
    inputs = traitlets.Bytes(b"").tag(sync=True)
    frame = traitlets.Bytes(b"").tag(sync=True)
    curves = traitlets.Bytes(b"").tag(sync=True)
    info = traitlets.Dict().tag(sync=True)
    board_size = traitlets.Int(50).tag(sync=True)
    map_size = traitlets.Int(20).tag(sync=True)


class GraphView(anywidget.AnyWidget):
    """The backward-pass stepper's graph (``course_lib.widgets.Stepper`` fills it).

    ``nodes`` (label, op, data and grad as text, col, row, kind, parents as
    indices) and ``order`` (node indices in the backward pass) are sent once;
    ``lines`` holds the text under the controls for each step. ``step`` (set
    by the browser's own slider and Play button, every ``interval_ms`` while
    playing) is the number of nodes done: the browser shows their gradients
    and highlights the last.
    """

    _esm = _module("graphview")
    _css = (STATIC / "graphview.css").read_text()
    nodes = traitlets.List().tag(sync=True)
    order = traitlets.List().tag(sync=True)
    lines = traitlets.List().tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    interval_ms = traitlets.Int(900).tag(sync=True)
