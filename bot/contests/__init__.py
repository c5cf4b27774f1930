"""Timed contests in groups: live state, the runner, and the results reader."""

from bot.contests.live import TICK, Ack, ChartData, ContestPresenter, Live, Reveal
from bot.contests.results import ContestResults, ContestSummary
from bot.contests.runner import ContestRunner

__all__ = [
    "TICK",
    "Ack",
    "ChartData",
    "ContestPresenter",
    "ContestResults",
    "ContestRunner",
    "ContestSummary",
    "Live",
    "Reveal",
]
