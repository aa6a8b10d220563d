"""One exception root with user-facing messages.

Every error a user can cause is a ``SanctionwatchError`` subclass whose message is one
clear sentence (what, where, what to do). The CLI prints it without a traceback and exits
with ``exit_code``; the web layer maps ``http_status``.
"""

from __future__ import annotations


class SanctionwatchError(Exception):
    """Root of all errors that are shown to users."""

    exit_code = 1
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(SanctionwatchError):
    """The user gave input we cannot use (bad file, bad option, bad address)."""

    exit_code = 2
    http_status = 400


class FormatError(InputError):
    """A file is not in the format it claims to be; names the file (and line if known)."""


class NotFoundError(SanctionwatchError):
    """Something asked for does not exist in the store."""

    exit_code = 3
    http_status = 404


class StoreError(SanctionwatchError):
    """The database cannot be opened or is in an unexpected state."""

    exit_code = 4
    http_status = 503


class RemoteError(SanctionwatchError):
    """A remote service (e.g. a JSON-RPC node) failed after retries."""

    exit_code = 5
    http_status = 502


class MissingDependencyError(SanctionwatchError):
    """An optional dependency is needed; the message says which pip extra installs it."""

    exit_code = 6
    http_status = 501
