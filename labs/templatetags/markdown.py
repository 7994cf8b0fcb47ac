import re

import markdown as markdown_lib
from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

LIST_ITEM = re.compile(r"^(?:[-*+]|\d+\.)\s")


def lists_after_paragraphs(text: str) -> str:
    """A blank line before a list that follows a paragraph line.

    Authors write lists the GitHub way, straight after a line of text ("With `kubectl run`
    only:"); Python-Markdown reads such a list as more of the paragraph unless a blank line
    comes first. Fenced code is left alone.
    """
    lines: list[str] = []
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        previous = lines[-1] if lines else ""
        if (
            not fenced
            and LIST_ITEM.match(line)
            and previous.strip()
            and not previous[0].isspace()
            and not LIST_ITEM.match(previous)
        ):
            lines.append("")
        lines.append(line)
    return "\n".join(lines)


@register.filter
def markdown(text: str) -> SafeString:
    # Lab content is written by the project's authors and reviewed in git, so it is trusted.
    html = markdown_lib.markdown(lists_after_paragraphs(text or ""), extensions=["fenced_code"])
    return mark_safe(html)
