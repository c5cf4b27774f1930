"""Deployment: the wheel carries everything, webhook mode, and the health check."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests import helpers
from tests.conftest import SAMPLE_BANKS
from tests.fakebotapi import FakeBotApi, TgUser
from tests.helpers import REPO, data_env, free_port, hook_url, listening, start_webhook_bot


def clean_env(**extra: str) -> dict[str, str]:
    """Without our virtualenv either: the wheel is tried in one of its own."""
    return helpers.clean_env(strip=("VIRTUAL_ENV", "PYTHONPATH"), **extra)


def test_wheel_installs_outside_the_repository_with_its_banks(tmp_path: Path) -> None:
    """What the Docker image does, without Docker: build, install elsewhere, run."""
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)],
        check=True,
        timeout=300,
        env=clean_env(),
    )
    (wheel,) = dist.glob("quizbot-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = venv / "bin" / "pip"
    subprocess.run(
        [str(pip), "install", "-q", "--no-deps", str(wheel)],
        check=True,
        timeout=600,
        env=clean_env(),
    )
    # The dependencies come from the test's own environment (installing them again takes
    # half a minute): its site-packages is added after the new venv's own, as a plain path,
    # so the project's editable install there is not, and `bot` is the wheel's.
    (site,) = (venv / "lib").glob("python3*/site-packages")
    outer = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    (site / "deps-of-the-test.pth").write_text(outer + "\n", encoding="utf-8")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = clean_env(QUIZBOT_DATA_DIR=str(outside / "data"))
    quizbot = str(venv / "bin" / "quizbot")
    validated = subprocess.run(
        [quizbot, "banks", "validate"],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert validated.returncode == 0, validated.stdout + validated.stderr
    counts = re.search(
        r"(\d+) questions, (\d+) FAQ entries; 0 file\(s\) with errors", validated.stderr
    )
    assert counts, validated.stderr  # the wheel ships the banks, and they are valid
    assert int(counts[1]) >= 400 and int(counts[2]) >= 150
    where = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import bot.config as c; print(c.shipped_questions_dir())",
        ],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert str(venv) in where.stdout  # the banks come from the installed package
    font = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import bot.charts as c; print(c.FONT, *c._font(12).getname(), "
            "(c.FONT.parent / 'OFL.txt').exists())",
        ],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # The charts' Chinese font and its licence come with the package too.
    assert font.stdout.startswith(str(venv)), font.stderr
    assert font.stdout.split()[1:] == ["Noto", "Sans", "CJK", "SC", "Regular", "True"]
    session = subprocess.run(
        [quizbot, "console"],
        cwd=outside,
        env=env,
        timeout=120,
        input="/topics\n/quiz 征信\n1\n个人信用报告一年能免费查几次\n",
        capture_output=True,
        text=True,
    )
    assert session.returncode == 0, session.stderr
    assert "征信" in session.stdout and "第 1/5 题" in session.stdout
    assert "《征信业管理条例》" in session.stdout
    assert (outside / "data" / "quizbot.sqlite3").exists()


@pytest.fixture
async def webhook_bot(api: FakeBotApi, tmp_path: Path, database_url: str | None):  # type: ignore[no-untyped-def]
    port = free_port()
    data = tmp_path / "data"
    env = clean_env(
        TELEGRAM_BOT_TOKEN=api.token,
        TELEGRAM_BASE_URL=api.base_url,
        **data_env(data, database_url),
        QUIZBOT_QUESTIONS_DIR=str(SAMPLE_BANKS),
        QUIZBOT_WEBHOOK_SECRET="s3cret_value",
    )
    url = hook_url(port)
    process = await start_webhook_bot(env, port)
    await api.wait_calls("setWebhook", 1, timeout=60)
    await api.wait_calls("setMyCommands", 6, timeout=60)
    await listening(port)
    yield url, data, process
    if process.returncode is None:
        process.terminate()
        await asyncio.wait_for(process.wait(), 30)


def update(number: int, user: TgUser, text: str) -> dict[str, object]:
    return {
        "update_id": number,
        "message": {
            "message_id": number,
            "date": int(time.time()),
            "text": text,
            "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
            "from": user.to_dict(),
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
            if text.startswith("/")
            else [],
        },
    }


async def test_webhook_answers_updates_and_refuses_a_wrong_secret(api: FakeBotApi, webhook_bot):
    url, _data, process = webhook_bot
    (hook,) = api.sent(method="setWebhook")
    assert hook.params["url"] == url and hook.params["secret_token"] == "s3cret_value"
    ann = TgUser(42, "Ann")
    async with aiohttp.ClientSession() as http:
        async with http.post(
            url, json=update(1, ann, "/help"), headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
        ) as refused:
            assert refused.status == 403
        async with http.post(url, json=update(2, ann, "/start")) as missing:
            assert missing.status == 403
        async with http.post(
            url,
            json=update(3, ann, "/help"),
            headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret_value"},
        ) as ok:
            assert ok.status == 200
    (reply,) = await api.wait_calls("sendMessage", 1, ann.id)
    assert "可以这样用我" in reply.text  # only the update with the right secret got an answer
    process.terminate()
    assert await asyncio.wait_for(process.wait(), 30) == 0


async def test_health_passes_for_a_running_bot_and_fails_when_stale(
    api: FakeBotApi, webhook_bot, database_url: str | None
):
    _url, data, _process = webhook_bot
    env = clean_env(**data_env(data, database_url))
    healthy = subprocess.run(
        [sys.executable, "-m", "bot", "health"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert healthy.returncode == 0, healthy.stderr
    assert healthy.stdout.startswith("ok: schema")
    (data / "heartbeat").write_text(f"{time.time() - 3600}\n", encoding="ascii")
    stale = subprocess.run(
        [sys.executable, "-m", "bot", "health", "--max-age", "60"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert stale.returncode == 1 and "last contact with Telegram" in stale.stderr


def test_health_fails_without_a_database(tmp_path: Path, database_url: str | None) -> None:
    if database_url is not None:  # a server that holds no such database
        database_url = database_url.rsplit("/", 1)[0] + "/quizbot_never_created"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "health"],
        cwd=REPO,
        timeout=60,
        env=clean_env(**data_env(tmp_path, database_url)),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1 and "no database" in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1  # one line


def test_json_logs_carry_level_and_never_the_token(tmp_path: Path) -> None:
    env = clean_env(
        QUIZBOT_LOG_FORMAT="json",
        QUIZBOT_LOG_LEVEL="DEBUG",
        TELEGRAM_BOT_TOKEN="123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        TELEGRAM_BASE_URL="http://127.0.0.1:9/bot",  # nothing listens: it fails
        QUIZBOT_DATA_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" not in result.stderr + result.stdout


def test_compose_runs_one_bot_on_sqlite_and_adds_postgresql_by_profile() -> None:
    """`docker compose up` starts the bot alone (SQLite); the postgres profile adds the
    database, which the bot waits for only when it is there."""
    import yaml

    compose = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert [name for name, s in services.items() if "profiles" not in s] == ["quizbot"]
    assert services["postgres"]["profiles"] == ["postgres", "workers"]
    assert services["postgres"]["image"].startswith("postgres:")
    waits = services["quizbot"]["depends_on"]["postgres"]
    assert waits == {"condition": "service_healthy", "required": False}
    assert "quizbot-postgres" in compose["volumes"]
    header = (REPO / "compose.yaml").read_text(encoding="utf-8").split("services:")[0]
    assert "QUIZBOT_DATABASE_URL=postgresql://quizbot:" in header
    assert "COMPOSE_PROFILES=postgres" in header


def test_compose_runs_two_workers_behind_a_proxy_by_profile() -> None:
    """The workers profile: PostgreSQL, two workers on a webhook with one secret and one
    banks volume, each its own data folder, and Caddy handing updates to each in turn."""
    import yaml

    compose = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    workers = [services["quizbot-1"], services["quizbot-2"]]
    for worker in workers:
        assert worker["profiles"] == ["workers"]
        assert "--webhook-url" in worker["command"][-1] and "--port 8443" in worker["command"][-1]
        assert "quizbot-banks:/banks" in worker["volumes"]
        assert worker["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert workers[0]["volumes"][0] != workers[1]["volumes"][0]  # a data folder each
    assert services["proxy"]["profiles"] == ["workers"]
    assert services["proxy"]["image"].startswith("caddy:")
    assert services["quizbot"]["deploy"]["replicas"] == "${QUIZBOT_REPLICAS:-1}"
    caddyfile = (REPO / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert "reverse_proxy quizbot-1:8443 quizbot-2:8443" in caddyfile
    assert "lb_policy round_robin" in caddyfile and "lb_try_duration" in caddyfile
    header = (REPO / "compose.yaml").read_text(encoding="utf-8").split("services:")[0]
    for setting in ("COMPOSE_PROFILES=workers", "QUIZBOT_REPLICAS=0", "QUIZBOT_WEBHOOK_SECRET"):
        assert setting in header
