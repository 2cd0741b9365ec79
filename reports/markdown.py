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
        return SafeString("")
    return mark_safe(_MD.render(text))  # nosec B308 B703  # markdown-it escapes all text; raw HTML is off


def render_numbered_markdown(text: str, section: int) -> SafeString:
    """As `render_markdown`, with the paragraphs numbered as a PCC report numbers them within `section` 3: each
    top-level paragraph and list item is 3.1, 3.2, …, and the items of a list inside an item 3.3.1, 3.3.2, …
    (deeper lists are not numbered). The numbers are text, so they are read out and copied with the words."""
    if not text.strip():
        return SafeString("")
    tokens = _MD.parse(text)
    paragraph = item = 0
    label = ""
    for token in tokens:
        if token.type == "paragraph_open" and token.level == 0:
            paragraph += 1
            label = f"{section}.{paragraph}"
        elif token.type == "list_item_open" and token.level == 1:
            paragraph += 1
            item = 0
            label = f"{section}.{paragraph}"
        elif token.type == "list_item_open" and token.level == 3:
            item += 1
            label = f"{section}.{paragraph}.{item}"
        elif token.type in ("bullet_list_open", "ordered_list_open") and token.level in (0, 2):
            token.attrSet("class", "plain")
        elif token.type == "inline" and label:
            number = Token("text", "", 0)
            number.content = f"{label} "
            token.children = [number, *(token.children or [])]
            label = ""
    return mark_safe(_MD.renderer.render(tokens, _MD.options, {}))  # nosec B308 B703  # as render_markdown
