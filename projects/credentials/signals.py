"""What credentials asks and hears about trainees' verified Korean results: the Korean evidence domain above
it sends and answers these (credentials sits below it and never imports it).

With no answer to :data:`korean_results_asked`, the verified results a trainee shared with employers
(careers' question, which the Korean domain answers) stand in.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent after staff verified a Korean result. sender: the trainee's ``User``; kwargs: ``scale`` (``"topik"``
#: or ``"kiip"``) and ``level``.
korean_result_verified = _signals.signal("credentials-korean-verified")

#: Asks for a trainee's verified, still valid Korean results, shared or not. sender: the trainee's ``User``.
#: A receiver returns a list of ``(scale, level)`` pairs.
korean_results_asked = _signals.signal("credentials-korean-results")


def verified_korean(trainee) -> list[tuple[str, int]]:
    """The trainee's verified, valid Korean results as ``(scale, level)`` pairs."""
    if not korean_results_asked.receivers:
        from projects.careers.signals import verified_korean as shared

        return shared(trainee)
    return [pair for _receiver, answer in korean_results_asked.send(trainee) if answer for pair in answer]
