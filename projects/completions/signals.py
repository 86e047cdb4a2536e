"""The completions domain's signals (its own receivers, and any later domain, listen to them)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent after a completion record was signed and stored. sender: the ``Completion``.
completion_recorded = _signals.signal("completion-recorded")
