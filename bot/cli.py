"""The ``quizbot`` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings

if TYPE_CHECKING:
    from bot.storage.db import Database

__all__ = ["main"]

logger = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quizbot",
        description="Consumer-rights quiz, contest and FAQ bot for Telegram and the console.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run the Telegram bot (the console when no token is set)")
    run.add_argument(
        "--webhook-url", help="receive updates on this public HTTPS URL instead of long polling"
    )
    run.add_argument("--listen", default="0.0.0.0", help="webhook: address to listen on")
    run.add_argument("--port", type=int, default=8443, help="webhook: port to listen on")
    run.add_argument(
        "--secret",
        help="webhook: the secret Telegram must send "
        "(default: QUIZBOT_WEBHOOK_SECRET, else a random one)",
    )
    health = sub.add_parser(
        "health", help="exit 0 when the database opens and the bot reached Telegram lately"
    )
    health.add_argument(
        "--max-age",
        type=float,
        default=180.0,
        help="seconds since the last contact with Telegram (default 180)",
    )
    console = sub.add_parser("console", help="play and ask questions in this terminal")
    console.add_argument("--lang", choices=("zh", "en"), default="zh", help="interface language")

    banks = sub.add_parser("banks", help="question banks").add_subparsers(
        dest="banks_command", metavar="ACTION"
    )
    validate = banks.add_parser("validate", help="check bank files; exit 1 on any problem")
    validate.add_argument("paths", nargs="*", type=Path, help="files or folders")
    imp = banks.add_parser(
        "import",
        help="convert a spreadsheet (.csv/.xlsx), Red trivia list or Open Trivia DB "
        "file into a bank",
    )
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "-o", "--output", type=Path, help="where to write the bank (default: the questions folder)"
    )
    imp.add_argument("--id", help="the bank id (default: from the file name)")
    seed = banks.add_parser("seed", help="copy the shipped banks into an empty folder")
    seed.add_argument("folder", type=Path)
    exp = banks.add_parser("export", help="write a bank to a spreadsheet")
    exp.add_argument("bank", help="a bank id")
    exp.add_argument("-o", "--output", type=Path, required=True, help="FILE.xlsx")

    faq = sub.add_parser("faq", help="the FAQ").add_subparsers(
        dest="faq_command", metavar="ACTION"
    )
    ask = faq.add_parser("ask", help="how the bot would answer one question")
    ask.add_argument("text")
    ask.add_argument("--json", action="store_true", help="print the decision as JSON")
    ask.add_argument("--lang", choices=("zh", "en"), help="FAQ language (default: from the text)")
    queue = faq.add_parser(
        "unanswered", help="questions the FAQ could not answer, most asked first"
    )
    queue.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    queue.add_argument("--limit", type=int, default=None)

    stats = sub.add_parser("stats", help="how questions perform and what the FAQ misses")
    stats.add_argument("--csv", action="store_true", help="per-question figures as CSV")

    backup = sub.add_parser("backup", help="a consistent copy of the live database")
    backup.add_argument("file", type=Path, help="where to write the copy")

    results = sub.add_parser("results", help="contest results").add_subparsers(
        dest="results_command", metavar="ACTION"
    )
    results.add_parser("list", help="recent contests")
    export = results.add_parser("export", help="one contest's ranking as CSV")
    export.add_argument("contest_id", type=int)
    export.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the return value is the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"quizbot: {exc}", file=sys.stderr)
        return 2
    command = args.command or "run"
    from bot.logs import protect, setup_logging

    protect([settings.token])
    setup_logging(settings.log_level if command == "run" else "WARNING", settings.log_format)
    if command == "banks" and args.banks_command == "validate":
        return _validate(args.paths or [settings.questions_dir])
    if command == "banks" and args.banks_command == "import":
        return _import(settings, args.file, args.output, args.id)
    if command == "banks" and args.banks_command == "seed":
        return _seed(args.folder)
    if command == "banks" and args.banks_command == "export":
        return _export(settings, args.bank, args.output)
    if command == "faq" and args.faq_command == "ask":
        return _faq_ask(settings, args.text, args.json, args.lang)
    if command == "health":
        from bot.health import check_health

        verdict = check_health(settings.database, settings.data_dir, args.max_age)
        print(verdict.message, file=sys.stdout if verdict.ok else sys.stderr)
        return 0 if verdict.ok else 1
    if command == "backup":
        return _backup(settings, args.file)
    if command == "faq" and args.faq_command == "unanswered":
        return asyncio.run(_unanswered(settings, args.csv, args.limit))
    if command == "stats":
        return asyncio.run(_stats(settings, args.csv))
    if command == "results" and args.results_command in ("list", "export"):
        return asyncio.run(_results(settings, args))
    if command == "run" and getattr(args, "webhook_url", None):
        return _webhook(settings, args)
    if command in ("run", "console"):
        return _run(settings, console=command == "console", language=getattr(args, "lang", "zh"))
    parser.print_help()
    return 2


def _validate(paths: list[Path]) -> int:
    from bot.banks.loader import load_banks

    missing = [p for p in paths if not p.exists()]
    for path in missing:
        print(f"{path}: no such file or folder", file=sys.stderr)
    report = load_banks([p for p in paths if p.exists()])
    for error in report.errors:
        print(error)
    catalogue = report.catalogue
    print(
        f"{len(report.loaded)} file(s) valid: {len(catalogue.questions)} questions, "
        f"{len(catalogue.faq)} FAQ entries; {len(report.skipped)} file(s) with errors",
        file=sys.stderr,
    )
    return 1 if report.errors or missing else 0


def _import(settings: Settings, source: Path, output: Path | None, bank_id: str | None) -> int:
    from bot.banks.importers import ImportError_, import_path, slug

    try:
        result = import_path(source, bank_id)
    except (ImportError_, OSError) as exc:
        print(f"quizbot: {exc}", file=sys.stderr)
        return 1
    for problem in result.errors:
        print(problem)
    if not result.ok or result.yaml_text is None:
        print(f"{len(result.errors)} problem(s); nothing written", file=sys.stderr)
        return 1
    target = output or settings.questions_dir / f"{bank_id or slug(source.stem)}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(result.yaml_text, encoding="utf-8")
    print(f"{target}: {result.questions} questions, {result.faq} FAQ entries", file=sys.stderr)
    return 0


def _seed(folder: Path) -> int:
    """Copy the shipped banks into ``folder`` unless it already holds banks."""
    import shutil

    from bot.config import shipped_questions_dir

    if folder.is_dir() and any(folder.rglob("*.yaml")):
        print(f"{folder}: already has banks; left as it is", file=sys.stderr)
        return 0
    shutil.copytree(
        shipped_questions_dir(),
        folder,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__", "__init__.py"),
    )
    print(f"{folder}: the shipped banks, ready to edit", file=sys.stderr)
    return 0


def _export(settings: Settings, bank_id: str, output: Path) -> int:
    from bot.banks.exporter import bank_to_xlsx
    from bot.banks.loader import load_banks

    report = load_banks([settings.questions_dir])
    bank = next((b for b in report.catalogue.banks if b.id == bank_id), None)
    if bank is None:
        known = ", ".join(b.id for b in report.catalogue.banks)
        print(f"quizbot: no bank '{bank_id}' (banks: {known})", file=sys.stderr)
        return 1
    output.write_bytes(bank_to_xlsx(bank))
    print(
        f"{output}: {len(bank.questions)} questions, {len(bank.faq)} FAQ entries", file=sys.stderr
    )
    return 0


def _faq_ask(settings: Settings, text: str, as_json: bool, language: str | None) -> int:
    from bot.banks.loader import load_banks

    catalogue = load_banks([settings.questions_dir]).catalogue
    lang = language or catalogue.faq_language(text)
    decision = catalogue.matcher(lang).decide(text)
    best = decision.best
    payload = {
        "id": best.entry.id if best else None,
        "score": decision.hits[0].score if decision.hits else 0.0,
        "outcome": decision.outcome.value,
        "answer": best.entry.answer if best else None,
        "source": best.entry.source if best else None,
        "suggestions": [
            {"id": hit.entry.id, "question": hit.entry.questions[0], "score": hit.score}
            for hit in decision.suggestions
        ],
    }
    if as_json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    elif best:
        print(f"{best.entry.answer}\n\n{best.entry.source}  [{best.entry.id}, {best.score}]")
    elif decision.suggestions:
        for hit in decision.suggestions:
            print(f"? {hit.entry.questions[0]}  [{hit.entry.id}, {hit.score}]")
    else:
        print("(no answer)")
    return 0


def _backup(settings: Settings, target: Path) -> int:
    """Copy the database with SQLite's online backup API: safe while the bot writes."""
    import os
    import sqlite3
    import tempfile

    source_path = settings.database
    if not source_path.exists():
        print(f"quizbot: no database at {source_path}", file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".backup-", suffix=".tmp")
    os.close(handle)
    try:
        source = sqlite3.connect(source_path, timeout=30)
        copy = sqlite3.connect(temporary)
        try:
            source.backup(copy)  # one step: a consistent snapshot even while the bot writes
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
            version = copy.execute("PRAGMA user_version").fetchone()[0]
        finally:
            copy.close()
            source.close()
        if verdict != "ok":
            raise sqlite3.DatabaseError(f"the copy failed its check: {verdict}")
        os.replace(temporary, target)
    except sqlite3.Error as exc:
        Path(temporary).unlink(missing_ok=True)
        print(f"quizbot: backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"{target}: schema version {version}, {target.stat().st_size} bytes", file=sys.stderr)
    return 0


async def _with_db(settings: Settings) -> Database | None:
    """The bot's database, open; None (having said why) when it cannot be opened."""
    from bot.storage.db import Database, DatabaseError

    db = Database(settings.database)
    try:
        await db.open()
    except DatabaseError as exc:
        print(f"quizbot: {exc}", file=sys.stderr)
        return None
    return db


async def _unanswered(settings: Settings, as_csv: bool, limit: int | None) -> int:
    from bot.stats import unanswered, unanswered_csv

    db = await _with_db(settings)
    if db is None:
        return 1
    try:
        queue = await unanswered(db, limit)
    finally:
        await db.close()
    if as_csv:
        sys.stdout.write(unanswered_csv(queue).decode("utf-8"))
    else:
        for text, count, _last in queue:
            print(f"{count:5d}  {text}")
    return 0


async def _stats(settings: Settings, as_csv: bool) -> int:
    from bot.banks.loader import load_banks
    from bot.stats import MIN_ATTEMPTS, faq_stats, question_stats, stats_csv

    catalogue = load_banks([settings.questions_dir]).catalogue
    db = await _with_db(settings)
    if db is None:
        return 1
    try:
        banks = await question_stats(db, catalogue)
        faq = await faq_stats(db)
    finally:
        await db.close()
    if as_csv:
        sys.stdout.write(stats_csv(banks).decode("utf-8"))
        return 0
    print(
        f"{'bank / question':40} {'answers':>8} {'right':>6} {'avg s':>6}  flags "
        f"(from {MIN_ATTEMPTS} answers)"
    )
    for bank in banks:
        print(f"{bank.title[:40]:40} {bank.attempts:8d} {bank.share_right:6.0%}")
        for q in bank.questions:
            print(
                f"  {q.question_id[:38]:38} {q.attempts:8d} {q.share_right:6.0%} "
                f"{q.average_seconds:6.1f}  {' '.join(q.flags)}"
            )
    print(
        f"\nFAQ: {faq.answered} answered, {faq.suggested} suggested, {faq.unanswered} unanswered"
    )
    for text, count in faq.top_unanswered:
        print(f"{count:5d}  {text}")
    return 0


async def _results(settings: Settings, args: argparse.Namespace) -> int:
    from bot.contest_views import results_csv
    from bot.domain.contest import rank
    from bot.storage.contest_store import ContestStore

    db = await _with_db(settings)
    if db is None:
        return 1
    try:
        contests = ContestStore(db)
        if args.results_command == "list":
            for row in await contests.recent(None, limit=50):
                players = len(await contests.players(row.id))
                print(f"{row.id}\t{row.chat_id}\t{row.status.value}\t{players} players")
            return 0
        if await contests.get(args.contest_id) is None:
            print(f"quizbot: no contest {args.contest_id}", file=sys.stderr)
            return 1
        content = results_csv(rank(await contests.players(args.contest_id)))
        if args.output:
            args.output.write_bytes(content)
        else:
            sys.stdout.write(content.decode("utf-8"))
        return 0
    finally:
        await db.close()


def _webhook(settings: Settings, args: argparse.Namespace) -> int:
    import os
    import secrets

    if settings.token is None:
        print("quizbot: a webhook needs TELEGRAM_BOT_TOKEN (from @BotFather)", file=sys.stderr)
        return 2
    if not args.webhook_url.startswith(("https://", "http://")):
        print(
            f"quizbot: --webhook-url: '{args.webhook_url}' must be an https:// URL",
            file=sys.stderr,
        )
        return 2
    secret = args.secret or os.environ.get("QUIZBOT_WEBHOOK_SECRET") or secrets.token_urlsafe(32)
    if not all(ch.isalnum() or ch in "_-" for ch in secret) or not 1 <= len(secret) <= 256:
        print(
            "quizbot: the webhook secret may hold only A-Z, a-z, 0-9, _ and - (1-256)",
            file=sys.stderr,
        )
        return 2
    from bot.frontends.telegram.app import run_webhook

    return run_webhook(settings, args.webhook_url, args.listen, args.port, secret)


def _run(settings: Settings, console: bool, language: str = "zh") -> int:
    from bot.storage.db import DatabaseError

    if settings.token is None or console:
        if settings.log_level != "DEBUG":  # log lines would interleave with the dialogue
            logging.getLogger().setLevel(logging.WARNING)
        if not console:
            from bot.texts import t

            print(t("zh", "no_token") + "\n" + t("en", "no_token") + "\n", file=sys.stderr)
        try:
            asyncio.run(_console(settings, language))
        except DatabaseError as exc:
            print(f"quizbot: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            pass
        return 0
    from bot.frontends.telegram.app import run_polling

    return run_polling(settings)


async def _console(settings: Settings, language: str) -> None:
    from bot.frontends.console import Console
    from bot.runtime import Runtime

    runtime = Runtime(settings)
    await runtime.start()
    try:
        await Console(runtime.engine, sys.stdin, sys.stdout, language).run()
    finally:
        await runtime.stop()
