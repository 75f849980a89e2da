"""The docs' picture hook: a page's examples run in order, and each marker becomes the SVG
of the ``Axes`` it names, as drawn at that point of the page."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("matplotlib")

HOOK = Path(__file__).parents[1] / "docs" / "hooks" / "pictures.py"


def hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_pictures", HOOK)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PAGE = """# A page

```pycon
>>> import matplotlib.pyplot as plt
>>> ax = plt.subplots()[1]
>>> _ = ax.plot([0, 1], [0, 3]), ax.set_title("first")
>>> plt.close(ax.figure)

```

<!-- picture: ax -->

Then another:

```pycon
>>> ax = plt.subplots()[1]
>>> _ = ax.bar(["a", "b"], [1, 2]), ax.set_title("second")
>>> plt.close(ax.figure)

```

<!-- picture: ax -->
"""


def test_each_marker_becomes_the_picture_drawn_above_it() -> None:
    drawn = hook().draw_pictures(PAGE)
    first, second = drawn.split('<figure class="cshealth-picture" markdown="0">')[1:]
    assert "<svg" in first
    assert "first" in first.split("</figure>")[0]
    assert "second" in second.split("</figure>")[0]
    assert "Then another:" in first
    assert "<!--" not in drawn
    assert "\n\n" not in second.split("</figure>")[0]  # one raw HTML block
    assert hook().draw_pictures(PAGE) == drawn  # the same bytes on every build


def test_pages_without_markers_are_left_alone() -> None:
    assert hook().draw_pictures("# Plain\n\ntext\n") == "# Plain\n\ntext\n"


def test_a_failing_example_or_a_wrong_name_fails_the_build() -> None:
    broken = "```pycon\n>>> 1 / 0\n\n```\n\n<!-- picture: ax -->\n"
    with pytest.raises(RuntimeError, match="an example failed"):
        hook().draw_pictures(broken, "guide/x.md")
    wrong = "```pycon\n>>> ax = 3\n\n```\n\n<!-- picture: ax -->\n"
    with pytest.raises(RuntimeError, match="names 'ax', not an Axes"):
        hook().draw_pictures(wrong, "guide/x.md")
