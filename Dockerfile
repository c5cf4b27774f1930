# quizbot: `docker build -t quizbot .` then `docker run -e TELEGRAM_BOT_TOKEN=... -v quizbot:/data quizbot`
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    QUIZBOT_DATA_DIR=/data

WORKDIR /app

# Dependencies first, in a layer of their own: rebuilt only when pyproject.toml changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The package and the shipped banks (installed inside it, as bot/questions).
COPY README.md ./
COPY bot ./bot
COPY questions ./questions
RUN pip install --no-deps . \
    && rm -rf build *.egg-info \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin quizbot \
    && mkdir -p /data \
    && chown quizbot:quizbot /data

USER quizbot
# SQLite writes quizbot.sqlite3 and its -wal/-shm files here: mount a folder, not a file.
VOLUME ["/data"]
# Only used in webhook mode (quizbot run --webhook-url ...).
EXPOSE 8443
HEALTHCHECK --interval=60s --timeout=15s --start-period=90s --retries=3 CMD ["quizbot", "health"]
CMD ["quizbot", "run"]
