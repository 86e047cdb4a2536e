"""A trainee never sees her own name shortened: "Nguyen L." is for employers before she accepts them.

Everyone else who may read the name (the trainee herself, the liaison, admins) sees it whole, on the page and
through the API; the greeting and the menu show the whole name too (the first word of "Nguyen Thi Lan" is her
family name).
"""

from __future__ import annotations

from sqlalchemy import select

from projects.careers.models import Interest
from tests.projects.test_careers import people  # noqa: F401 (the fixture)

EN = {"Accept-Language": "en"}


def _forwarded_interest(app, client, login, db, people):  # noqa: F811
    """The approved employer's interest in Nguyen Thi Lan, passed on to her by the liaison."""
    trainee, employer = people["t"]["Nguyen Thi Lan"], people["approved"]
    login(employer.user)
    client.post(f"/careers/trainees/{trainee.id}/interest", data={"role_title": "Video editor"})
    interest = db.session.scalar(select(Interest))
    liaison = app.test_client()
    login(people["liaison"], c=liaison)
    forwarded = liaison.post(f"/careers/interests/{interest.id}/step", data={"action": "forward"})
    assert forwarded.status_code == 302
    return trainee, interest


def test_the_trainee_sees_her_whole_name_before_she_answers(app, client, login, db, people):  # noqa: F811
    trainee, interest = _forwarded_interest(app, client, login, db, people)
    employer_page = client.get(f"/careers/interests/{interest.id}", headers=EN).get_data(as_text=True)
    assert "Nguyen L." in employer_page and "Nguyen Thi Lan" not in employer_page  # privacy before contact

    own = app.test_client()
    login(trainee, c=own)
    page = own.get(f"/careers/interests/{interest.id}", headers=EN).get_data(as_text=True)
    assert "Nguyen Thi Lan" in page and "Nguyen L." not in page

    admin = app.test_client()
    login(people["admin"], c=admin)
    page = admin.get(f"/careers/interests/{interest.id}", headers=EN).get_data(as_text=True)
    assert "Nguyen Thi Lan" in page and "Nguyen L." not in page


def test_the_api_gives_the_trainee_her_whole_name(app, client, login, db, people, token_for):  # noqa: F811
    trainee, interest = _forwarded_interest(app, client, login, db, people)
    mine = client.get(f"/api/v1/careers/interests/{interest.id}", headers=token_for(trainee)).get_json()
    assert mine["trainee"]["name"] == "Nguyen Thi Lan"
    employer = token_for(people["approved"].user)
    theirs = client.get(f"/api/v1/careers/interests/{interest.id}", headers=employer).get_json()
    assert theirs["trainee"] == {"id": trainee.id, "name": "Nguyen L.", "email": None}


def test_greeting_and_menu_use_the_whole_name(client, login, people):  # noqa: F811
    login(people["t"]["Nguyen Thi Lan"])
    page = client.get("/dashboard", headers=EN).get_data(as_text=True)
    assert "Hello, Nguyen Thi Lan" in page
    assert ">Nguyen Thi Lan</a>" in page  # the menu's link to her profile
