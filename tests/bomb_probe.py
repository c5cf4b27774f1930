"""Read hostile files on one path, in a process of its own, and say what it cost.

    python -m tests.bomb_probe PATH WORKDIR FILE...

PATH is how the bot meets a file: ``validate`` and ``import`` (the command line,
``quizbot banks validate FILE`` and ``quizbot banks import FILE -o OUT``), ``upload`` (what
an organizer's upload runs: :func:`bot.banks.installer.install_upload` with the upload
limits), ``reload`` (the file in the questions folder, loaded as ``/reload`` does). For each
file it prints one JSON line: the seconds the path took, the process's peak resident memory
so far (VmHWM: everything the process ever held, the interpreter included) and what the
path answered. A fresh process per path keeps the bot's test process out of the figure.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path


def _peak_mb() -> float:
    """The process's peak resident memory: VmHWM, which starts afresh with the program.

    (``getrusage``'s ``ru_maxrss`` would not do: Linux keeps it across ``fork`` and
    ``execve``, so a probe started by a large test runner would report the runner's peak.)
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def main(argv: list[str]) -> int:
    path, workdir, files = argv[0], Path(argv[1]), [Path(f) for f in argv[2:]]
    # Everything a path may import, imported before any clock starts.
    from bot.banks.installer import install_upload
    from bot.banks.loader import load_banks
    from bot.cli import main as cli
    from bot.texts import t

    t("zh", "bank_alias"), t("en", "bank_alias")
    questions = workdir / "questions"
    shutil.copytree(Path(__file__).parent / "data" / "banks", questions, dirs_exist_ok=True)
    os.environ["QUIZBOT_QUESTIONS_DIR"] = str(questions)
    os.environ["QUIZBOT_DATA_DIR"] = str(workdir / "data")
    catalogue = load_banks([questions]).catalogue
    for file in files:
        before = _files(questions)
        out = io.StringIO()
        started = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            if path == "validate":
                cli(["banks", "validate", str(file), "--lang", "zh"])
            elif path == "import":
                cli(
                    ["banks", "import", str(file), "-o", str(workdir / "out.yaml"), "--lang", "zh"]
                )
            elif path == "upload":
                result = install_upload(
                    file.name, file.read_bytes(), catalogue, questions, workdir / "history"
                )
                for error in result.errors:
                    print(error.render("zh"))
            elif path == "reload":
                target = questions / file.name
                shutil.copyfile(file, target)
                report = load_banks([questions], previous=catalogue)
                target.unlink()
                for error in report.errors:
                    print(error.render("zh"))
                if len(report.catalogue.questions) != len(catalogue.questions):
                    print("LIVE BANKS CHANGED")
        seconds = time.perf_counter() - started
        peak = _peak_mb()
        lines = [line for line in out.getvalue().splitlines() if line.strip()]
        written = _files(questions) != before or (workdir / "out.yaml").exists()
        record = {"file": file.name, "seconds": seconds, "peak_mb": peak, "lines": lines}
        record["written"] = written
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
