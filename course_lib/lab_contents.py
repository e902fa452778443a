"""JupyterLab's contents manager for the course (``make lab`` uses it): notebooks reopen cleanly.

- On opening a notebook, JupyterLab writes the kernel's ``language_info``
  into it; the committed notebooks say Python ``3.11``, the kernel says
  ``3.11.7``, so every notebook was marked modified the moment it opened.
  This manager hands out each Python notebook with the version of the Python
  that serves it (the course's venv, which also runs the kernel).
- A saved widget output points at a model that lives in the kernel; after a
  restart it is gone and JupyterLab shows "Error displaying widget". On
  saving, this manager replaces each widget output with a short note, "Run
  this cell to start the widget" (the live widget stays on screen), in the notebook's own
  language (a zh-CN notebook's ``metadata.language``), else the course's.

Used as ``--ServerApp.contents_manager_class=course_lib.lab_contents.CourseContentsManager``;
imports jupyter_server, so only the server loads it.
"""

from __future__ import annotations

import platform

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager

from course_lib import i18n
from course_lib.i18n import N_, translator

__all__ = ["CourseContentsManager", "with_this_python", "without_widget_views", "RUN_NOTE"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
RUN_NOTE = N_("Run this cell to start the widget (it needs a running kernel).")
_ = translator("widgets")


def with_this_python(notebook: dict) -> dict:
    """``notebook`` (nbformat JSON) with ``language_info.version`` of this Python, if it is a
    Python notebook; changed in place and returned.

    >>> nb = {"metadata": {"language_info": {"name": "python", "version": "3"}}}
    >>> with_this_python(nb)["metadata"]["language_info"]["version"] == platform.python_version()
    True
    """
    info = notebook.get("metadata", {}).get("language_info")
    if isinstance(info, dict) and info.get("name") == "python":
        info["version"] = platform.python_version()
    return notebook


def without_widget_views(notebook: dict) -> dict:
    """``notebook`` with each widget output replaced by ``RUN_NOTE``, in the notebook's
    language; changed in place.

    >>> out = {"output_type": "display_data", "metadata": {},
    ...        "data": {"text/plain": "VBox()", WIDGET_VIEW: {"model_id": "abc"}}}
    >>> nb = {"cells": [{"cell_type": "code", "outputs": [out]}]}
    >>> without_widget_views(nb)["cells"][0]["outputs"][0]["data"]["text/plain"] == RUN_NOTE
    True
    >>> out["data"] = {WIDGET_VIEW: {"model_id": "abc"}}
    >>> nb["metadata"] = {"language": "zh-CN"}
    >>> without_widget_views(nb)["cells"][0]["outputs"][0]["data"]["text/plain"]
    '运行这个单元格来启动控件（需要一个正在运行的内核）。'
    """
    said = notebook.get("metadata", {}).get("language")
    try:
        lang = i18n.normalise(said) if isinstance(said, str) else None
    except ValueError:
        lang = None
    with i18n.speaking(lang):
        note = _(RUN_NOTE)
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = output.get("data")
            if isinstance(data, dict) and WIDGET_VIEW in data:
                output["data"] = {"text/plain": note, "text/html": f"<p><em>{note}</em></p>"}
    return notebook


class CourseContentsManager(AsyncLargeFileManager):
    """The default manager, except that notebooks come with this Python's version and are
    saved without widget outputs."""

    async def save(self, model, path=""):
        if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
            without_widget_views(model["content"])
        return await super().save(model, path)

    async def get(self, path, content=True, type=None, format=None, **kwargs):
        model = await super().get(path, content=content, type=type, format=format, **kwargs)
        if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
            with_this_python(model["content"])
        return model
