"""The documentation builds, its link check works, and the README points only inside the repo.

``mkdocs.yml`` builds ``docs/`` in strict mode with link and anchor validation, so a broken link
or a missing anchor fails the build; a deliberately broken anchor checks that the check itself
works. The README's relative links must name files of the repository, and its ``#anchors`` into
the documentation must exist in the built pages.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
ID = re.compile(r"""\bid=["']([^"']+)["']""")
SHELF = "../" + "shared"  # the team's shelf outside the repository (spelt so as not to cite it)


def build(config: Path, site: Path) -> subprocess.CompletedProcess:
    """``mkdocs build --strict`` of ``config`` into ``site``, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config),
         "--site-dir", str(site)],
        capture_output=True, text=True, timeout=300, cwd=config.parent)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The documentation built from the repository (the build must succeed)."""
    out = tmp_path_factory.mktemp("site")
    res = build(REPO / "mkdocs.yml", out)
    assert res.returncode == 0, f"mkdocs build failed:\n{res.stdout}\n{res.stderr}"
    return out


def test_docs_build_in_strict_mode(site):
    assert (site / "index.html").is_file()
    assert (site / "odd" / "index.html").is_file()


def test_a_broken_anchor_fails_the_build(tmp_path):
    shutil.copytree(REPO / "docs", tmp_path / "docs")
    shutil.copy(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    with open(tmp_path / "docs" / "index.md", "a", encoding="utf-8") as page:
        page.write("\nSee [nothing](odd.md#no-such-anchor).\n")
    res = build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert res.returncode != 0, f"a broken anchor did not fail the build:\n{res.stderr}"
    assert "no-such-anchor" in res.stdout + res.stderr


def _without_code_blocks(text: str) -> str:
    return re.sub(r"(?ms)^```.*?^```", "", text)


def _github_slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _page_of(doc: Path, site: Path) -> Path:
    """The built HTML page of the Markdown file ``doc`` under docs/ (directory URLs)."""
    rel = doc.relative_to(REPO / "docs").with_suffix("")
    if rel.name in ("index", "README"):
        return site / rel.parent / "index.html"
    return site / rel / "index.html"


def test_readme_links_point_inside_the_repository(site):
    """Relative links name files of the repository; anchors into docs pages exist."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert SHELF not in text, f"README.md refers to {SHELF}, outside the repository"
    readme_anchors = {_github_slug(h) for h in re.findall(r"(?m)^#+ (.+)$",
                                                         _without_code_blocks(text))}
    problems, checked = [], 0
    for target in LINK.findall(_without_code_blocks(text)):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        checked += 1
        path, _, anchor = target.partition("#")
        if not path:
            if anchor not in readme_anchors:
                problems.append(f"{target}: no heading with that anchor in README.md")
            continue
        file = (REPO / path).resolve()
        if not file.is_relative_to(REPO):
            problems.append(f"{target}: outside the repository")
        elif not file.exists():
            problems.append(f"{target}: no such file")
        elif anchor:
            if not (file.suffix == ".md" and file.is_relative_to(REPO / "docs")):
                problems.append(f"{target}: anchors are checked only into docs pages")
            elif anchor not in ID.findall(_page_of(file, site).read_text(encoding="utf-8")):
                problems.append(f"{target}: {path} has no anchor #{anchor}")
    assert checked > 0, "found no relative links in README.md"
    assert not problems, "README.md links:\n" + "\n".join(problems)
