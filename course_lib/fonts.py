"""Chinese text in matplotlib figures: a CJK font behind DejaVu Sans, never boxes.

The course's font for Chinese is **Noto Sans CJK SC** (free, SIL Open Font License), which
installs on every system the course runs on:

- Debian/Ubuntu: ``sudo apt-get install fonts-noto-cjk`` (CI does this);
- macOS: ``brew install --cask font-noto-sans-cjk-sc``;
- Windows: install "Noto Sans SC" from fonts.google.com (right-click the font file, Install).

Fallbacks, in order, when it is missing: the same design under Adobe's name (Source Han Sans
SC), the fonts macOS and Windows ship with (PingFang SC, Hiragino Sans GB, Microsoft YaHei,
SimHei), and WenQuanYi on Linux. Latin letters and digits keep DejaVu Sans, matplotlib's
default, so English figures look exactly as before; matplotlib falls back to the CJK font
glyph by glyph.

>>> from course_lib import fonts
>>> fonts.configure() in (None,) + fonts.CJK_FONTS
True
"""

from __future__ import annotations

import warnings

from course_lib.i18n import N_, translator

__all__ = ["CJK_FONTS", "cjk_font", "configure", "install_hint", "INSTALL_HINT"]

_ = translator("widgets")

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Hiragino Sans GB",
    "Microsoft YaHei",
    "SimHei",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
)
INSTALL_HINT = N_(
    "No Chinese font was found, so Chinese text in figures would show as boxes. Install "
    "Noto Sans CJK SC (Debian/Ubuntu: `sudo apt-get install fonts-noto-cjk`; macOS: "
    "`brew install --cask font-noto-sans-cjk-sc`; Windows: Noto Sans SC from "
    "fonts.google.com), then restart the kernel."
)
_found: list[str | None] = []  # memo: [font] once looked up
_warned = False


def _known() -> set[str]:
    from matplotlib import font_manager

    return {f.name for f in font_manager.fontManager.ttflist}


def _rescan() -> None:
    """Fonts installed after matplotlib built its cache are unknown to it: add the CJK ones."""
    from matplotlib import font_manager

    fresh = font_manager.FontManager()
    known = _known()
    for entry in fresh.ttflist:
        if entry.name in CJK_FONTS and entry.name not in known:
            font_manager.fontManager.addfont(entry.fname)
    try:  # so the next kernel finds them at once
        import matplotlib

        cache = f"{matplotlib.get_cachedir()}/fontlist-v{font_manager.FontManager.__version__}.json"
        font_manager.json_dump(font_manager.fontManager, cache)
    except Exception:  # a read-only cache folder only costs the rescan next time  # noqa: BLE001
        pass


def install_hint() -> str:
    """What to install for Chinese in figures, in the course's language."""
    return _(INSTALL_HINT)


def cjk_font(rescan: bool = True) -> str | None:
    """The first of ``CJK_FONTS`` matplotlib can use here, or None. With ``rescan``, when
    matplotlib's cache knows none, the system's fonts are searched again (once)."""
    if not _found:
        known = _known()
        if not known.intersection(CJK_FONTS):
            if not rescan:
                return None
            _rescan()
            known = _known()
        _found.append(next((name for name in CJK_FONTS if name in known), None))
    return _found[0]


def configure() -> str | None:
    """Put the CJK font behind matplotlib's own font; returns its name (None: none here).

    Safe to call often. Without any CJK font, when the course speaks Chinese, it warns once
    with how to install one.
    """
    global _warned
    import matplotlib

    from course_lib.i18n import language

    font = cjk_font(rescan=language() != "en")  # English never pays for a search
    families = list(matplotlib.rcParams["font.family"])
    if font is None:
        if not _warned and language() != "en":
            _warned = True
            warnings.warn(install_hint(), stacklevel=2)
        return None
    if font not in families:
        # matplotlib falls back glyph by glyph along font.family (not within font.sans-serif)
        matplotlib.rcParams["font.family"] = families + [font]
    return font
