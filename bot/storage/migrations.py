"""Schema migrations. ``MIGRATIONS[n - 1]`` takes the database from version n-1 to n.

Never edit a migration that has shipped: add a new one. Each is written once, in SQLite's
words, and :func:`for_postgres` says the same in PostgreSQL's (a test compares the two
schemas column by column). SQLite keeps the version in ``PRAGMA user_version``, PostgreSQL
in the table ``quizbot_migrations``; tests migrate from every earlier version.
"""

from __future__ import annotations

import re

__all__ = ["MIGRATIONS", "for_postgres"]

_V1 = (
    """CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        username TEXT,
        language TEXT NOT NULL DEFAULT 'zh',
        created_at REAL NOT NULL,
        blocked INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE rounds (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL REFERENCES users(id),
        chat_id INTEGER NOT NULL,
        topic TEXT,
        question_ids TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0,
        asked_at REAL NOT NULL,
        started_at REAL NOT NULL,
        finished_at REAL
    )""",
    "CREATE INDEX rounds_open ON rounds(user_id, finished_at)",
    """CREATE TABLE answers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL REFERENCES users(id),
        chat_id INTEGER NOT NULL,
        question_id TEXT NOT NULL,
        round_id INTEGER REFERENCES rounds(id),
        position INTEGER NOT NULL,
        choice TEXT NOT NULL,
        correct INTEGER NOT NULL,
        points INTEGER NOT NULL,
        elapsed_ms INTEGER NOT NULL,
        answered_at REAL NOT NULL,
        UNIQUE (round_id, position)
    )""",
    "CREATE INDEX answers_user ON answers(user_id, answered_at)",
    "CREATE INDEX answers_question ON answers(question_id)",
    "CREATE INDEX answers_chat ON answers(chat_id, answered_at)",
    """CREATE TABLE user_stats (
        user_id INTEGER PRIMARY KEY REFERENCES users(id),
        answered INTEGER NOT NULL DEFAULT 0,
        correct INTEGER NOT NULL DEFAULT 0,
        points INTEGER NOT NULL DEFAULT 0,
        streak INTEGER NOT NULL DEFAULT 0,
        best_streak INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE faq_queries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER,
        chat_id INTEGER,
        text TEXT NOT NULL,
        normalised TEXT NOT NULL,
        language TEXT NOT NULL,
        outcome TEXT NOT NULL,
        faq_id TEXT,
        score REAL NOT NULL,
        asked_at REAL NOT NULL
    )""",
    "CREATE INDEX faq_queries_outcome ON faq_queries(outcome, normalised)",
)

# Version 2: timed contests in groups. Each contest keeps a snapshot of its questions, so
# a reload of the banks never changes a contest in progress.
_V2 = (
    """CREATE TABLE contests (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        chat_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        created_by INTEGER NOT NULL,
        settings TEXT NOT NULL,
        questions TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT -1,
        asked_at REAL,
        deadline REAL,
        paused_left REAL,
        paused_from TEXT,
        message_id INTEGER,
        scheduled_at REAL,
        created_at REAL NOT NULL,
        started_at REAL,
        finished_at REAL
    )""",
    """CREATE UNIQUE INDEX contests_one_active ON contests(chat_id)
       WHERE status NOT IN ('finished', 'stopped')""",
    """CREATE TABLE contest_players (
        contest_id INTEGER NOT NULL REFERENCES contests(id),
        user_id INTEGER NOT NULL REFERENCES users(id),
        joined_at REAL NOT NULL,
        score INTEGER NOT NULL DEFAULT 0,
        correct INTEGER NOT NULL DEFAULT 0,
        answered INTEGER NOT NULL DEFAULT 0,
        time_ms INTEGER NOT NULL DEFAULT 0,
        streak INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (contest_id, user_id)
    )""",
    "ALTER TABLE answers ADD COLUMN contest_id INTEGER REFERENCES contests(id)",
    """CREATE UNIQUE INDEX answers_contest ON answers(contest_id, position, user_id)
       WHERE contest_id IS NOT NULL""",
    """CREATE TABLE contest_polls (
        poll_id TEXT PRIMARY KEY,
        contest_id INTEGER NOT NULL REFERENCES contests(id),
        position INTEGER NOT NULL
    )""",
    """CREATE TABLE groups (
        chat_id INTEGER PRIMARY KEY,
        title TEXT,
        timezone TEXT
    )""",
)

# Version 3: learning. Missed questions in Leitner boxes, daily-question subscriptions,
# achievements, and the kind of each solo round (a quiz, a review, a daily question).
_V3 = (
    "ALTER TABLE rounds ADD COLUMN kind TEXT NOT NULL DEFAULT 'quiz'",
    "CREATE INDEX rounds_kind ON rounds(user_id, kind, topic)",
    """CREATE TABLE reviews (
        user_id INTEGER NOT NULL REFERENCES users(id),
        question_id TEXT NOT NULL,
        box INTEGER NOT NULL,
        due_at REAL NOT NULL,
        PRIMARY KEY (user_id, question_id)
    )""",
    "CREATE INDEX reviews_due ON reviews(user_id, due_at)",
    """CREATE TABLE subscriptions (
        chat_id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL,
        at TEXT NOT NULL,
        timezone TEXT NOT NULL,
        language TEXT NOT NULL,
        created_at REAL NOT NULL
    )""",
    """CREATE TABLE achievements (
        user_id INTEGER NOT NULL REFERENCES users(id),
        code TEXT NOT NULL,
        earned_at REAL NOT NULL,
        PRIMARY KEY (user_id, code)
    )""",
)

# Version 4: learning from the FAQ's use. The "did you mean" entries offered for a query
# (buttons carry the query and a position, not an entry id), what people did with an
# answer (a pick, a thumbs up or down), and the organizers' review queue.
_V4 = (
    """CREATE TABLE faq_suggestions (
        query_id INTEGER NOT NULL REFERENCES faq_queries(id),
        position INTEGER NOT NULL,
        faq_id TEXT NOT NULL,
        PRIMARY KEY (query_id, position)
    )""",
    """CREATE TABLE faq_feedback (
        query_id INTEGER NOT NULL REFERENCES faq_queries(id),
        user_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        faq_id TEXT,
        created_at REAL NOT NULL,
        PRIMARY KEY (query_id, user_id, kind)
    )""",
    """CREATE TABLE faq_reviews (
        id INTEGER PRIMARY KEY,
        language TEXT NOT NULL,
        normalised TEXT NOT NULL,
        text TEXT NOT NULL,
        source TEXT NOT NULL,
        faq_id TEXT,
        asked INTEGER NOT NULL DEFAULT 1,
        status TEXT NOT NULL DEFAULT 'pending',
        created_at REAL NOT NULL,
        decided_at REAL,
        decided_by INTEGER,
        UNIQUE (language, normalised)
    )""",
    "CREATE INDEX faq_reviews_pending ON faq_reviews(status, asked)",
)

# Version 5: the question of each day, per language, stored when first served: a reload of
# the banks never changes a day already served, and the next day's pick knows what was
# served before. ``question`` is the question as served (JSON), answers are graded on it.
_V5 = (
    """CREATE TABLE daily_questions (
        day TEXT NOT NULL,
        language TEXT NOT NULL,
        question_id TEXT NOT NULL,
        question TEXT NOT NULL,
        served_at REAL NOT NULL,
        PRIMARY KEY (day, language)
    )""",
    "CREATE INDEX daily_questions_served ON daily_questions(language, question_id, day)",
)

# Version 6: several workers on one database. What a decision depends on lives here, not in
# one worker's memory: the current question's grace after an outage, the ticks of
# multiple-choice answers, each group's message budget; leases say which worker runs a
# contest's clock, deliveries which one posted a chat's daily question, and signals tell
# every worker of a change one of them made (the banks reloaded).
_V6 = (
    "ALTER TABLE contests ADD COLUMN grace_until REAL",
    # An organizer's /pause, /resume, /skip, /stop or /go received by a worker that does not
    # run the contest: the one that does carries it out.
    "ALTER TABLE contests ADD COLUMN request TEXT",
    """CREATE TABLE contest_picks (
        contest_id INTEGER NOT NULL REFERENCES contests(id),
        position INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        letters TEXT NOT NULL,
        PRIMARY KEY (contest_id, position, user_id)
    )""",
    """CREATE TABLE group_budgets (
        chat_id INTEGER PRIMARY KEY,
        sent TEXT NOT NULL
    )""",
    """CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        until REAL NOT NULL
    )""",
    """CREATE TABLE deliveries (
        chat_id INTEGER NOT NULL,
        day TEXT NOT NULL,
        worker TEXT NOT NULL,
        PRIMARY KEY (chat_id, day)
    )""",
    # A change every worker must follow (the banks reloaded by one of them): a new token.
    """CREATE TABLE signals (
        name TEXT PRIMARY KEY,
        token TEXT NOT NULL
    )""",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2, _V3, _V4, _V5, _V6)


#: SQLite's words and PostgreSQL's for the same thing, applied in this order.
_POSTGRES_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    # A column SQLite numbers by itself when a row leaves it out (the rowid): an identity.
    (
        re.compile(r"\bINTEGER PRIMARY KEY( AUTOINCREMENT)?\b"),
        "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    ),
    # SQLite's integers are 64-bit; Telegram's ids need more than PostgreSQL's INTEGER.
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    # SQLite's REAL is a double; PostgreSQL's is a float (7 digits: not a timestamp).
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
)
#: What :func:`for_postgres` cannot say: it refuses rather than guess.
_SQLITE_ONLY = re.compile(r"\b(PRAGMA|AUTOINCREMENT|WITHOUT ROWID|INSERT OR|STRICT)\b")


def for_postgres(statement: str) -> str:
    """``statement``, a migration in SQLite's words, in PostgreSQL's.

    Raises:
        ValueError: it uses something of SQLite's that has no translation here.
    """
    for pattern, words in _POSTGRES_WORDS:
        statement = pattern.sub(words, statement)
    left = _SQLITE_ONLY.search(statement)
    if left:
        raise ValueError(f"no PostgreSQL for {left.group(0)!r} in: {statement.strip()[:80]}")
    return statement
