"""Form pieces shared by every package."""

from __future__ import annotations

import math
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import StopValidation


class ActionForm(FlaskForm):
    """An empty form for buttons that POST (disable, revoke, sign out): it only carries the CSRF token."""


class Finite:
    """Refuse NaN, infinities and numbers no float holds; put it before ``NumberRange``.

    WTForms reads ``nan``, ``inf`` and ``sNaN`` as numbers: ``NumberRange`` then crashes on ``sNaN < 0``
    (a 500), lets ``inf`` or ``1e400`` past a lone ``min``, and a stored infinity breaks strict JSON later
    (personal-data exports).
    """

    def __init__(self, message=None) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        data = field.data
        if data is None:
            return
        try:
            ok = math.isfinite(float(data)) and not (isinstance(data, Decimal) and not data.is_finite())
        except (ValueError, OverflowError):  # float(Decimal("sNaN")) raises
            ok = False
        if not ok:
            raise StopValidation(self.message or _l("Enter a number."))
