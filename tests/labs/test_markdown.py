"""Lab texts render lists written straight after a paragraph line, as authors write them."""

from __future__ import annotations

import pytest

from labs.templatetags.markdown import markdown


@pytest.mark.parametrize(
    ("text", "html"),
    [
        (
            "With `kubectl run` only:\n- `a`: Never\n- `b`: no flag",
            "<p>With <code>kubectl run</code> only:</p>\n<ul>\n<li><code>a</code>: Never</li>\n"
            "<li><code>b</code>: no flag</li>\n</ul>",
        ),
        ("Steps:\n1. pull\n2. run", "<p>Steps:</p>\n<ol>\n<li>pull</li>\n<li>run</li>\n</ol>"),
        ("a - b - c", "<p>a - b - c</p>"),
        (
            "```yaml\nkind: Pod\n- x\n```",
            '<pre><code class="language-yaml">kind: Pod\n- x\n</code></pre>',
        ),
    ],
    ids=["bullets", "numbers", "dash-in-text", "fenced-code-untouched"],
)
def test_markdown(text: str, html: str) -> None:
    assert markdown(text) == html
