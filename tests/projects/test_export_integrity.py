"""Exports lose nothing: every file handed in comes out of the ZIPs byte-identical, under a path of its own.

Two trainees with the same name who hand in files with the same name once made two ZIP entries with one path;
unzipping kept one of them, and a film was silently gone (issue 13).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest

from media.models import MediaFile
from projects.common import UniqueNames, zip_part_name
from projects.coursework.models import Submission
from tests.projects.test_submissions import declare, hand_in, upload

FILM = {"name_en": "Final cut", "name_ko": "최종본", "kind": "video"}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _unzipped(data: bytes, tmp_path) -> dict[str, bytes]:
    """What a person gets on disk after unzipping: a later entry with the same path replaces an earlier."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(tmp_path)
    return {
        str(p.relative_to(tmp_path)).replace("\\", "/"): p.read_bytes()
        for p in tmp_path.rglob("*")
        if p.is_file()
    }


def test_submissions_zip_keeps_every_file_of_namesakes(
    client, login, course, make_project, media, db, app, tmp_path
):
    project = make_project(deliverables=[FILM])
    first, second = course["trainees"][:2]
    first.name = second.name = "Kim Minji"
    db.session.commit()
    for trainee, sample in ((first, "h264_aac.mp4"), (second, "faststart.mp4")):
        c = app.test_client()
        login(trainee, c=c)
        assert upload(c, project, project.deliverables[0], media[sample], name="film.mp4").status_code == 302
        declare(c, project)
        assert hand_in(c, project).status_code == 302
    handed = {_sha(media[s].read_bytes()) for s in ("h264_aac.mp4", "faststart.mp4")}
    assert len(handed) == 2 and db.session.query(Submission).count() == 2
    login(course["instructor"])
    archive = client.get(f"/projects/{project.id}/submissions.zip")
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.data)) as zf:
        names = zf.namelist()
        assert len(names) == len(set(names)) == 2
        assert all(n.startswith("Kim Minji") for n in names)
    on_disk = _unzipped(archive.data, tmp_path / "unzipped")
    assert len(on_disk) == 2
    assert {_sha(b) for b in on_disk.values()} == handed
    assert sorted(_sha(b) for b in on_disk.values()) == _stored_hashes(db)


def _stored_hashes(db) -> list[str]:
    """The hashes of the stored files of every latest attempt."""
    from media.services import get_storage

    storage = get_storage()
    return sorted(
        _sha(storage.path(db.session.get(MediaFile, i.media_id).storage_key).read_bytes())
        for s in db.session.query(Submission)
        for i in s.last_attempt.items
    )


def test_unique_names_are_unique_as_unzipped_on_any_disk():
    names = UniqueNames()
    # Case and Unicode normalisation: macOS and Windows disks treat these as one file.
    got = [
        names.add(n) for n in ("a/Film.mp4", "a/film.mp4", "a/film.mp4", "a/\u1100\u1161.mp4", "a/\uac00.mp4")
    ]
    assert got[0] == "a/Film.mp4"
    assert len({g.casefold() for g in got}) == 5
    assert got[2].endswith(".mp4") and got[1] != got[2]
    assert zip_part_name("A/B") == zip_part_name("A:B")  # why folders carry an id as well as a name


@pytest.mark.parametrize(
    ("given", "unzips_as"),
    [
        ("report: v2?.mp4", "report_ v2_.mp4"),
        ("CON.txt", "_CON.txt"),
        ("lpt1", "_lpt1"),
        ("final. ", "final"),
        ("..hidden", "hidden"),
        ("", "_"),
        ("a\x00b", "a_b"),
    ],
)
def test_part_names_unzip_on_windows(given, unzips_as):
    from lms.archives import part_name

    assert part_name(given) == unzips_as


def test_a_trainees_own_files_archive_names_unzip_on_windows(app, db, make_user):
    """The media plugin's part of a personal-data archive names each upload by a Windows-safe name."""
    from lms.users import privacy
    from media.models import MediaFile
    from media.services import get_storage

    user = make_user("trainee")
    stored = get_storage().save_stream(io.BytesIO(b"clip"), max_bytes=None)
    media = MediaFile(
        owner_id=user.id,
        storage_key=stored.key,
        original_name='CON: "final"?.mp4',
        size_bytes=4,
        sha256=stored.sha256,
    )
    db.session.add(media)
    db.session.flush()
    with app.test_request_context():
        data = b"".join(privacy.personal_data_archive(user))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        entries = [n for n in zf.namelist() if n.startswith("files/media/")]
    assert entries == [f"files/media/{media.id}-CON_ _final__.mp4"]


def test_personal_data_json_is_strict_and_files_unique(app, db, make_user):
    from lms.signals import PersonalData
    from lms.users import privacy

    user = make_user("trainee")
    contribution = [
        PersonalData("test", {"x": float("nan")}, [("same.txt", __file__), ("same.txt", __file__)])
    ]

    def answer(sender, **_kwargs):
        return contribution

    from lms import signals

    signals.personal_data_requested.connect(answer)
    try:
        with app.test_request_context():
            data = b"".join(privacy.personal_data_archive(user))
    finally:
        signals.personal_data_requested.disconnect(answer)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        document = json.loads(
            zf.read("personal-data.json"),
            parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)),
        )
    assert len(names) == len(set(names))
    assert document["test"]["x"] is None


def test_stored_files_match_the_zip(client, login, course, make_project, media, db, app):
    """Every entry's hash equals the stored file it came from (the export does not re-encode or cut)."""
    project = make_project(deliverables=[FILM, FILM | {"name_en": "Final cut"}])
    trainee = course["trainees"][0]
    login(trainee)
    for deliverable in project.deliverables:
        assert upload(client, project, deliverable, media["h264_aac.mp4"], name="film.mp4").status_code == 302
    declare(client, project)
    assert hand_in(client, project).status_code == 302
    staff = app.test_client()
    login(course["instructor"], c=staff)
    archive = staff.get(f"/projects/{project.id}/submissions.zip")
    stored = _stored_hashes(db)
    with zipfile.ZipFile(io.BytesIO(archive.data)) as zf:
        names = zf.namelist()
        assert len(names) == len(set(names)) == 2  # two deliverables named alike, one file name
        assert sorted(_sha(zf.read(n)) for n in names) == stored


def test_gradebook_csv_escapes_the_header_row(client, login, course, make_project, db):
    import csv

    make_project(title_en="=1+2", title_ko="=1+2")
    make_project(title_en="@SUM(A1)", title_ko="+cmd|' /C calc'!A0")
    login(course["instructor"])
    data = client.get(f"/projects/cohorts/{course['cohort'].id}/gradebook.csv").get_data(as_text=True)
    header = next(csv.reader(io.StringIO(data.lstrip("\ufeff"))))
    assert header[2:] and all(cell[0] not in "=+-@\t\r" for cell in header)
    assert "'=1+2" in header


def test_safe_cell_lets_only_plain_numbers_start_with_a_sign():
    from projects.grading.rubrics import safe_cell

    assert safe_cell("-1.5") == "-1.5" and safe_cell("+3") == "+3"
    for formula in ("-Infinity", "+NaN", "-1+2", "=1", "@x", "\tx", "\rx"):
        assert safe_cell(formula) == "'" + formula
