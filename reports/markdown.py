"""Officers' prose, written in Markdown, made into HTML that is safe to put in a page or a PDF.

CommonMark with raw HTML switched off: `<script>` or `<img src="file:///etc/passwd">` typed into a section comes out
as the text it is. Links and images keep only `http`, `https` and `mailto` targets (anything else, such as
`javascript:` or `file:`, is dropped and the words stay as text); images are shown as their description, never
fetched. The PDF renderer's fetcher would refuse them anyway; this is the first line of defence.
"""

from __future__ import annotations

from typing import Any

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

SAFE_SCHEMES = ("http://", "https://", "mailto:")


def _validate_link(url: str) -> bool:
    return url.strip().lower().startswith(SAFE_SCHEMES)


def _image_as_text(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    """An image is written as its description: the report fetches nothing an officer names."""
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    return escapeHtml(f"[Image: {alt}]") if alt else ""


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.validateLink = _validate_link  # type: ignore[method-assign]
    md.add_render_rule("image", _image_as_text)
    return md


_MD = _parser()


def render_markdown(text: str) -> SafeString:
    """HTML for an officer's Markdown: paragraphs, lists, emphasis, headings and http(s)/mailto links; raw HTML is
    escaped, other links left as text. Empty text gives an empty string."""
    if not text.strip():
        return mark_safe("")  # noqa: S308 - nothing to escape
    return mark_safe(_MD.render(text))  # noqa: S308 - markdown-it escapes all text; raw HTML is off
