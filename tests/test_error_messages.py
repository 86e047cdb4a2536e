"""No person ever sees a raw error code: every code the code base raises has a sentence, in every language.

The codes are read from the source (``raise SomeError("code", ...)``), so a new code without words in its
package's ``messages.py`` fails here, not in front of a trainee.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask_babel import force_locale

from lms import errors
from lms.errors import DomainError

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("lms", "media", "projects", "lti")


def _domain_errors() -> dict[str, type[DomainError]]:
    """Every DomainError subclass the loaded packages define, by class name."""
    found, todo = {}, [DomainError]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            found[sub.__name__] = sub
            todo.append(sub)
    return found


def _raised_codes(names: set[str]) -> list[tuple[str, str, str]]:
    """(class name, code, where) for every ``raise Name("code", …)`` of a domain error in the packages."""
    raised = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                    continue
                func = node.exc.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                args = node.exc.args
                if (
                    name in names
                    and args
                    and isinstance(args[0], ast.Constant)
                    and isinstance(args[0].value, str)
                ):
                    raised.append((name, args[0].value, f"{path.relative_to(ROOT)}:{node.lineno}"))
    return raised


def test_the_code_base_raises_domain_errors(app):
    raised = _raised_codes(set(_domain_errors()))
    assert len(raised) > 50
    assert {"ProjectError", "CareersError", "ProgrammeError"} <= {name for name, _code, _where in raised}


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_every_raised_code_reads_as_a_sentence(app, locale):
    classes = _domain_errors()
    missing = []
    with app.test_request_context("/"), force_locale(locale):
        for name, code, where in _raised_codes(set(classes)):
            exc = classes[name](code)
            if not errors.has_message(exc):
                missing.append(f"{name}({code!r}) at {where}")
                continue
            text = errors.describe(exc)
            assert text and text != code and "%(" not in text, (name, code, text)
    assert not missing, "codes with no sentence in any messages.py:\n" + "\n".join(missing)


def test_an_unknown_code_gets_a_general_sentence_not_the_code(app, caplog):
    with app.test_request_context("/"), force_locale("en"):
        text = errors.describe(DomainError("no_such_rule_anywhere"))
    assert "no_such_rule_anywhere" not in text and text.endswith("try again.")
    assert "no_such_rule_anywhere" in caplog.text


def test_a_refusal_reaching_the_api_edge_is_422_json_with_the_sentence(app, client, make_user, db):
    from flask import Blueprint

    from lms.errors import register_messages

    class ProbeError(DomainError):
        pass

    register_messages(
        ProbeError, lambda code, p: f"Too many items: {p['limit']}." if code == "too_many" else None
    )
    bp = Blueprint("probe", __name__)

    @bp.route("/api/v1/_probe", methods=["POST"])
    def probe():
        raise ProbeError("too_many", limit=3)

    @bp.route("/_probe", methods=["POST"])
    def probe_page():
        raise ProbeError("too_many", limit=3)

    app.register_blueprint(bp)
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/api/v1/_probe")
    assert response.status_code == 422
    assert response.get_json() == {
        "code": 422,
        "status": "Unprocessable Entity",
        "message": "Too many items: 3.",
    }
    page = client.post("/_probe")
    assert page.status_code == 422 and "Too many items: 3." in page.get_data(as_text=True)
