"""The one exception the media library raises for a file it will not handle.

It carries a problem code from the validation vocabulary (see
:data:`media.validation.PROBLEM_CODES`) and the measured values, so a caller
can turn it into a :class:`media.validation.Problem` and a translated message
without parsing text.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MediaError"]


class MediaError(Exception):
    """A file was refused; ``code`` says why, ``params`` hold the numbers."""

    def __init__(self, code: str, detail: str = "", **params: Any) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.params: dict[str, Any] = params
