"""The NCS screens' forms: the unit file to import (the mapping screen posts one text box per target with
:class:`lms.forms.ActionForm`'s CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField


class UnitImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(_l("Choose a CSV file."))],
        description=_l("The NCS export: one row per unit element. UTF-8, with or without BOM."),
        render_kw={"accept": ".csv,text/csv"},
    )
    submit = SubmitField(_l("Check and import"))
