"""The ``quizbot`` command line: one sub-command, one function, over the same services."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings
from bot.domain import languages

if TYPE_CHECKING:
    from bot.banks.problems import Msg
    from bot.domain.models import Bank
    from bot.runtime import Runtime

__all__ = ["main"]

logger = logging.getLogger(__name__)

Command = Callable[[Settings, argparse.Namespace], int]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quizbot",
        description="Consumer-rights quiz, contest and FAQ bot for Telegram and the console.",
    )
    parser.set_defaults(func=_run)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    codes = languages.codes()

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
    run.set_defaults(func=_run)

    health = sub.add_parser(
        "health", help="exit 0 when the database opens and the bot reached Telegram lately"
    )
    health.add_argument(
        "--max-age",
        type=float,
        default=180.0,
        help="seconds since the last contact with Telegram (default 180)",
    )
    health.set_defaults(func=_health)

    console = sub.add_parser("console", help="play and ask questions in this terminal")
    console.add_argument(
        "--lang", choices=codes, default=languages.DEFAULT, help="interface language"
    )
    console.set_defaults(func=_console)

    banks = sub.add_parser("banks", help="question banks")
    banks.set_defaults(func=_help_of(banks))
    actions = banks.add_subparsers(dest="banks_command", metavar="ACTION")
    lang_help = "language of the messages (default: from the locale, else English)"
    validate = actions.add_parser(
        "validate", help="check bank files (and .csv/.xlsx/.json named); exit 1 on any problem"
    )
    validate.add_argument("paths", nargs="*", type=Path, help="files or folders")
    validate.add_argument("--lang", choices=codes, help=lang_help)
    validate.set_defaults(func=_validate)
    imp = actions.add_parser(
        "import",
        help="convert a spreadsheet (.csv/.xlsx), Red trivia list or Open Trivia DB "
        "file into a bank, and install it",
    )
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "-o",
        "--output",
        type=Path,
        help="write the bank to this file instead of installing it in the questions folder",
    )
    imp.add_argument("--id", help="the bank id when the file does not say it")
    imp.add_argument(
        "--force",
        action="store_true",
        help="replace a bank with another title, or delete more than a few questions",
    )
    imp.add_argument("--lang", choices=codes, help=lang_help)
    imp.set_defaults(func=_import)
    seed = actions.add_parser("seed", help="copy the shipped banks into an empty folder")
    seed.add_argument("folder", type=Path)
    seed.set_defaults(func=_seed)
    exp = actions.add_parser("export", help="write a bank to a spreadsheet (.xlsx or .csv)")
    exp.add_argument("bank", help="a bank id")
    exp.add_argument("-o", "--output", type=Path, required=True, help="FILE.xlsx or FILE.csv")
    exp.add_argument("--lang", choices=codes, help=lang_help)
    exp.set_defaults(func=_export)

    faq = sub.add_parser("faq", help="the FAQ")
    faq.set_defaults(func=_help_of(faq))
    faq_actions = faq.add_subparsers(dest="faq_command", metavar="ACTION")
    ask = faq_actions.add_parser("ask", help="how the bot would answer one question")
    ask.add_argument("text")
    ask.add_argument("--json", action="store_true", help="print the decision as JSON")
    ask.add_argument("--lang", choices=codes, help="FAQ language (default: from the text)")
    ask.set_defaults(func=_faq_ask)
    queue = faq_actions.add_parser(
        "unanswered", help="questions the FAQ could not answer, most asked first"
    )
    queue.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    queue.add_argument("--limit", type=int, default=None)
    queue.set_defaults(func=_unanswered)
    review = faq_actions.add_parser(
        "review",
        help="what people asked that the FAQ missed: list it, or approve an item as a new "
        "phrasing of an entry (written into the bank, layout kept)",
    )
    decide = review.add_mutually_exclusive_group()
    decide.add_argument("--approve", type=int, metavar="ITEM", help="add ITEM as a phrasing")
    decide.add_argument("--reject", type=int, metavar="ITEM", help="mark ITEM as not helpful")
    decide.add_argument("--ignore", type=int, metavar="ITEM", help="skip ITEM")
    review.add_argument(
        "--entry", help="with --approve: the entry's id (default: the item's first choice)"
    )
    review.add_argument("--limit", type=int, default=20, help="items listed (default 20)")
    review.set_defaults(func=_faq_review)

    stats = sub.add_parser("stats", help="how questions perform and what the FAQ misses")
    stats.add_argument("--csv", action="store_true", help="per-question figures as CSV")
    stats.set_defaults(func=_stats)

    backup = sub.add_parser("backup", help="a consistent copy of the live database")
    backup.add_argument("file", type=Path, help="where to write the copy")
    backup.set_defaults(func=_backup)

    results = sub.add_parser("results", help="contest results")
    results.set_defaults(func=_help_of(results))
    results_actions = results.add_subparsers(dest="results_command", metavar="ACTION")
    results_actions.add_parser("list", help="recent contests").set_defaults(func=_results_list)
    export = results_actions.add_parser("export", help="one contest's ranking as CSV")
    export.add_argument("contest_id", type=int)
    export.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    export.set_defaults(func=_results_export)
    return parser


def _help_of(parser: argparse.ArgumentParser) -> Command:
    """A command group run without its action: its help, and exit status 2."""

    def show(settings: Settings, args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    return show


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the return value is the exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"quizbot: {exc}", file=sys.stderr)
        return 2
    from bot.logs import protect, setup_logging

    protect([settings.token])
    running = args.func in (_run,)
    setup_logging(settings.log_level if running else "WARNING", settings.log_format)
    command: Command = args.func
    return command(settings, args)


def _fail(message: str) -> int:
    print(f"quizbot: {message}", file=sys.stderr)
    return 1


# --- banks ---------------------------------------------------------------------------------


def locale_language() -> str:
    """The language of the terminal's locale (LC_ALL, LC_MESSAGES, LANG), else English."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            code = value.split(".")[0].split("_")[0].split("-")[0].lower()
            return code if languages.is_code(code) else "en"
    return "en"


def _language(args: argparse.Namespace) -> str:
    return str(getattr(args, "lang", None) or locale_language())


def _validate(settings: Settings, args: argparse.Namespace) -> int:
    from bot.banks.importers import SUFFIXES, import_path
    from bot.banks.limits import FileRefused
    from bot.banks.loader import load_banks
    from bot.texts import t

    lang = _language(args)
    paths: list[Path] = args.paths or [settings.questions_dir]
    missing = [p for p in paths if not p.exists()]
    for path in missing:
        print(t(lang, "cli_no_such_path", path=path), file=sys.stderr)
    present = [p for p in paths if p.exists()]
    # Spreadsheets and trivia files named one by one are checked as an import would read them.
    sheets = [p for p in present if p.is_file() and p.suffix.lower() in SUFFIXES[2:]]
    report = load_banks([p for p in present if p not in sheets])
    for error in report.errors:
        print(error.render(lang))
    valid, broken = len(report.loaded), len(report.skipped)
    questions, faq = len(report.catalogue.questions), len(report.catalogue.faq)
    for path in sheets:
        try:
            result = import_path(path)
        except FileRefused as exc:
            print(exc.error.render(lang))
            broken += 1
            continue
        except OSError as exc:
            print(f"{path}: {t(lang, 'bank_cannot_read', reason=exc.strerror or exc)}")
            broken += 1
            continue
        for line in result.messages(lang):
            print(line)
        if result.ok:
            valid, questions, faq = valid + 1, questions + result.questions, faq + result.faq
        else:
            broken += 1
    summary = t(lang, "cli_validated", valid=valid, questions=questions, faq=faq, broken=broken)
    print(summary, file=sys.stderr)
    return 1 if broken or missing else 0


def _import(settings: Settings, args: argparse.Namespace) -> int:
    from bot.banks.importers import import_path
    from bot.banks.limits import FileRefused
    from bot.texts import t

    lang = _language(args)
    source: Path = args.file
    if args.output is None:
        return _install(settings, args, lang)
    output: Path = args.output
    old = _bank_at(output)
    try:
        result = import_path(source, args.id, previous=old)
    except FileRefused as exc:
        return _fail(exc.error.render(lang))
    except OSError as exc:
        return _fail(t(lang, "bank_cannot_read", reason=exc.strerror or exc))
    for line in result.messages(lang):
        print(line)
    if not result.ok or result.bank is None:
        print(t(lang, "cli_nothing_written", count=len(result.errors)), file=sys.stderr)
        return 1
    from bot.banks.installer import confirmations, write_atomically

    reasons = confirmations(old, result.bank) if old else []
    if output.exists() and old is None and not args.force:
        reasons = [_msg("cli_overwrites", path=output)]
    if reasons and not args.force:
        for reason in reasons:
            print(f"{output}: {reason.render(lang)}", file=sys.stderr)
        print(t(lang, "cli_use_force"), file=sys.stderr)
        return 1
    from bot.perf import cyclic_gc_paused

    with cyclic_gc_paused():
        write_atomically(output, result.lines())
    print(
        t(lang, "cli_written", path=output, questions=result.questions, faq=result.faq),
        file=sys.stderr,
    )
    return 0


def _msg(key: str, **values: object) -> Msg:
    from bot.banks.problems import msg

    return msg(key, **values)


def _bank_at(path: Path) -> Bank | None:
    """The valid bank a file holds now, if any (what writing over it would replace)."""
    from bot.banks.limits import FileRefused
    from bot.banks.loader import parse_bank, read_text

    if not path.is_file():
        return None
    try:
        bank, _errors, _root = parse_bank(read_text(path, str(path)), str(path))
    except FileRefused:
        return None
    return bank


def _install(settings: Settings, args: argparse.Namespace, lang: str) -> int:
    """``banks import FILE`` without ``-o``: install into the questions folder."""
    import time

    from bot.banks.installer import install_upload
    from bot.banks.limits import LOCAL, FileRefused, check_size
    from bot.banks.loader import load_banks
    from bot.texts import t

    source: Path = args.file
    try:
        check_size(str(source), source.stat().st_size, LOCAL)
        content = source.read_bytes()
    except FileRefused as exc:
        return _fail(exc.error.render(lang))
    except OSError as exc:
        return _fail(t(lang, "bank_cannot_read", reason=exc.strerror or exc))
    catalogue = load_banks([settings.questions_dir]).catalogue
    result = install_upload(
        str(source),
        content,
        catalogue,
        settings.questions_dir,
        settings.data_dir / "history",
        time.time(),
        force=args.force,
        limits=LOCAL,
        bank_id=args.id,
    )
    for error in result.errors:
        print(error.render(lang))
    if result.errors:
        print(t(lang, "cli_nothing_written", count=len(result.errors)), file=sys.stderr)
        return 1
    if result.confirm:
        for reason in result.confirm:
            print(f"{source}: {reason.render(lang)}", file=sys.stderr)
        print(t(lang, "cli_use_force"), file=sys.stderr)
        return 1
    print(
        t(
            lang,
            "cli_installed",
            path=result.path,
            title=result.title,
            id=result.bank_id,
            questions=result.questions,
            faq=result.faq,
            added=len(result.added),
            changed=len(result.changed),
            removed=len(result.removed),
        ),
        file=sys.stderr,
    )
    if result.history:
        print(t(lang, "cli_history", path=result.history), file=sys.stderr)
    return 0


def _seed(settings: Settings, args: argparse.Namespace) -> int:
    """Copy the shipped banks into ``folder`` unless it already holds banks."""
    import shutil

    from bot.config import shipped_questions_dir

    folder: Path = args.folder
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


def _export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.banks.exporter import bank_to_csv, bank_to_xlsx
    from bot.banks.loader import load_banks
    from bot.texts import t

    lang = _language(args)
    output: Path = args.output
    suffix = output.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        return _fail(t(lang, "cli_export_type", path=output))
    report = load_banks([settings.questions_dir])
    bank = next((b for b in report.catalogue.banks if b.id == args.bank), None)
    if bank is None:
        known = ", ".join(b.id for b in report.catalogue.banks)
        return _fail(t(lang, "cli_no_bank", id=args.bank, known=known))
    output.write_bytes(bank_to_xlsx(bank) if suffix == ".xlsx" else bank_to_csv(bank))
    print(
        t(lang, "cli_written", path=output, questions=len(bank.questions), faq=len(bank.faq)),
        file=sys.stderr,
    )
    return 0


# --- FAQ -----------------------------------------------------------------------------------


def _faq_ask(settings: Settings, args: argparse.Namespace) -> int:
    from bot.banks.loader import load_banks

    catalogue = load_banks([settings.questions_dir]).catalogue
    text: str = args.text
    lang = args.lang or catalogue.faq_language(text)
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
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    elif best:
        print(f"{best.entry.answer}\n\n{best.entry.source}  [{best.entry.id}, {best.score}]")
    elif decision.suggestions:
        for hit in decision.suggestions:
            print(f"? {hit.entry.questions[0]}  [{hit.entry.id}, {hit.score}]")
    else:
        print("(no answer)")
    return 0


def _unanswered(settings: Settings, args: argparse.Namespace) -> int:
    from bot.stats import unanswered_csv

    async def report(runtime: Runtime) -> int:
        queue = await runtime.stats.unanswered(args.limit)
        if args.csv:
            sys.stdout.write(unanswered_csv(queue).decode("utf-8"))
        else:
            for item in queue:
                print(f"{item.count:5d}  {item.text}")
        return 0

    return _with_runtime(settings, report)


def _faq_review(settings: Settings, args: argparse.Namespace) -> int:
    from bot.faq_desk import EditError
    from bot.storage.faq_store import PENDING

    async def review(runtime: Runtime) -> int:
        desk = runtime.faq
        item_id = args.approve or args.reject or args.ignore
        if item_id is None:
            for case in await desk.pending(args.limit):
                item = case.item
                print(f"[{item.id}] {item.text}  ({item.source}, asked {item.asked}x)")
                for number, entry in enumerate(case.choices, start=1):
                    print(f"      {number}. {entry.id}: {entry.questions[0]}")
            return 0
        found = await desk.case(item_id)
        if found is None or found.item.status != PENDING:
            return _fail(f"no pending review item {item_id}")
        if args.approve is None:
            await desk.dismiss(item_id, None, helpful=args.ignore is not None)
            print(f"item {item_id}: {'ignored' if args.ignore else 'rejected'}", file=sys.stderr)
            return 0
        entry_id = args.entry or (found.choices[0].id if found.choices else None)
        if entry_id is None:
            return _fail(f"item {item_id} has no entry to join: name one with --entry")
        try:
            added = await desk.approve(item_id, entry_id, None)
        except EditError as exc:
            return _fail(f"not added: {exc}")
        if not isinstance(added, str):
            return _fail(f"no FAQ entry '{entry_id}'")
        print(f"item {item_id}: added as a phrasing of {added}", file=sys.stderr)
        return 0

    return _with_runtime(settings, review)


# --- figures -------------------------------------------------------------------------------


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: two for a Chinese character, one for ASCII."""
    from wcwidth import wcswidth, wcwidth

    width = wcswidth(text)
    return width if width >= 0 else sum(max(wcwidth(ch), 0) for ch in text)


def _cell(text: str, width: int, right: bool = False) -> str:
    """``text`` in a column ``width`` terminal columns wide: cut with "…", padded."""
    if _width(text) > width:
        while text and _width(text) > width - 1:
            text = text[:-1]
        text += "…"
    padding = " " * (width - _width(text))
    return padding + text if right else text + padding


def _stats(settings: Settings, args: argparse.Namespace) -> int:
    from bot.stats import MIN_ATTEMPTS, stats_csv

    async def report(runtime: Runtime) -> int:
        banks = await runtime.stats.questions()
        faq = await runtime.stats.faq()
        if args.csv:
            sys.stdout.write(stats_csv(banks).decode("utf-8"))
            return 0

        def row(name: str, answers: int, share: float, seconds: str, flags: str) -> str:
            figures = [_cell(str(answers), 8, True), _cell(f"{share:.0%}", 6, True)]
            line = f"{name} {' '.join(figures)} {_cell(seconds, 6, True)}  {flags}"
            return line.rstrip()

        print(
            f"{_cell('bank / question', 40)} {'answers':>8} {'right':>6} {'avg s':>6}  flags "
            f"(from {MIN_ATTEMPTS} answers)"
        )
        for bank in banks:
            print(row(_cell(bank.title, 40), bank.attempts, bank.share_right, "", ""))
            for q in bank.questions:
                seconds = "—" if q.average_seconds is None else f"{q.average_seconds:.1f}"
                name = "  " + _cell(q.question_id, 38)
                print(row(name, q.attempts, q.share_right, seconds, " ".join(q.flags)))
        print(
            f"\nFAQ: {faq.answered} answered, {faq.suggested} suggested, "
            f"{faq.unanswered} unanswered"
        )
        for text, count in faq.top_unanswered:
            print(f"{count:5d}  {text}")
        return 0

    return _with_runtime(settings, report)


def _results_list(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    async def report(runtime: Runtime) -> int:
        zone = ZoneInfo(settings.timezone)
        print(
            f"{'id':>6}  {_cell('group', 30)} {'chat':>15}  {'status':10} {'created':16} players"
        )
        for summary in await runtime.results.recent(None, limit=50):
            created = datetime.fromtimestamp(summary.created_at, zone).strftime("%Y-%m-%d %H:%M")
            print(
                f"{summary.id:>6}  {_cell(summary.group, 30)} {summary.chat_id:>15}  "
                f"{summary.status:10} {created:16} {summary.players:>7}"
            )
        return 0

    return _with_runtime(settings, report)


def _results_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.contest_views import results_csv

    async def report(runtime: Runtime) -> int:
        if await runtime.results.contest(args.contest_id) is None:
            return _fail(f"no contest {args.contest_id}")
        content = results_csv(await runtime.results.standings(args.contest_id))
        if args.output:
            args.output.write_bytes(content)
        else:
            sys.stdout.write(content.decode("utf-8"))
        return 0

    return _with_runtime(settings, report)


def _with_runtime(settings: Settings, report: Callable[[Runtime], Awaitable[int]]) -> int:
    """Run ``report`` over the services with the database open; 1 if it cannot be opened."""
    from bot.storage.db import DatabaseError

    async def run() -> int:
        async with _opened(settings) as runtime:
            return await report(runtime)

    try:
        return asyncio.run(run())
    except DatabaseError as exc:
        return _fail(str(exc))


@asynccontextmanager
async def _opened(settings: Settings) -> AsyncIterator[Runtime]:
    from bot.runtime import Runtime

    runtime = Runtime(settings)
    await runtime.open()
    try:
        yield runtime
    finally:
        await runtime.stop()


# --- operations ----------------------------------------------------------------------------


def _health(settings: Settings, args: argparse.Namespace) -> int:
    from bot.health import check_health

    verdict = check_health(settings.database_target, settings.data_dir, args.max_age)
    print(verdict.message, file=sys.stdout if verdict.ok else sys.stderr)
    return 0 if verdict.ok else 1


def _backup(settings: Settings, args: argparse.Namespace) -> int:
    """A consistent copy of the live database, safe while the bot writes: SQLite's online
    backup, or pg_dump for PostgreSQL."""
    from bot.storage.db import DatabaseError

    target: Path = args.file
    try:
        if settings.database_url is not None:
            from bot.storage.postgres import dump

            version = asyncio.run(dump(settings.database_url, target))
        else:
            from bot.storage.sqlite import copy_database

            version = copy_database(settings.database, target)
    except DatabaseError as exc:
        return _fail(str(exc))
    print(f"{target}: schema version {version}, {target.stat().st_size} bytes", file=sys.stderr)
    return 0


def _run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.storage.db import DatabaseError

    if settings.token is None and not getattr(args, "webhook_url", None):
        from bot.texts import t

        print(t("zh", "no_token") + "\n" + t("en", "no_token") + "\n", file=sys.stderr)
        return _play(settings, languages.DEFAULT)
    try:
        if getattr(args, "webhook_url", None):
            return _webhook(settings, args)
        from bot.frontends.telegram.app import run_polling

        return run_polling(settings)
    except DatabaseError as exc:  # raised by the start-up check: one line, cause and fix
        return _fail(str(exc))


def _console(settings: Settings, args: argparse.Namespace) -> int:
    return _play(settings, args.lang)


def _play(settings: Settings, language: str) -> int:
    """The console front end on the same services."""
    from bot.storage.db import DatabaseError

    if settings.log_level != "DEBUG":  # log lines would interleave with the dialogue
        logging.getLogger().setLevel(logging.WARNING)

    async def play() -> None:
        from bot.frontends.console import Console
        from bot.runtime import Runtime

        runtime = Runtime(settings)
        await runtime.start()
        try:
            await Console(runtime, sys.stdin, sys.stdout, language).run()
        finally:
            await runtime.stop()

    try:
        asyncio.run(play())
    except DatabaseError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        pass
    return 0


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
