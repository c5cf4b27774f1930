"""Plain-text rendering of engine results, for every front end. No markup, no Telegram."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from bot.commands import Where, visible
from bot.domain import languages
from bot.domain.args import UsageError
from bot.domain.catalogue import Topic
from bot.domain.faq import FaqHit
from bot.domain.models import LETTERS, FaqEntry, Question
from bot.domain.quiz import Response, choice_letters
from bot.engine import AnswerResult, Leaderboard, QuestionView, RoundSummary, ScoreCard, Standing

if TYPE_CHECKING:
    from bot.learning import NothingDue, TopicProgress
from bot.texts import t

__all__ = [
    "MESSAGE_LIMIT",
    "answer_text",
    "answered",
    "display_name",
    "fit",
    "option_labels",
    "render_achievements",
    "render_daily",
    "render_daily_toast",
    "render_faq",
    "render_feedback",
    "render_help",
    "render_leaderboard",
    "render_nothing_due",
    "render_progress",
    "render_question",
    "render_score",
    "render_summary",
    "render_usage",
    "render_verdict",
    "selection_text",
    "stars",
    "suggestion_label",
    "topic_label",
    "topic_sections",
]

#: Telegram's limit on a message's text.
MESSAGE_LIMIT = 4096


def fit(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` cut to ``limit`` UTF-16 units (as Telegram counts them), marking the cut."""
    if len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    used = 0
    for index, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit - 1:
            return text[:index] + "…"
    return text


def option_labels(question: Question, language: str) -> list[str]:
    """The option texts players pick from (对/错 for true/false)."""
    if question.rules.fixed:
        return [t(language, key) for key in question.rules.fixed]
    return list(question.options)


def stars(difficulty: int) -> str:
    return "★" * difficulty + "☆" * (3 - difficulty)


def render_question(view: QuestionView, language: str, numbered: bool = False) -> str:
    """A question with its options: lettered for buttons, numbered for the console."""
    question = view.question
    kind = t(language, f"kind_{question.type.value}")
    header = t(
        language,
        "question_header",
        number=view.position + 1,
        total=view.total,
        kind=kind,
        stars=stars(question.difficulty),
    )
    if view.kind == "review":  # every question of a review says so, not only the first
        header = f"{t(language, 'review_header')} {header}"
    lines = [header, "", question.text]
    rules = question.rules
    # Buttons show fixed options (对/错) themselves; the console numbers every option.
    if rules.listed or (numbered and rules.fixed):
        lines.append("")
        for index, label in enumerate(option_labels(question, language)):
            lines.append(f"{index + 1}) {label}" if numbered else f"{LETTERS[index]}. {label}")
    if rules.many:
        lines.append(t(language, "pick_many_hint_console" if numbered else "pick_many_hint"))
    if rules.typed:
        lines += ["", t(language, "open_hint_console" if numbered else "open_hint")]
    return "\n".join(lines)


def answered(shown: str) -> str:
    """A question's message as it stays once answered: without the hint on how to answer
    (in any language: the user may have switched since it was sent)."""
    hints = {t(code, "pick_many_hint") for code in languages.codes()}
    return "\n".join(line for line in shown.split("\n") if line not in hints)


def answer_text(
    question: Question, response: Response | None, language: str, numbered: bool = False
) -> str:
    """A response (or, with None, the right answer) as players read it: its options lettered
    as buttons letter them, or numbered as the console numbers them."""
    if question.rules.typed:
        if response is None:
            return " / ".join(question.accepted)
        return str(response)
    indexes = question.answer if response is None else response
    if isinstance(indexes, str):
        return indexes
    labels = option_labels(question, language)
    if question.rules.fixed:
        return t(language, "list_sep").join(labels[i] for i in sorted(indexes))
    return (
        t(language, "answer_sep").join(
            f"{i + 1}) {labels[i]}" if numbered else f"{LETTERS[i]}. {labels[i]}"
            for i in sorted(indexes)
        )
        or "—"
    )


def render_verdict(result: AnswerResult, language: str) -> str:
    """Right (with the points) or wrong, in a word: a toast, or feedback's first line."""
    return t(language, "right", points=result.points) if result.correct else t(language, "wrong")


def render_feedback(result: AnswerResult, language: str, numbered: bool = False) -> str:
    """Right or wrong, the right answer, why, and the source (options named as
    :func:`render_question` showed them)."""
    question = result.question
    lines = [render_verdict(result, language)]
    if not result.correct:
        mine = answer_text(question, result.response, language, numbered)
        lines.append(t(language, "your_answer", answer=mine))
    right = answer_text(question, None, language, numbered)
    lines.append(t(language, "right_answer", answer=right))
    lines.append(t(language, "explanation", text=question.explanation))
    lines.append(t(language, "source", text=question.source))
    return "\n".join(lines)


def render_summary(summary: RoundSummary, language: str, stopped: bool = False) -> str:
    key = "round_stopped" if stopped else "round_over"
    return t(language, key, correct=summary.correct, total=summary.total, points=summary.points)


def render_score(card: ScoreCard, language: str) -> str:
    if not card.answered:
        return t(language, "score_empty")
    rank = t(language, "score_rank", rank=card.rank) if card.rank else ""
    return t(
        language,
        "score_card",
        answered=card.answered,
        correct=card.correct,
        accuracy=f"{card.accuracy:.0%}",
        points=card.points,
        best_streak=card.best_streak,
        streak=card.streak,
        rank=rank,
    ).strip()


def display_name(name: str, username: str | None) -> str:
    return f"{name} (@{username})" if username else name


def _standings(rows: list[Standing], language: str) -> list[str]:
    if not rows:
        return [t(language, "leaderboard_empty")]
    return [
        t(
            language,
            "leaderboard_line",
            rank=i,
            name=display_name(r.name, r.username),
            points=r.points,
        )
        for i, r in enumerate(rows, start=1)
    ]


def render_leaderboard(board: Leaderboard, language: str, group: bool = False) -> str:
    lines = [t(language, "leaderboard_all_group" if group else "leaderboard_all")]
    lines += _standings(board.all_time, language)
    lines += ["", t(language, "leaderboard_week")]
    lines += _standings(board.this_week, language)
    return "\n".join(lines)


def render_help(language: str, where: Where, *, console: bool = False) -> str:
    """The commands that work in ``where``, from the table of commands, with their lines.

    Commands for group administrators and for organizers come under a heading of their own.
    """
    general = Where.PRIVATE | Where.GROUP
    lines = [t(language, "help_intro")]
    for command in visible(where & general, console=console):
        lines.append(
            t(language, "help_line", name=command.name, text=t(language, f"cmd_{command.name}"))
        )
    for extra, heading in ((Where.ADMIN, "help_admins"), (Where.ORGANIZER, "help_organizers")):
        if not where & extra:
            continue
        commands = [c for c in visible(extra, console=console) if not c.where & where & general]
        if commands:
            lines += ["", t(language, heading)]
            lines += [
                t(language, "help_line", name=c.name, text=t(language, f"cmd_{c.name}"))
                for c in commands
            ]
    outro = "help_outro_private" if where & Where.PRIVATE else "help_outro_group"
    lines += ["", t(language, outro)]
    return "\n".join(lines)


def topic_sections(
    topics: list[Topic], language: str
) -> list[tuple[str, list[tuple[int, Topic]]]]:
    """/topics as sections of (header, numbered topics): the topics in the user's language,
    then the other languages' under a header of their own, numbered as ``/quiz N`` reads
    them (see :meth:`bot.domain.catalogue.Catalogue.listed_topics`)."""
    numbered = list(enumerate(topics, start=1))
    own = [(n, topic) for n, topic in numbered if topic.language == language]
    others = [(n, topic) for n, topic in numbered if topic.language != language]
    header, other_header = t(language, "topics_header"), t(language, "topics_other_header")
    sections = [(header, own)] if own else []
    if others:
        sections.append((other_header if own else f"{header}\n{other_header}", others))
    return sections


def topic_label(index: int, topic: Topic, language: str) -> str:
    """A topic as listed: its number for ``/quiz N``, its title, how many questions."""
    return t(language, "topic_line", index=index, title=topic.title, count=topic.count)


def render_faq(entry: FaqEntry, language: str) -> str:
    return t(language, "faq_answer", answer=entry.answer.strip(), source=entry.source)


def suggestion_label(hit: FaqHit, limit: int = 60) -> str:
    """A short label for a "did you mean" button: the entry's first phrasing."""
    text = hit.entry.questions[0]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def selection_text(letters: str) -> str:
    """Ticked options as shown on a multiple-choice keyboard."""
    return letters or "—"


# --- learning ------------------------------------------------------------------------------


def render_achievements(codes: tuple[str, ...] | list[str], language: str) -> list[str]:
    """One announcement per newly earned achievement."""
    return [
        t(
            language,
            "achievement_announce",
            title=t(language, f"achievement_{code}_title"),
            meaning=t(language, f"achievement_{code}_meaning"),
        )
        for code in codes
    ]


def render_daily(question: Question, day: str, language: str, numbered: bool = False) -> str:
    """The question of the day, with its options."""
    view = QuestionView(0, 0, 1, question)
    body = render_question(view, language, numbered=numbered).split("\n", 1)[1]
    return t(language, "daily_header", date=day) + "\n" + body


def render_daily_toast(result: AnswerResult, language: str) -> str:
    """The verdict on a daily answer, with the right answer when it was wrong (a toast)."""
    toast = render_verdict(result, language)
    if not result.correct:
        question = result.question
        right = (
            answer_text(question, None, language)
            if question.rules.fixed
            else choice_letters(question.answer)
        )
        toast += " " + t(language, "right_answer", answer=right)
    return toast[:200]  # Telegram's limit on a toast


def render_nothing_due(result: NothingDue, language: str, zone: tzinfo) -> str:
    """No review is due: none missed yet, or when the next one is."""
    if result.next_at is None:
        return t(language, "review_none_missed")
    when = datetime.fromtimestamp(result.next_at, zone).strftime("%Y-%m-%d %H:%M")
    return t(language, "review_next", when=when)


def render_progress(topics: list[TopicProgress], earned: list[str], language: str) -> str:
    """Per topic seen so far: questions seen, share right, review boxes; and achievements."""
    if not topics:
        return t(language, "progress_empty")
    lines = [t(language, "progress_header")]
    for index, topic in enumerate(topics, start=1):
        lines.append(
            t(
                language,
                "progress_line",
                index=f"T{index}",
                title=topic.title,
                seen=topic.seen,
                total=topic.questions,
                share=f"{topic.share_right:.0%}",
            )
        )
        if any(topic.boxes) or topic.learnt:
            lines.append(
                t(
                    language,
                    "progress_boxes",
                    learnt=topic.learnt,
                    boxes=" / ".join(str(n) for n in topic.boxes),
                )
            )
    if earned:
        names = t(language, "list_sep").join(
            t(language, f"achievement_{code}_title") for code in earned
        )
        lines += ["", t(language, "progress_achievements", names=names)]
    return "\n".join(lines)


def render_usage(error: UsageError, language: str, usage: str) -> str:
    """What is wrong with a command's arguments, then the command's usage (text ``usage``)."""
    text = t(language, error.key, **error.values)
    return text if error.key == usage else f"{text}\n{t(language, usage)}"
