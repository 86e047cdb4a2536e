"""What careers asks about trainees' verified Korean levels: questions the Korean evidence domain above it
answers.

Careers sits below that domain and never imports it.  With no receiver no trainee has a verified level: the
search's Korean filter matches nobody and results show no verified level.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Asks what employers may see of a trainee's Korean: sender: the trainee's ``User``.  A receiver returns a
#: list of ``(scale, level)`` pairs (``"topik"``/``"kiip"``), each verified, shared and still valid.
korean_levels_asked = _signals.signal("careers-korean-levels")

#: Asks which trainees hold a verified, shared, valid result of at least ``min_level`` on one scale.
#: sender: the scale (``"topik"`` or ``"kiip"``); kwargs: ``min_level``.  A receiver returns a SQL selectable
#: of user ids.
korean_match_asked = _signals.signal("careers-korean-match")


def verified_korean(trainee) -> list[tuple[str, int]]:
    """The trainee's verified Korean levels employers may see, as ``(scale, level)`` pairs."""
    return [pair for _receiver, answer in korean_levels_asked.send(trainee) if answer for pair in answer]


def korean_matches(scale: str, min_level: int):
    """A selectable of the ids of trainees verified at *min_level* or above on *scale*, or None with no
    receiver."""
    return next(
        (answer for _r, answer in korean_match_asked.send(scale, min_level=min_level) if answer is not None),
        None,
    )
