"""Uploaded scan files hold full records (ID numbers, names, phones): they are written 0600 in a 0700
directory, held under an exclusive lock while their import runs, deleted when it ends — done, refused
or failed — and swept at start-up (a file nobody holds locked is a leftover of a process that died).
The lock is advisory (flock): a second web process sweeping at its start-up leaves a running
import's file alone."""
from __future__ import annotations

import fcntl
import os
import uuid
from dataclasses import dataclass
from pathlib import Path


def folder(path: str | os.PathLike) -> Path:
    """The upload directory, made 0700 (and made so again if it exists with a wider mode)."""
    p = Path(path)
    p.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(p, 0o700)
    return p


@dataclass
class Upload:
    path: Path
    fd: int  # open, holding the exclusive lock until discard()

    def discard(self) -> None:
        """Delete the file and release its lock (safe to call twice)."""
        self.path.unlink(missing_ok=True)
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def save(storage, directory: str | os.PathLike, suffix: str) -> Upload:
    """Write a werkzeug FileStorage to a new 0600 file of the upload directory, locked."""
    path = folder(directory) / f"{uuid.uuid4().hex}{suffix}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    upload = Upload(path, fd)
    try:
        with os.fdopen(os.dup(fd), "wb") as out:
            storage.save(out)
    except BaseException:
        upload.discard()
        raise
    return upload


def sweep(directory: str | os.PathLike) -> int:
    """Delete every file of the upload directory that no running import holds; returns how many."""
    p = Path(directory)
    if not p.is_dir():
        return 0
    gone = 0
    for entry in p.iterdir():
        if not entry.is_file() or entry.is_symlink():
            continue
        try:
            fd = os.open(entry, os.O_RDONLY)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue  # an import of a live process holds it
        try:
            entry.unlink(missing_ok=True)
            gone += 1
        finally:
            os.close(fd)
    return gone
