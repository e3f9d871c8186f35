"""The code stays clean: ruff and mypy (strict) as configured in pyproject.toml."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import REPO


def test_ruff_is_clean() -> None:
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_is_clean() -> None:
    proc = subprocess.run([sys.executable, "-m", "mypy"], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_sizes_stay_within_the_style_limits() -> None:
    """Modules under 500 lines, classes under 200, functions under 50 (docs/architecture.md)."""
    too_long = []
    for path in sorted((REPO / "src" / "coursesite").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        name = path.relative_to(REPO)
        if len(source.splitlines()) > 500:
            too_long.append(f"{name}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            limit = 200 if isinstance(node, ast.ClassDef) else 50 if isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef) else None
            if limit is not None and node.end_lineno is not None:
                lines = node.end_lineno - node.lineno + 1
                if lines > limit:
                    too_long.append(f"{name}:{node.lineno}: {node.name} {lines} lines")
    assert not too_long, "\n".join(too_long)


# The packages and top modules of src/coursesite, bottom to top (docs/architecture.md):
# each may import only from the layers below its own.
LAYERS = (
    {"coursesite", "errors", "digest", "deadline", "mediatypes", "parallel", "programs"},
    {"report", "fsutil"},
    {"config"},
    {"content", "images"},
    {"markdown"},
    {"render"},
    {"state"},
    {"build"},
    {"serve", "publish", "scaffold"},
    {"cli"},
    {"__main__"},
)


def _part_of(module: str) -> str:
    """`coursesite.render.body` -> `render`; `coursesite` -> `coursesite`."""
    return module.split(".")[1] if "." in module else module


def test_packages_import_only_downward() -> None:
    layer_of = {part: number for number, parts in enumerate(LAYERS) for part in parts}
    upward = []
    for path in sorted((REPO / "src" / "coursesite").rglob("*.py")):
        dotted = ".".join(path.relative_to(REPO / "src").with_suffix("").parts)
        own = _part_of(dotted.removesuffix(".__init__"))
        assert own in layer_of, f"{path}: add its package to LAYERS"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                if name.split(".")[0] != "coursesite" or _part_of(name) == own:
                    continue
                if layer_of[_part_of(name)] >= layer_of[own]:
                    upward.append(f"{path.relative_to(REPO)}:{node.lineno}: {own} imports {name}")
    assert not upward, "\n".join(upward)
