"""Form pieces shared by every package."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """An empty form for buttons that POST (disable, revoke, sign out): it only carries the CSRF token."""
