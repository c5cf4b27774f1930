"""Dependency direction, checked: the engine and the domain never touch Telegram."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import bot

ROOT = Path(bot.__file__).parent


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def modules(*parts: str) -> list[Path]:
    found = []
    for part in parts:
        target = ROOT / part
        found += sorted(target.rglob("*.py")) if target.is_dir() else [target]
    return found


@pytest.mark.parametrize("path", modules("domain"), ids=lambda p: p.name)
def test_domain_is_pure(path: Path) -> None:
    assert not imports_of(path) & {"telegram", "aiosqlite", "sqlite3", "yaml", "aiohttp"}


@pytest.mark.parametrize(
    "path",
    modules(
        "engine.py", "views.py", "texts", "storage", "banks", "runtime.py", "frontends/console.py"
    ),
    ids=lambda p: p.name,
)
def test_engine_and_console_never_import_telegram(path: Path) -> None:
    assert "telegram" not in imports_of(path)


def test_the_check_itself_sees_telegram_imports() -> None:
    assert "telegram" in imports_of(ROOT / "frontends" / "telegram" / "app.py")
