"""Dependency direction, checked: the engine and the domain never touch Telegram."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import bot

ROOT = Path(bot.__file__).parent
#: What only the Telegram front end (and the command line that starts it) may import.
TELEGRAM = ("telegram", "bot.frontends.telegram")


def imports_of(source: str, module: str) -> set[str]:
    """The dotted names ``module`` imports, relative imports resolved."""
    names: set[str] = set()
    package = module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            names.add(".".join([*base, *(node.module or "").split(".")]).strip("."))
    return names


def module_of(path: Path) -> str:
    return ".".join(("bot", *path.relative_to(ROOT).with_suffix("").parts))


def touches(names: set[str], forbidden: tuple[str, ...]) -> set[str]:
    return {n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden)}


def modules(*parts: str) -> list[Path]:
    found = []
    for part in parts:
        target = ROOT / part
        found += sorted(target.rglob("*.py")) if target.is_dir() else [target]
    return found


ENGINE = [
    p
    for p in modules(".")
    if "telegram" not in p.relative_to(ROOT).parts and p.name not in ("cli.py", "__main__.py")
]


@pytest.mark.parametrize("path", modules("domain"), ids=lambda p: p.name)
def test_domain_is_pure(path: Path) -> None:
    names = imports_of(path.read_text(encoding="utf-8"), module_of(path))
    assert not touches(names, (*TELEGRAM, "aiosqlite", "sqlite3", "yaml", "aiohttp"))


@pytest.mark.parametrize("path", ENGINE, ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_and_console_never_import_telegram(path: Path) -> None:
    assert not touches(imports_of(path.read_text(encoding="utf-8"), module_of(path)), TELEGRAM)


def test_the_check_itself_sees_telegram_imports() -> None:
    app = ROOT / "frontends" / "telegram" / "app.py"
    assert touches(imports_of(app.read_text(encoding="utf-8"), module_of(app)), TELEGRAM)
    assert {"bot.contests.runner", "bot.engine", "bot.frontends.console"} <= {
        module_of(p) for p in ENGINE
    }
    relative = "from .frontends.telegram import common\nfrom . import views\n"
    assert imports_of(relative, "bot.engine") == {"bot.frontends.telegram", "bot"}
    assert touches(imports_of(relative, "bot.engine"), TELEGRAM) == {"bot.frontends.telegram"}


FRONT_ENDS = modules("frontends")
#: What a front end reaches only through the services.
STORAGE_ATTRIBUTES = {"db", "store", "batcher", "contests_store"}
_SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.S
)


@pytest.mark.parametrize("path", FRONT_ENDS, ids=lambda p: str(p.relative_to(ROOT)))
def test_front_ends_reach_storage_only_through_the_services(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert not touches(imports_of(source, module_of(path)), ("bot.storage",))
    touched = {
        node.attr
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr in STORAGE_ATTRIBUTES
    }
    assert not touched, touched


@pytest.mark.parametrize(
    "path",
    [p for p in modules(".") if "storage" not in p.relative_to(ROOT).parts],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_sql_lives_in_storage_only(path: Path) -> None:
    strings = [
        node.value
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    assert not [s for s in strings if _SQL.search(s)]


def test_the_storage_checks_can_fail() -> None:
    assert _SQL.search("SELECT id FROM users WHERE 1")
    handler = "async def h(u, context):\n    await context.runtime.db.fetchall('x')\n"
    assert any(
        isinstance(n, ast.Attribute) and n.attr == "db" for n in ast.walk(ast.parse(handler))
    )
    assert touches({"bot.storage.db"}, ("bot.storage",))
