"""Organizer tools in a private chat: bank uploads, /reload, /stats, /chart."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import TelegramError

from bot.banks.installer import Installed, refusal
from bot.banks.loader import LoadReport
from bot.charts import contest_chart
from bot.domain import callbacks as cb
from bot.domain.args import UsageError, parse_chart
from bot.domain.models import User
from bot.domain.refusals import Refused
from bot.faq_desk import EditError, ReviewCase
from bot.frontends.telegram.common import (
    chat_of,
    command,
    is_private,
    safe_edit,
    safe_send,
    see_user,
)
from bot.frontends.telegram.context import QuizContext
from bot.frontends.telegram.keyboards import review_keyboard
from bot.frontends.telegram.permissions import is_listed_organizer, is_organizer
from bot.stats import MIN_ATTEMPTS, stats_csv
from bot.texts import t
from bot.views import fit

__all__ = [
    "confirm_text",
    "on_chart",
    "on_document",
    "on_install_choice",
    "on_reload",
    "on_review_faq",
    "on_review_pick",
    "on_stats",
    "reload_text",
]

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
    await _install(context, user, chat_id, name, content)


async def _install(
    context: QuizContext, user: User, chat_id: int, name: str, content: bytes, force: bool = False
) -> None:
    """Install a bank file and tell the organizer what happened, in their language."""
    runtime = context.runtime
    lang = user.language
    try:
        result, report = await runtime.install(name, content, force=force)
    except OSError as exc:  # a read-only questions folder, a full disk
        logger.error("cannot install %s: %s", name, exc)
        folder = runtime.settings.questions_dir
        await safe_send(context, chat_id, t(lang, "upload_cannot_write", folder=folder))
        return
    except Exception:  # a bug must not leave the organizer with "checking …" and nothing
        logger.exception("installing %s failed", name)
        await safe_send(context, chat_id, t(lang, "upload_failed", name=name))
        return
    if result.refused:
        await safe_send(context, chat_id, t(lang, result.refused))
        return
    if result.errors:
        problems = [error.render(lang) for error in result.errors]
        header = t(lang, "upload_errors", name=name, count=len(problems))
        await safe_send(context, chat_id, _problems(lang, header, problems))
        return
    if result.confirm:
        token = runtime.pending.put(user.id, name, content, runtime.clock.now())
        await safe_send(
            context,
            chat_id,
            confirm_text(lang, name, result),
            reply_markup=InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            t(lang, "install_yes"),
                            callback_data=cb.encode(cb.InstallChoice(token, "y")),
                        ),
                        InlineKeyboardButton(
                            t(lang, "install_no"),
                            callback_data=cb.encode(cb.InstallChoice(token, "n")),
                        ),
                    ]
                ]
            ),
        )
        return
    logger.info("user %d installed bank %s", user.id, result.bank_id)
    await safe_send(
        context,
        chat_id,
        t(
            lang,
            "upload_installed",
            bank=t(lang, "install_bank_name", title=result.title, id=result.bank_id),
            questions=result.questions,
            faq=result.faq,
            added=len(result.added),
            changed=len(result.changed),
            removed=len(result.removed),
            history=t(lang, "upload_history") if result.history else "",
        ),
    )
    if report is not None and report.errors:
        await safe_send(context, chat_id, reload_text(lang, report))


def confirm_text(language: str, name: str, result: Installed) -> str:
    """Why an upload waits for a yes, and what a yes does."""
    lines = [t(language, "install_confirm", name=name)]
    lines += [f"• {reason.render(language)}" for reason in result.confirm]
    lines.append(t(language, "install_confirm_history"))
    return fit("\n".join(lines))


async def on_install_choice(update: Update, context: QuizContext) -> None:
    """An organizer's yes or no to an upload that replaces a bank or deletes questions."""
    query = update.callback_query
    assert query is not None
    data = cb.decode(query.data)
    assert isinstance(data, cb.InstallChoice)
    user = await see_user(update, context)
    lang = user.language
    runtime = context.runtime
    if not is_private(update) or not is_listed_organizer(context, user.id):
        await query.answer(t(lang, "organizers_only"))
        return
    waiting = runtime.pending.take(data.token, user.id, runtime.clock.now())
    if waiting is None:
        await query.answer(t(lang, "install_expired"))
        return
    name, content = waiting
    await query.answer()
    chat_id = chat_of(update).id
    if query.message is not None:  # the question is answered: its buttons go
        with contextlib.suppress(TelegramError):
            await query.edit_message_reply_markup(reply_markup=None)
    if data.choice == "n":
        await safe_send(context, chat_id, t(lang, "install_cancelled", name=name))
        return
    await _install(context, user, chat_id, name, content, force=True)


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
        problems = [error.render(language) for error in report.errors]
        text += "\n\n" + _problems(language, header, problems)
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
    try:
        wanted = parse_chart(context.args or [])
    except UsageError as exc:
        await safe_send(context, chat_id, t(user.language, exc.key))
        return
    results = context.runtime.results
    if wanted is not None:
        row = await results.contest(wanted)
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


#: Review items sent by one /review_faq.
REVIEW_BATCH = 5


@command("review_faq")
async def on_review_faq(update: Update, context: QuizContext) -> None:
    """What people asked that the FAQ missed, one message each, with buttons to decide."""
    user = await _organizer(update, context)
    if user is None:
        return
    chat_id = chat_of(update).id
    cases = await context.runtime.faq.pending(REVIEW_BATCH)
    if not cases:
        await safe_send(context, chat_id, t(user.language, "review_empty"))
        return
    for case in cases:
        await safe_send(
            context,
            chat_id,
            review_text(case, user.language),
            reply_markup=review_keyboard(case, user.language),
        )


def review_text(case: ReviewCase, language: str) -> str:
    item = case.item
    source = t(language, f"review_source_{item.source}")
    return t(language, "review_item", text=item.text, source=source, asked=item.asked)


async def on_review_pick(update: Update, context: QuizContext) -> None:
    """An organizer decides on a review item: a new phrasing of an entry, or not."""
    query = update.callback_query
    assert query is not None
    data = cb.decode(query.data)
    user = await see_user(update, context)
    if not isinstance(data, cb.ReviewPick) or not is_listed_organizer(context, user.id):
        await query.answer(t(user.language, "organizers_only"))
        return
    desk = context.runtime.faq
    lang = user.language
    case = await desk.case(data.item_id)
    if case is None or case.item.status != "pending":
        await query.answer(t(lang, "review_taken"))
        return
    if data.action.startswith("a"):
        index = int(data.action[1:])
        if index >= len(case.choices):
            await query.answer(t(lang, "review_taken"))
            return
        entry = case.choices[index]
        try:
            added = await desk.approve(case.item.id, entry.id, user.id)
        except EditError as exc:
            await query.answer()
            await safe_edit(query.message, t(lang, "review_failed", reason=str(exc)))
            return
        if isinstance(added, Refused):
            await query.answer(t(lang, "review_taken"))
            return
        text = t(lang, "review_added", question=entry.questions[0])
    else:
        ignore = data.action == "i"
        if not await desk.dismiss(case.item.id, user.id, helpful=ignore):
            await query.answer(t(lang, "review_taken"))
            return
        text = t(lang, "review_ignored" if ignore else "review_rejected")
    await query.answer()
    await safe_edit(query.message, f"{review_text(case, lang)}\n\n{text}")
