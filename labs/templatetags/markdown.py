import markdown as markdown_lib
from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    # Lab content is written by the project's authors and reviewed in git, so it is trusted.
    return mark_safe(markdown_lib.markdown(text or "", extensions=["fenced_code"]))
