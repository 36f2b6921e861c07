"""The README's contents list and pictures: every section is listed and every link lands, and
the pictures it shows are files in the repository that scripts/make_pictures.py redraws."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _headings() -> list[tuple[int, str]]:
    """(level, text) of the ## and ### headings outside code blocks."""
    found, in_code = [], False
    for line in README.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and (m := re.match(r"^(##+) (.+)$", line)) and len(m.group(1)) <= 3:
            found.append((len(m.group(1)), m.group(2)))
    return found


def _anchor(text: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def test_the_contents_list_every_section_and_its_links_land() -> None:
    contents = README.split("## Contents\n", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^( *)- \[(.+)\]\(#([^)]+)\)$", contents, re.M)
    sections = [(level, text) for level, text in _headings() if text != "Contents"]
    assert [(len(indent) // 2 + 2, text) for indent, text, _ in listed] == sections
    for _, text, anchor in listed:
        assert anchor == _anchor(text), text


def test_the_pictures_are_in_the_repository() -> None:
    pictures = re.findall(r"!\[[^\]]+\]\(([^)]+)\)", README)
    assert {Path(p).name for p in pictures} >= {"site.png", "boundary.png", "graph.svg"}
    for picture in pictures:
        assert (ROOT / picture).is_file(), picture
        assert (ROOT / picture).stat().st_size < 300_000, f"{picture} is too big for the repo"
    script = (ROOT / "scripts" / "make_pictures.py").read_text(encoding="utf-8")
    for picture in pictures:
        assert Path(picture).name in script, f"make_pictures.py does not redraw {picture}"


def test_the_first_example_has_gradients_that_mean_something() -> None:
    first = README.split("## A first look", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(first, {"__name__": "__readme__"})
    # (the numpy backend prints the rows as an array: compare without commas and spaces)
    assert re.sub(r"[\s,]", "", out.getvalue()) == "1.28125[[4.75][0.75]]"


def test_no_command_installs_the_unrelated_match_package() -> None:
    for text in (README, (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")):
        assert not re.search(r"pip install ['\"]?match(\[|['\"\s]|$)", text, re.M)
