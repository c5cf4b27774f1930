"""Organizer tools in a private chat: bank uploads, /reload, /stats, /chart."""

from __future__ import annotations

import asyncio
import logging

from telegram import InputFile, Update

from bot.banks.installer import refusal
from bot.banks.loader import LoadReport
from bot.charts import contest_chart
from bot.domain.models import User
from bot.frontends.telegram.common import chat_of, command, is_private, safe_send, see_user
from bot.frontends.telegram.context import QuizContext
from bot.frontends.telegram.permissions import is_listed_organizer, is_organizer
from bot.stats import MIN_ATTEMPTS, stats_csv
from bot.texts import t
from bot.views import fit

__all__ = ["on_chart", "on_document", "on_reload", "on_stats", "reload_text"]

logger = logging.getLogger(__name__)

#: Problems listed in one reply; the rest are counted.
MAX_LISTED = 40


async def _organizer(update: Update, context: QuizContext) -> User | None:
    """The sender if they are a listed organizer in a private chat, else None (and a word)."""
    user = await see_user(update, context)
    if not is_private(update):
        return None
    if not is_listed_organizer(context, user.id):
        await safe_send(context, chat_of(update).id, t(user.language, "organizers_only"))
        return None
    return user


def _problems(language: str, header: str, problems: list[str]) -> str:
    lines = [header, *problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        lines.append(t(language, "upload_more_errors", count=len(problems) - MAX_LISTED))
    return fit("\n".join(lines))


async def on_document(update: Update, context: QuizContext) -> None:
    """A bank file sent by an organizer: validate it, and install it when valid."""
    message = update.effective_message
    document = message.document if message else None
    user = await _organizer(update, context)
    if user is None or document is None:
        return
    chat_id = chat_of(update).id
    why = refusal(document.file_name, document.file_size)
    if why:  # refused before anything is downloaded or written
        await safe_send(context, chat_id, t(user.language, why))
        return
    name = document.file_name or "bank"
    await safe_send(context, chat_id, t(user.language, "upload_checking", name=name))
    file = await context.bot.get_file(document.file_id)
    content = bytes(await file.download_as_bytearray())
    runtime = context.runtime
    try:
        result, report = await runtime.install(name, content)
    except OSError as exc:  # a read-only questions folder, a full disk
        logger.error("cannot install %s: %s", name, exc)
        await safe_send(
            context,
            chat_id,
            t(user.language, "upload_cannot_write", folder=runtime.settings.questions_dir),
        )
        return
    if report is None:
        problems = [t(user.language, e) if e.startswith("upload_") else e for e in result.errors]
        header = t(user.language, "upload_errors", name=name, count=len(problems))
        await safe_send(context, chat_id, _problems(user.language, header, problems))
        return
    logger.info("user %d installed bank %s", user.id, result.bank_id)
    await safe_send(
        context,
        chat_id,
        t(
            user.language,
            "upload_installed",
            bank=result.bank_id,
            questions=result.questions,
            faq=result.faq,
            added=len(result.added),
            changed=len(result.changed),
            removed=len(result.removed),
            history=t(user.language, "upload_history") if result.history else "",
        ),
    )
    if report.errors:
        await safe_send(context, chat_id, reload_text(user.language, report))


def reload_text(language: str, report: LoadReport) -> str:
    catalogue = report.catalogue
    text = t(
        language,
        "reload_done",
        files=len(report.loaded) + len(report.kept),
        questions=len(catalogue.questions),
        faq=len(catalogue.faq),
    )
    if report.errors:
        header = t(language, "reload_errors", count=len(report.kept) + len(report.skipped))
        text += "\n\n" + _problems(language, header, [str(e) for e in report.errors])
    return fit(text)


@command("reload")
async def on_reload(update: Update, context: QuizContext) -> None:
    """Rescan the questions folder (organizers); broken files keep their previous version."""
    user = await _organizer(update, context)
    if user is None:
        return
    report = await context.runtime.reload()
    await safe_send(context, chat_of(update).id, reload_text(user.language, report))


@command("stats")
async def on_stats(update: Update, context: QuizContext) -> None:
    """How questions perform, and what people ask that the FAQ cannot answer (organizers)."""
    user = await _organizer(update, context)
    if user is None:
        return
    stats = context.runtime.stats
    lang = user.language
    banks = await stats.questions()
    faq = await stats.faq()
    lines = [t(lang, "stats_header", min=MIN_ATTEMPTS)]
    if not banks:
        lines.append(t(lang, "stats_no_answers"))
    for bank in banks:
        lines.append(
            t(
                lang,
                "stats_bank",
                title=bank.title,
                attempts=bank.attempts,
                share=f"{bank.share_right:.0%}",
            )
        )
        for q in bank.questions:
            if q.flags:
                flags = t(lang, "list_sep").join(t(lang, f"stats_flag_{f}") for f in q.flags)
                lines.append(
                    t(
                        lang,
                        "stats_question",
                        id=q.question_id,
                        flags=flags,
                        attempts=q.attempts,
                        share=f"{q.share_right:.0%}",
                        seconds="—" if q.average_seconds is None else q.average_seconds,
                    )
                )
    lines += [
        "",
        t(
            lang,
            "stats_faq",
            answered=faq.answered,
            suggested=faq.suggested,
            unanswered=faq.unanswered,
        ),
    ]
    if faq.top_unanswered:
        lines.append(t(lang, "stats_unanswered"))
        lines += [
            t(lang, "stats_unanswered_line", count=n, text=text[:60])
            for text, n in faq.top_unanswered
        ]
    chat_id = chat_of(update).id
    await safe_send(context, chat_id, "\n".join(lines))
    if banks:
        await context.bot.send_document(
            chat_id,
            InputFile(stats_csv(banks), filename="question-stats.csv"),
            caption=t(lang, "stats_caption"),
        )


@command("chart")
async def on_chart(update: Update, context: QuizContext) -> None:
    """/chart CONTEST_ID: the contest's chart, for its organizers."""
    user = await see_user(update, context)
    if not is_private(update):
        return
    chat_id = chat_of(update).id
    args = context.args or []
    results = context.runtime.results
    if args and args[0].isdigit():
        row = await results.contest(int(args[0]))
    else:
        recent = await results.recent(None, limit=1)
        row = await results.contest(recent[0].id) if recent else None
    if row is None or not await is_organizer(context, row.chat_id, user.id):
        await safe_send(context, chat_id, t(user.language, "chart_none"))
        return
    chart = await results.chart_data(row.id)
    png = await asyncio.to_thread(
        contest_chart, f"#{row.id}", chart.shares, chart.scores, user.language
    )
    await context.bot.send_photo(
        chat_id,
        InputFile(png, filename=f"contest-{row.id}.png"),
        caption=t(user.language, "chart_caption", id=row.id),
    )
