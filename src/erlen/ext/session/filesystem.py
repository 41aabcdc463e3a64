"""Sessions as files in a directory, one file per session.

A file's modification time is when its session was last written or
refreshed; it expires ``PERMANENT_SESSION_LIFETIME`` after that. Keeping the
expiry there lets a refresh be a single ``utime`` rather than a rewrite that
could undo another request's change.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import typing as t
from datetime import timedelta

from .base import ServerSideSessionInterface

__all__ = ["DEFAULT_FILE_MODE", "DEFAULT_FILE_THRESHOLD", "FileSystemSessionInterface"]

DEFAULT_FILE_THRESHOLD = 500
DEFAULT_FILE_MODE = 0o600
#: The first line of every session file, so a stray file is never read as one.
MAGIC = b"erlen-session 1\n"
_TEMP_PREFIX = ".tmp-"
#: A temporary file older than this was left by a crashed writer.
_STALE_TEMP_SECONDS = 3600.0


def default_file_dir() -> str:
    """``flask_session`` in the current directory: Flask-Session's default."""
    return os.path.join(os.getcwd(), "flask_session")


class FileSystemSessionInterface(ServerSideSessionInterface):
    """Store each session as a file in ``cache_dir`` (``SESSION_FILE_DIR``).

    Writes are atomic: the data goes to a temporary file in the same
    directory, is flushed to disk, then ``os.replace`` puts it in place, so a
    crash leaves the old session or the new one, never half of either.
    Expired files are deleted when read, by ``SESSION_CLEANUP_N_REQUESTS``, and
    by ``erlen session_cleanup``. When a new session would take the count of
    files past ``threshold`` (``SESSION_FILE_THRESHOLD``, 0 for no limit),
    expired files go first, then the least recently used ones.
    """

    backend_name = "filesystem"
    unavailable_errors: tuple[type[BaseException], ...] = (OSError,)

    def __init__(
        self,
        cache_dir: str | os.PathLike[str] | None = None,
        threshold: int = DEFAULT_FILE_THRESHOLD,
        mode: int = DEFAULT_FILE_MODE,
        **options: t.Any,
    ) -> None:
        super().__init__(**options)
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
            raise ValueError(
                f"SESSION_FILE_THRESHOLD must be an int >= 0 (0: no limit), not {threshold!r}."
            )
        if isinstance(mode, bool) or not isinstance(mode, int) or not 0 <= mode <= 0o777:
            raise ValueError(f"SESSION_FILE_MODE must be permission bits like 0o600, not {mode!r}.")
        self.cache_dir = os.fspath(cache_dir) if cache_dir is not None else default_file_dir()
        self.threshold = threshold
        self.mode = mode
        # SECURITY: the directory lists every live session; only the app's user reads it.
        os.makedirs(self.cache_dir, mode=0o700, exist_ok=True)
        self._prune_lock = threading.Lock()

    def path_for(self, store_id: str) -> str:
        """The file of a store key.

        SECURITY: the id comes from a cookie; hashing it means no client value
        ever becomes part of a path (no traversal, no odd characters).
        """
        name = hashlib.sha256(store_id.encode("utf-8")).hexdigest()
        return os.path.join(self.cache_dir, name)

    def _expired(self, mtime: float, lifetime: float, now: float) -> bool:
        return mtime + lifetime <= now

    def fetch(self, store_id: str, lifetime: timedelta) -> bytes | None:
        """The session file's data, or None when missing, expired (then deleted)
        or not a session file."""
        path = self.path_for(store_id)
        try:
            with open(path, "rb") as file:
                mtime = os.fstat(file.fileno()).st_mtime
                if self._expired(mtime, lifetime.total_seconds(), self.clock()):
                    expired = True
                else:
                    expired = False
                    content = file.read()
        except FileNotFoundError:
            return None
        if expired:
            self._unlink(path)
            return None
        if not content.startswith(MAGIC):
            return None
        return content[len(MAGIC) :]

    def store(self, store_id: str, data: bytes, lifetime: timedelta) -> None:
        """Write the file atomically (temporary file, fsync, ``os.replace``)."""
        path = self.path_for(store_id)
        is_new = not os.path.exists(path)
        now = self.clock()
        try:
            fd, temp = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=self.cache_dir)
        except FileNotFoundError:
            # The directory was removed (a cleanup script, a redeploy): recreate it.
            os.makedirs(self.cache_dir, mode=0o700, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=self.cache_dir)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(MAGIC)
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temp, self.mode)
            os.utime(temp, (now, now))
            os.replace(temp, path)
        except BaseException:
            self._unlink(temp)
            raise
        if is_new and self.threshold:
            self._prune(lifetime.total_seconds(), keep=path)

    def touch(self, store_id: str, lifetime: timedelta) -> None:
        """Set the file's modification time to now; a deleted file stays deleted."""
        now = self.clock()
        try:
            os.utime(self.path_for(store_id), (now, now))
        except FileNotFoundError:
            pass

    def delete(self, store_id: str) -> None:
        """Delete the session file if it exists."""
        self._unlink(self.path_for(store_id))

    def delete_expired(self, lifetime: timedelta) -> int:
        """Delete expired session files and temporary files left by a crash."""
        seconds = lifetime.total_seconds()
        now = self.clock()
        count = 0
        for entry, mtime in self._entries(include_temp=True):
            if entry.name.startswith(_TEMP_PREFIX):
                if mtime + _STALE_TEMP_SECONDS <= now:
                    self._unlink(entry.path)
            elif self._expired(mtime, seconds, now) and self._unlink(entry.path):
                count += 1
        return count

    def _entries(self, include_temp: bool = False) -> list[tuple[os.DirEntry[str], float]]:
        found = []
        with os.scandir(self.cache_dir) as entries:
            for entry in entries:
                if not include_temp and entry.name.startswith(_TEMP_PREFIX):
                    continue
                try:
                    if not entry.is_file(follow_symlinks=False):
                        continue
                    found.append((entry, entry.stat(follow_symlinks=False).st_mtime))
                except FileNotFoundError:
                    continue
        return found

    def _prune(self, lifetime: float, keep: str) -> None:
        # One thread at a time: several pruning at once would delete more
        # sessions than needed.
        if not self._prune_lock.acquire(blocking=False):
            return
        try:
            entries = self._entries()
            if len(entries) <= self.threshold:
                return
            now = self.clock()
            live = []
            for entry, mtime in entries:
                if self._expired(mtime, lifetime, now):
                    self._unlink(entry.path)
                else:
                    live.append((mtime, entry.path))
            excess = len(live) - self.threshold
            if excess <= 0:
                return
            live.sort()
            for _, path in live:
                if excess <= 0:
                    break
                if path != keep:
                    self._unlink(path)
                    excess -= 1
        finally:
            self._prune_lock.release()

    @staticmethod
    def _unlink(path: str) -> bool:
        try:
            os.unlink(path)
        except FileNotFoundError:
            return False
        return True
