"""Markdown written by staff and trainees, rendered to safe HTML.

markdown-it-py parses CommonMark (raw HTML off); nh3 (ammonia) then keeps
only an allow-list of tags and attributes, so even a parser bug cannot
let a script or an event handler through.  Links get ``rel="noopener
noreferrer nofollow"`` and only http(s)/mailto schemes survive.
"""

from __future__ import annotations

from functools import cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

__all__ = ["render_markdown"]

_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
}
_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}


@cache
def _parser() -> MarkdownIt:
    # "js-default": CommonMark with tables and strikethrough, raw HTML disabled.
    return MarkdownIt("js-default", {"linkify": False, "typographer": False})


def render_markdown(text: str | None) -> Markup:
    """*text* as sanitised HTML, ready for a template (headings start at h2: the page owns h1)."""
    if not text:
        return Markup("")
    html = _parser().render(text).replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)
