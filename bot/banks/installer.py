"""Installing a bank file: validate, ask before replacing, keep history, replace atomically.

Nothing is written unless the file is valid in the company of every other bank (no id it
shares with another file). A file that would replace another bank (same id, another
title) or delete more than a few of its questions is not installed until the organizer
confirms (a button on Telegram, ``--force`` in the command line). The previous version
goes to ``history/`` in the data folder; the new one is written to a temporary file in the
same folder and renamed over the old one, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.banks.importers import ImportError_, import_bytes
from bot.banks.limits import UPLOAD, Limits
from bot.banks.problems import BankError, Msg, msg
from bot.domain.catalogue import Catalogue
from bot.domain.models import Bank, FaqEntry, Question
from bot.perf import cyclic_gc_paused

__all__ = [
    "ALLOWED_SUFFIXES",
    "FEW",
    "MAX_UPLOAD_BYTES",
    "Installed",
    "PendingInstalls",
    "confirmations",
    "install_upload",
    "refusal",
    "write_atomically",
]

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = UPLOAD.max_bytes
ALLOWED_SUFFIXES = (".yaml", ".yml", ".csv", ".xlsx")
#: Questions and FAQ entries a new version may drop without asking.
FEW = 3


@dataclass(slots=True)
class Installed:
    """What an install did (``ok``), why nothing was written, or what needs a yes first."""

    errors: list[BankError] = field(default_factory=list)
    #: A text key: the file was refused before it was read (too big, a wrong type).
    refused: str | None = None
    #: Why the install waits for a confirmation (nothing was written yet).
    confirm: list[Msg] = field(default_factory=list)
    bank_id: str | None = None
    title: str = ""
    path: Path | None = None
    history: Path | None = None
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    questions: int = 0
    faq: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and self.refused is None and not self.confirm


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


def confirmations(old: Bank | None, new: Bank) -> list[Msg]:
    """Why installing ``new`` over ``old`` needs a yes: another bank, or many deletions."""
    if old is None:
        return []
    reasons = []
    if old.title != new.title:
        reasons.append(msg("install_other_bank", id=old.id, old=old.title, new=new.title))
    _added, _changed, removed = _diff(old, new)
    if len(removed) > FEW:
        total = len(old.questions) + len(old.faq)
        shown = ", ".join(removed[:5]) + (" …" if len(removed) > 5 else "")
        reasons.append(msg("install_deletes", count=len(removed), total=total, ids=shown))
    return reasons


def _clashes(bank: Bank, catalogue: Catalogue, name: str) -> list[BankError]:
    """Ids of ``bank`` that another bank already uses (its own previous version aside)."""
    titles = {other.id: other.title for other in catalogue.banks}
    held: list[tuple[str, str, Question | FaqEntry | None]] = [
        ("bank_what_question", q.id, catalogue.questions.get(q.id)) for q in bank.questions
    ]
    held += [("bank_what_faq", f.id, catalogue.faq.get(f.id)) for f in bank.faq]
    return [
        BankError(
            name,
            0,
            msg(
                "bank_id_taken",
                kind=msg(kind),
                id=ident,
                bank=owner.bank_id,
                title=titles[owner.bank_id],
            ),
        )
        for kind, ident, owner in held
        if owner is not None and owner.bank_id != bank.id
    ]


def write_atomically(target: Path, text: Iterable[str]) -> None:
    """Write ``text`` (a string, or its pieces) to ``target`` by a temporary file in its
    folder and a rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.writelines([text] if isinstance(text, str) else text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def install_upload(
    filename: str,
    content: bytes,
    catalogue: Catalogue,
    questions_dir: Path,
    history_dir: Path,
    now: float | None = None,
    *,
    force: bool = False,
    limits: Limits = UPLOAD,
    bank_id: str | None = None,
) -> Installed:
    """Validate a bank file and, if it is valid (and confirmed when it must be), install it.

    Args:
        filename: the file's name; its suffix says how to read it.
        content: the file's bytes.
        catalogue: the banks now serving (for duplicate ids and the version to replace).
        questions_dir: where banks live.
        history_dir: where previous versions are kept.
        now: the time stamp of the history copy.
        force: install even when it replaces another bank or deletes many questions.
        limits: what the file may hold (uploads: :data:`~bot.banks.limits.UPLOAD`).
        bank_id: the bank's id when the file does not say it (default: from its name).

    Returns:
        The installation; or the errors (each with its line or row), a refusal, or the
        reasons to confirm, and nothing written.
    """
    # An upload's name and size are checked first; the command line reads any bank file.
    why = refusal(filename, len(content)) if limits is UPLOAD else None
    if why:
        return Installed(refused=why)
    installed = {b.id: b for b in catalogue.banks}
    try:
        converted = import_bytes(content, filename, bank_id, limits=limits, previous=installed.get)
    except ImportError_ as exc:
        return Installed(errors=[exc.error])
    bank = converted.bank  # validated by the import already
    if not converted.ok or bank is None:
        return Installed(errors=converted.errors)
    old = installed.get(bank.id)
    clashes = _clashes(bank, catalogue, filename)
    if clashes:
        return Installed(errors=clashes)
    added, changed, removed = _diff(old, bank)
    reasons = confirmations(old, bank)
    result = Installed(
        bank_id=bank.id,
        title=bank.title,
        added=added,
        changed=changed,
        removed=removed,
        questions=len(bank.questions),
        faq=len(bank.faq),
    )
    if reasons and not force:
        result.confirm = reasons
        return result
    target = Path(old.path) if old else questions_dir / bank.language / f"{bank.id}.yaml"
    if old is None and target.exists():  # a file of that name that holds another bank
        target = questions_dir / bank.language / f"{bank.id}-{int(time.time())}.yaml"
    history = None
    if target.exists():
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
        history = history_dir / bank.id / f"{stamp}-{target.name}"
        history.parent.mkdir(parents=True, exist_ok=True)
        history.write_bytes(target.read_bytes())
    with cyclic_gc_paused():
        write_atomically(target, converted.lines())
    logger.info(
        "bank %s installed at %s: %d added, %d changed, %d removed",
        bank.id,
        target,
        len(added),
        len(changed),
        len(removed),
    )
    result.path = target
    result.history = history
    return result


_TOKEN = re.compile(r"[0-9a-f]{16}")


class PendingInstalls:
    """Uploads waiting for their organizer's yes, kept in a folder (not in the button).

    A button carries only a short token; the file waits here, with who sent it and when,
    for a day at most. Each token is good once, and only for the organizer who sent the file.
    """

    def __init__(self, folder: Path, ttl: float = 24 * 3600) -> None:
        self.folder = folder
        self.ttl = ttl

    def put(self, user_id: int, name: str, content: bytes, now: float) -> str:
        """Keep ``content`` for ``user_id``; the token to confirm or cancel it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._purge(now)
        token = secrets.token_hex(8)
        (self.folder / f"{token}.bin").write_bytes(content)
        meta = {"user": user_id, "name": name, "created": now}
        (self.folder / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
        return token

    def take(self, token: str, user_id: int, now: float) -> tuple[str, bytes] | None:
        """The file waiting under ``token`` for ``user_id`` (then gone), or None."""
        if not _TOKEN.fullmatch(token):
            return None
        meta_path = self.folder / f"{token}.json"
        data_path = self.folder / f"{token}.bin"
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            content = data_path.read_bytes()
        except (OSError, ValueError):
            return None
        if meta.get("user") != user_id:
            return None
        meta_path.unlink(missing_ok=True)
        data_path.unlink(missing_ok=True)
        if now - float(meta.get("created", 0)) > self.ttl:
            return None
        return str(meta.get("name", "bank")), content

    def _purge(self, now: float) -> None:
        for meta_path in self.folder.glob("*.json"):
            try:
                created = float(json.loads(meta_path.read_text(encoding="utf-8"))["created"])
            except (OSError, ValueError, KeyError, TypeError):
                created = 0.0
            if now - created > self.ttl:
                meta_path.unlink(missing_ok=True)
                meta_path.with_suffix(".bin").unlink(missing_ok=True)
