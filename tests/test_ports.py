"""The ports' own pieces: a call repeated on a Scheduler."""

from __future__ import annotations

from bot.ports import Repeating
from tests.conftest import FakeClock, FakeScheduler


async def test_a_repeating_call_counts_from_the_end_of_the_last_and_stops_for_good() -> None:
    clock = FakeClock(0.0)
    scheduler = FakeScheduler(clock)
    calls: list[float] = []
    job: Repeating

    async def work() -> None:
        calls.append(clock.now())
        clock.advance(1.5)  # a slow call: the next counts from its end
        if len(calls) == 3:
            job.stop()  # stopped while a call is under way: no call after it

    job = Repeating(scheduler, clock, 5.0, "work", work)
    await scheduler.advance(60)
    assert calls == []  # not started
    job.start()
    await scheduler.advance(60)
    assert calls == [65.0, 71.5, 78.0]
    assert "work" not in scheduler.jobs
    job.start()  # started again: it goes on
    await scheduler.advance(6)
    assert len(calls) == 4


async def test_a_failing_repeating_call_is_tried_again() -> None:
    clock = FakeClock(0.0)
    scheduler = FakeScheduler(clock)
    calls = 0

    async def fail() -> None:
        nonlocal calls
        calls += 1
        raise ConnectionError("away")

    Repeating(scheduler, clock, 2.0, "fail", fail).start()
    for _ in range(3):
        try:
            await scheduler.advance(2)
        except ConnectionError:
            pass
    assert calls == 3 and "fail" in scheduler.jobs
