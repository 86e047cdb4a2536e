"""Every number field of every form refuses NaN, infinities and numbers no float holds.

WTForms reads ``nan``, ``inf`` and ``sNaN`` as numbers; ``NumberRange`` then crashes on ``sNaN`` (a 500) and
lets an infinity past a lone ``min``. The second hardening round found such fields in three packages, so this
walks every form class the app defines rather than the ones we remembered.
"""

from __future__ import annotations

import importlib
import pkgutil

from flask_wtf import FlaskForm
from wtforms import DecimalField, FloatField
from wtforms.fields.core import UnboundField

import lms
import lti
import media
import projects
from lms.forms import Finite


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _import_every_forms_module() -> None:
    # Form classes live in ``forms.py`` modules only (importing everything would build an app: lms.worker).
    for package in (lms, media, projects, lti):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if info.name.rpartition(".")[2] == "forms":
                importlib.import_module(info.name)


def test_every_decimal_or_float_field_refuses_non_finite_numbers():
    _import_every_forms_module()
    checked, missing = 0, []
    for form in _subclasses(FlaskForm):
        for name, field in vars(form).items():
            if not (
                isinstance(field, UnboundField) and issubclass(field.field_class, (DecimalField, FloatField))
            ):
                continue
            checked += 1
            validators = field.kwargs.get("validators") or (field.args[1] if len(field.args) > 1 else [])
            # media.forms keeps its own ``finite`` function (same rule, a message about seconds).
            if not any(isinstance(v, Finite) or getattr(v, "__name__", "") == "finite" for v in validators):
                missing.append(f"{form.__module__}.{form.__name__}.{name}")
    assert checked >= 8
    assert missing == []
