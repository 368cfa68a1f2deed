"""Plain text into and out of rich text fields, for front-end forms with a plain textarea.

Wagtail only offers a flattening of rich text for its search index
(``get_text_for_indexing``), which runs paragraphs together; these two keep
paragraphs and line breaks, and never let HTML typed into a form through.
"""

import re
from html import unescape

from django.utils.html import linebreaks, strip_tags

BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote)\s*>", re.IGNORECASE)
LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
BLANK_LINES = re.compile(r"\n{3,}")


def rich_text_from_plain_text(text: str) -> str:
    """Rich text from typed text: paragraphs at blank lines, line breaks kept, all escaped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return linebreaks(text, autoescape=True) if text else ""


def plain_text_from_rich_text(html: str) -> str:
    """The words of rich text as plain text, one paragraph per block, for a textarea."""
    text = LINE_BREAK.sub("\n", html or "")
    text = BLOCK_END.sub("\n\n", text)
    text = unescape(strip_tags(text))
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    return BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
