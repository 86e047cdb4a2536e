"""Forms of the LTI plugin: platform registration and the choices after a launch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

_LOCAL = {"localhost", "127.0.0.1", "::1"}


def platform_url(form, field) -> None:
    """An absolute URL; HTTPS unless it is this machine (tokens and keys must not travel in clear)."""
    if not field.data:
        return
    parts = urlsplit(field.data.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError(_l("Enter a full address starting with https://."))
    if parts.scheme == "http" and parts.hostname not in _LOCAL and not current_app.config.get("TESTING"):
        raise ValidationError(_l("Use https:// (only addresses on this machine may use http://)."))


class PlatformForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("For you, e.g. “University Moodle”."),
    )
    issuer = StringField(
        _l("Platform ID (issuer)"),
        validators=[DataRequired(), Length(max=255), platform_url],
        description=_l("Moodle: the site address. Canvas: https://canvas.instructure.com for cloud Canvas."),
    )
    client_id = StringField(_l("Client ID"), validators=[DataRequired(), Length(max=255)])
    deployment_lines = TextAreaField(
        _l("Deployment IDs"),
        validators=[DataRequired()],
        description=_l("One per line. Launches from other deployments are refused."),
    )
    auth_login_url = StringField(
        _l("Authentication request URL"), validators=[DataRequired(), Length(max=500), platform_url]
    )
    auth_token_url = StringField(
        _l("Access token URL"), validators=[DataRequired(), Length(max=500), platform_url]
    )
    jwks_url = StringField(
        _l("Public keyset URL"), validators=[DataRequired(), Length(max=500), platform_url]
    )
    token_audience = StringField(
        _l("Token audience (optional)"),
        validators=[Optional(), Length(max=500)],
        description=_l(
            "Only if the platform asks for one other than its access token "
            "URL (Canvas cloud: https://canvas.instructure.com/login/oauth2/"
            "token)."
        ),
    )
    match_email = BooleanField(
        _l("Link a first launch to an existing account with the same e-mail address"), default=True
    )
    active = BooleanField(_l("Accept launches from this platform"), default=True)
    submit = SubmitField(_l("Save"))

    def deployment_list(self) -> list[str]:
        return [line.strip() for line in (self.deployment_lines.data or "").splitlines() if line.strip()]


class CohortChoiceForm(FlaskForm):
    cohort_id = SelectField(_l("Cohort"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Link this course"))


class ProjectChoiceForm(FlaskForm):
    project_id = IntegerField(validators=[DataRequired()])
