"""The preferences form: one channel and one digest box per kind of message, and the quiet hours."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SubmitField, TimeField
from wtforms.validators import Optional

from lms.notifications.kinds import MessageKind
from lms.notifications.rules import Channel, Choice


def channel_choices():
    return [
        (Channel.BOTH.value, _l("On the site and by e-mail")),
        (Channel.IN_APP.value, _l("On the site only")),
        (Channel.EMAIL.value, _l("By e-mail only")),
        (Channel.NONE.value, _l("Not at all")),
    ]


class PreferencesForm(FlaskForm):
    """The fixed part; :func:`preferences_form` adds ``channel_<kind>`` and ``digest_<kind>`` per kind."""

    quiet_start = TimeField(_l("Quiet hours from"), validators=[Optional()])
    quiet_end = TimeField(
        _l("Quiet hours until"),
        validators=[Optional()],
        description=_l(
            "In your time zone. E-mails wait until the quiet hours end. Security e-mails do not wait."
        ),
    )
    submit = SubmitField(_l("Save"))

    def validate(self, extra_validators=None) -> bool:
        # Checked on the whole form: ``Optional`` stops a field's own checks when it is empty.
        ok = super().validate(extra_validators)
        if ok and (self.quiet_start.data is None) != (self.quiet_end.data is None):
            self.quiet_end.errors = [*self.quiet_end.errors, _l("Enter both times, or neither.")]
            return False
        return ok

    def choices(self, kinds: list[MessageKind]) -> dict[str, Choice]:
        """The posted choice per kind that may be changed (required kinds have no fields to post)."""
        return {
            kind.name: Choice(
                Channel(self[f"channel_{kind.name}"].data), bool(self[f"digest_{kind.name}"].data)
            )
            for kind in kinds
            if not kind.required
        }


def preferences_form(kinds: list[MessageKind], current: dict[str, Choice], **kwargs) -> PreferencesForm:
    """A form with fields for every kind in *kinds* that can be turned off, filled from *current*.

    Required kinds get no field: the page shows them as always on, and a forged field for one is never read.
    """

    class Form(PreferencesForm):
        pass

    for kind in kinds:
        if kind.required:
            continue
        choice = current[kind.name]
        setattr(
            Form,
            f"channel_{kind.name}",
            SelectField(kind.label, choices=channel_choices, default=choice.channel.value),
        )
        setattr(Form, f"digest_{kind.name}", BooleanField(_l("In the daily digest"), default=choice.digest))
    return Form(**kwargs)
