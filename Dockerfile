# quizbot: a slim image that runs `quizbot run`. Data lives in the /data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    QUIZBOT_DATA_DIR=/data

WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml changes.
COPY pyproject.toml README.md ./
RUN mkdir bot && touch bot/__init__.py \
    && pip install . \
    && pip uninstall -y quizbot && rm -rf bot

COPY bot ./bot
COPY questions ./questions
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home /data quizbot \
    && mkdir -p /data && chown quizbot /data

USER quizbot
VOLUME ["/data"]
CMD ["quizbot", "run"]
