"""Installing a bank an organizer uploaded: validate, keep history, replace atomically.

Nothing is written unless the upload is valid in the company of every other bank (no id
it shares with another file). The previous version goes to ``history/`` in the data
folder; the new one is written to a temporary file in the same folder and renamed over
the old one, so a reader never sees half a file.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.banks.importers import ImportError_, import_bytes
from bot.domain.catalogue import Catalogue
from bot.domain.models import Bank, FaqEntry, Question

__all__ = ["ALLOWED_SUFFIXES", "MAX_UPLOAD_BYTES", "Installed", "install_upload", "refusal"]

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 1024 * 1024
ALLOWED_SUFFIXES = (".yaml", ".yml", ".csv", ".xlsx")


@dataclass(slots=True)
class Installed:
    """What an upload did (``errors`` empty) or why nothing was written."""

    errors: list[str] = field(default_factory=list)
    bank_id: str | None = None
    path: Path | None = None
    history: Path | None = None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    questions: int = 0
    faq: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def refusal(filename: str | None, size: int | None) -> str | None:
    """Why an upload is refused before it is even downloaded: a text key, or None."""
    if size is not None and size > MAX_UPLOAD_BYTES:
        return "upload_too_big"
    if not filename or Path(filename).suffix.lower() not in ALLOWED_SUFFIXES:
        return "upload_wrong_type"
    return None


def _diff(old: Bank | None, new: Bank) -> tuple[list[str], list[str], list[str]]:
    def items(bank: Bank | None) -> dict[str, object]:
        if bank is None:
            return {}
        return {**{q.id: q for q in bank.questions}, **{f.id: f for f in bank.faq}}

    before, after = items(old), items(new)
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(k for k in set(after) & set(before) if after[k] != before[k])
    return added, changed, removed


def _clashes(bank: Bank, catalogue: Catalogue) -> list[str]:
    """Ids of ``bank`` that another bank already uses (its own previous version aside)."""
    paths = {other.id: other.path for other in catalogue.banks}
    held: list[tuple[str, str, Question | FaqEntry | None]] = [
        ("question", q.id, catalogue.questions.get(q.id)) for q in bank.questions
    ]
    held += [("FAQ entry", f.id, catalogue.faq.get(f.id)) for f in bank.faq]
    return [
        f"{kind} id '{ident}' is already used in {paths[owner.bank_id]}"
        for kind, ident, owner in held
        if owner is not None and owner.bank_id != bank.id
    ]


def install_upload(
    filename: str,
    content: bytes,
    catalogue: Catalogue,
    questions_dir: Path,
    history_dir: Path,
    now: float | None = None,
) -> Installed:
    """Validate an uploaded bank and, if it is valid, install it.

    Args:
        filename: the upload's name; its suffix says how to read it.
        content: the file's bytes.
        catalogue: the banks now serving (for duplicate ids and the version to replace).
        questions_dir: where banks live.
        history_dir: where previous versions are kept.
        now: the time stamp of the history copy.

    Returns:
        The installation, or the errors (each with its line or row) and nothing written.
    """
    why = refusal(filename, len(content))
    if why:
        return Installed(errors=[why])
    try:
        converted = import_bytes(content, filename)
    except ImportError_ as exc:
        return Installed(errors=[str(exc)])
    bank = converted.bank  # validated by the import already
    if not converted.ok or converted.yaml_text is None or bank is None:
        return Installed(errors=converted.errors)
    old = next((b for b in catalogue.banks if b.id == bank.id), None)
    clashes = _clashes(bank, catalogue)
    if clashes:
        return Installed(errors=[f"{filename}: {c}" for c in clashes])
    target = Path(old.path) if old else questions_dir / bank.language / f"{bank.id}.yaml"
    if old is None and target.exists():  # a file of that name that holds another bank
        target = questions_dir / bank.language / f"{bank.id}-{int(time.time())}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    history = None
    if target.exists():
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
        history = history_dir / bank.id / f"{stamp}-{target.name}"
        history.parent.mkdir(parents=True, exist_ok=True)
        history.write_bytes(target.read_bytes())
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(converted.yaml_text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    added, changed, removed = _diff(old, bank)
    logger.info(
        "bank %s installed at %s: %d added, %d changed, %d removed",
        bank.id,
        target,
        len(added),
        len(changed),
        len(removed),
    )
    return Installed(
        bank_id=bank.id,
        path=target,
        history=history,
        added=added,
        changed=changed,
        removed=removed,
        questions=len(bank.questions),
        faq=len(bank.faq),
    )
