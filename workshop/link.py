"""Print the nbgitpuller link that hands the course to each learner on the hub.

    python workshop/link.py --hub https://hub.example.org --repo https://github.com/you/course

Opening the link logs the learner in, starts their server, clones (or, on later clicks,
merges) the course into ``course/`` in their home, and opens the first notebook. Put it on the
first slide or in the chat; the same link works all day.
"""

from __future__ import annotations

import argparse
import sys
from urllib.parse import urlencode, urlsplit

from course_lib.course_map import COURSE

FIRST_NOTEBOOK = f"notebooks/{COURSE[0].file}"  # the course map's first notebook


def link(
    hub: str, repo: str, branch: str = "main", folder: str = "course", open_file: str = ""
) -> str:
    """The hub URL that pulls ``repo`` into ``folder`` and opens ``open_file`` in JupyterLab.

    >>> link("http://127.0.0.1:8000", "https://example.org/course.git")[:55]
    'http://127.0.0.1:8000/hub/user-redirect/git-pull?repo=h'
    >>> "urlpath=lab%2Ftree%2Fcourse%2Fnotebooks%2F00_start_here.ipynb" in link("http://h", "r")
    True
    """
    for name, value in (
        ("--hub", hub),
        ("--repo", repo),
        ("--branch", branch),
        ("--folder", folder),
    ):
        if not value:
            raise ValueError(f"{name} must not be empty")
    if urlsplit(hub).scheme not in ("http", "https"):
        raise ValueError(
            f"--hub must be an http(s) URL such as https://hub.example.org, got {hub!r}"
        )
    query = urlencode(
        {
            "repo": repo,
            "branch": branch,
            "targetpath": folder,
            "urlpath": f"lab/tree/{folder}/{open_file or FIRST_NOTEBOOK}",
        }
    )
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python workshop/link.py", description=__doc__.split("\n")[0])
    p.add_argument("--hub", required=True, help="the hub's address, e.g. https://hub.example.org")
    p.add_argument("--repo", required=True, help="the course's git URL (https:// or file://)")
    p.add_argument("--branch", default="main", help="branch to hand out (default main)")
    p.add_argument(
        "--folder", default="course", help="folder in each learner's home (default course)"
    )
    p.add_argument("--open", default="", help=f"notebook to open (default {FIRST_NOTEBOOK})")
    args = p.parse_args(argv)
    try:
        print(link(args.hub, args.repo, args.branch, args.folder, args.open))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
