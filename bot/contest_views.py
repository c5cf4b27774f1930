"""Plain-text rendering of contests, and their results as CSV. No Telegram here."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.contests.live import Live, Reveal
from bot.csvfile import to_csv
from bot.domain.contest import WRONG_PENALTY, PlayerScore
from bot.domain.models import LETTERS, QuestionType
from bot.texts import t
from bot.views import answer_text, display_name, option_labels

__all__ = [
    "contest_title",
    "render_announce",
    "render_contest_question",
    "render_lobby",
    "render_podium",
    "render_reveal",
    "results_csv",
]

MEDALS = ("🥇", "🥈", "🥉")
#: A quiz poll's explanation is at most 200 characters.
POLL_EXPLANATION = 200


def contest_title(live: Live) -> str:
    """The contest's name: its bank's title or topic, else "general knowledge"."""
    return live.settings.title or t(live.settings.language, "contest_general")


def render_announce(live: Live, starts_at: float, timezone: str) -> str:
    when = datetime.fromtimestamp(starts_at, ZoneInfo(timezone)).strftime("%m-%d %H:%M")
    return t(
        live.settings.language,
        "contest_announce",
        title=contest_title(live),
        count=live.total,
        seconds=live.settings.seconds,
        time=when,
    )


def render_lobby(live: Live, players: int, left: int, notes: tuple[str, ...] = ()) -> str:
    lang = live.settings.language
    negative = t(lang, "contest_negative", penalty=WRONG_PENALTY) if live.settings.negative else ""
    text = t(
        lang,
        "contest_lobby",
        title=contest_title(live),
        count=live.total,
        seconds=live.settings.seconds,
        negative=negative,
        left=left,
        players=players,
    )
    return "\n\n".join([text, *(t(lang, key) for key in notes)])


def render_contest_question(live: Live, status_line: str = "") -> str:
    """The question message of buttons mode (and the text above a poll)."""
    question = live.question
    assert question is not None
    lang = live.settings.language
    lines = [
        t(
            lang,
            "contest_question",
            number=live.position + 1,
            total=live.total,
            seconds=live.settings.seconds,
        ),
        "",
        question.text,
    ]
    if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        lines.append("")
        lines += [f"{LETTERS[i]}. {label}" for i, label in enumerate(question.options)]
    if question.type is QuestionType.MULTIPLE:
        lines.append(t(lang, "contest_multi_hint"))
    if question.type is QuestionType.OPEN:
        lines.append(t(lang, "contest_typed_hint"))
    if status_line:
        lines += ["", status_line]
    return "\n".join(lines)


def _standings(lang: str, standings: tuple[PlayerScore, ...] | list[PlayerScore]) -> list[str]:
    return [
        t(lang, "contest_top_line", rank=i, name=display_name(p.name, p.username), score=p.score)
        for i, p in enumerate(standings, start=1)
    ]


def render_reveal(live: Live, reveal: Reveal, with_question: bool = True) -> str:
    """The question closed: the right answer, how people answered, why, and the top five."""
    lang = live.settings.language
    question = reveal.question
    lines = [render_contest_question(live), ""] if with_question else []
    lines.append(t(lang, "contest_reveal_header"))
    if reveal.all_answered:
        lines.append(t(lang, "contest_all_answered"))
    lines.append(t(lang, "right_answer", answer=answer_text(question, None, lang)))
    if question.type is not QuestionType.OPEN:
        labels = option_labels(question, lang)
        names = list(LETTERS) if question.options else labels
        marks = [
            f"{'✅' if i in question.answer else '▫️'} {names[i]} {count}"
            for i, count in enumerate(reveal.counts)
        ]
        lines.append("  ".join(marks))
    lines.append(t(lang, "contest_reveal_stats", answered=reveal.answered, right=reveal.right))
    if question.type is QuestionType.OPEN and reveal.right_names:
        lines.append(t(lang, "contest_first_right", names="、".join(reveal.right_names)))
    lines.append(t(lang, "explanation", text=question.explanation))
    lines.append(t(lang, "source", text=question.source))
    if reveal.standings:
        lines += ["", t(lang, "contest_top"), *_standings(lang, reveal.standings)]
    return "\n".join(lines)


def poll_explanation(live: Live) -> str:
    """The explanation shown in a quiz poll, cut to Telegram's 200 characters."""
    question = live.question
    assert question is not None
    text = question.explanation
    return text if len(text) <= POLL_EXPLANATION else text[: POLL_EXPLANATION - 1] + "…"


def render_podium(live: Live, ranking: list[PlayerScore], stopped: bool) -> str:
    lang = live.settings.language
    key = "contest_podium_stopped" if stopped else "contest_podium"
    lines = [t(lang, key, title=contest_title(live)), ""]
    if not ranking:
        lines.append(t(lang, "contest_podium_empty"))
    for place, player in enumerate(ranking[:10], start=1):
        name = display_name(player.name, player.username)
        if place <= len(MEDALS):
            lines.append(
                t(
                    lang,
                    "contest_podium_line",
                    medal=MEDALS[place - 1],
                    name=name,
                    score=player.score,
                    correct=player.correct,
                    seconds=f"{player.time_ms / 1000:.1f}",
                )
            )
        else:
            lines.append(t(lang, "contest_podium_more", rank=place, name=name, score=player.score))
    lines += ["", t(lang, "contest_podium_footer", players=len(ranking))]
    return "\n".join(lines)


RESULT_COLUMNS = (
    "rank",
    "user_id",
    "name",
    "username",
    "score",
    "correct",
    "answered",
    "total_time_s",
)


def results_csv(ranking: list[PlayerScore]) -> bytes:
    """A contest's results as CSV, best first."""
    return to_csv(
        RESULT_COLUMNS,
        [
            [
                place,
                p.user_id,
                p.name,
                p.username or "",
                p.score,
                p.correct,
                p.answered,
                f"{p.time_ms / 1000:.3f}",
            ]
            for place, p in enumerate(ranking, start=1)
        ],
    )
