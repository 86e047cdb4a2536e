"""The wording pages' forms (the other buttons post an :class:`lms.forms.ActionForm`: only the CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import SubmitField

#: A language's whole catalogue is about 300 KB as a ``.po`` file.
MAX_PO_BYTES = 5 * 1024 * 1024


class ImportForm(FlaskForm):
    file = FileField(
        _l(".po file"),
        validators=[FileRequired(), FileSize(MAX_PO_BYTES)],
        render_kw={"accept": ".po,text/x-gettext-translation"},
    )
    submit = SubmitField(_l("Check and import"))
