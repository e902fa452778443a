"""Pictures drawn in the browser: anywidget views whose JavaScript and CSS live in ``static/``.

The kernel sends numbers (binary float64 buffers and small JSON specs); the
browser draws them on canvases sized to the notebook's width. Everything is
shipped with the package (no CDN): each view's module is ``static/common.js``
(shared drawing helpers) followed by its own file.

The JavaScript holds no text a learner reads: each view's ``labels`` (a dict synced
to the browser) brings every word it shows, in the language in use when the view is made
(``course_lib.i18n``); ``{name}`` placeholders in them are filled in the browser.

>>> view = LineCharts(panels=[], status="ready")
>>> view.status, "export default" in view._esm
('ready', True)
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

from course_lib.i18n import translator

__all__ = ["LineCharts", "Playground2DView", "GraphView", "STATIC"]

STATIC = Path(__file__).with_name("static")
_ = translator("widgets")


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
    labels = traitlets.Dict().tag(sync=True)

    @traitlets.default("labels")
    def _labels(self):
        return {
            "log_scale": _("{label} (log scale)"),
            "symlog_scale": _("{label} (symlog scale)"),
            "overflowed_at": _("overflowed at epoch {epoch}"),
            "describe_title": _("{title}."),
            "describe_overflow": _("The values overflowed at epoch {epoch}."),
            "describe_series": _("{label}: from {first} to {last}."),
        }

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
    labels = traitlets.Dict().tag(sync=True)

    @traitlets.default("labels")
    def _labels(self):
        return {
            "data": _("Data"),
            "features": _("Features"),
            "network": _("Network"),
            "training": _("Training"),
            "dataset": _("data set"),
            "noise": _("noise"),
            "test_share": _("test share"),
            "points": _("points"),
            "activation": _("activation"),
            "init": _("initialisation"),
            "seed": _("seed"),
            "lr": _("learning rate"),
            "batch_size": _("batch size"),
            "l2": _("L2 regularisation"),
            "remove_layer": _("remove a hidden layer"),
            "add_layer": _("add a hidden layer"),
            "layers_one": _("{count} hidden layer"),
            "layers": _("{count} hidden layers"),
            "remove_neuron": _("remove a neuron from hidden layer {layer}"),
            "add_neuron": _("add a neuron to hidden layer {layer}"),
            "play": _("▶ Play"),
            "pause": _("❚❚ Pause"),
            "play_name": _("play: train epoch after epoch"),
            "step": _("Step"),
            "step_name": _("step one epoch"),
            "reset": _("Reset"),
            "reset_name": _("reset the weights"),
            "inputs": _("inputs"),
            "output": _("output"),
            "neuron": _("layer {layer} neuron {neuron}"),
            "tile_name": _("what {name} computes over the plane"),
            "board_caption": _(
                "Output: the decision boundary, train (white rim) and test (black rim) points"
            ),
            "curves_caption": _("Loss per epoch: train (solid), test (dashed)"),
            "curves_epoch": _("epoch {epoch}"),
            "board_name": _("decision boundary after epoch {epoch}; {summary}"),
            "curves_name": _("train and test loss over {epoch} epochs"),
            "waiting": _("Run this cell to start the playground."),
        }


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
    labels = traitlets.Dict().tag(sync=True)

    @traitlets.default("labels")
    def _labels(self):
        return {
            "play": _("▶ Play"),
            "pause": _("❚❚ Pause"),
            "play_name": _("play the backward pass"),
            "step": _("step"),
            "readout": _("{step} of {steps}"),
            "graph_name": _("the computational graph of the loss"),
            "data": _("data {value}"),
            "grad": _("grad {value}"),
            "grad_unknown": _("grad ?"),
        }
