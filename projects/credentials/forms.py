"""Forms of the credential screens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional


class CheckCredentialForm(FlaskForm):
    """/verify: a credential's address, its JSON pasted, or a file (JSON, or a baked PNG or SVG badge)."""

    address = StringField(_l("Credential address"), validators=[Optional(), Length(max=300)])
    document = TextAreaField(_l("Credential (JSON)"), validators=[Optional(), Length(max=256 * 1024)])
    upload = FileField(_l("Or a file (JSON, PNG, SVG)"))
    submit = SubmitField(_l("Check"))


class IssueForm(FlaskForm):
    """Issue a completion record's credential (a button: only the CSRF token)."""

    submit = SubmitField(_l("Issue credential"))
