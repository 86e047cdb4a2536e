"""Locust users for bench/load.py: trainees browsing, uploading and handing in; instructors grading.

Started by bench/load.py, which sets ``LMS_LOAD_PLAN`` to the JSON file of
logins and ids it seeded.  Each simulated person has their own account and
session: most come back with the session cookie bench/load.py made for them
(signed in earlier in the week), the others sign in with their password; all
read their CSRF token from the first page, as a browser does.  Then they act
with think times between actions:

- a trainee waits 5-20 s between actions (reading a page, finding a file on the
  phone): dashboard, projects list, a project page, their work page, an
  upload of a small image through tus (create + one PATCH, as upload.js sends
  files under its 8 MiB chunk), following the checks and, once the file is
  accepted, the declarations and the hand-in;
- an instructor waits 3-10 s between actions (marking is focused work): the
  review list, the grading screen, saving marks with the version read from
  the form, releasing a ready grade, the gradebook.

Requests that redirect are not followed, so each HTTP exchange is timed on its
own and named by its route (ids replaced by ``[id]``).
"""

from __future__ import annotations

import base64
import json
import os
import random
import re
from http.cookiejar import Cookie

from locust import FastHttpUser, between, task

PLAN = json.loads(open(os.environ["LMS_LOAD_PLAN"]).read())
SAMPLE = open(PLAN["sample"], "rb").read()
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
_VERSION = re.compile(r'name="version" value="(\d+)"')
_trainees = iter(PLAN["trainees"])
_instructors = iter(PLAN["instructors"])


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    if not match:
        raise ValueError("no CSRF token in the page")
    return match.group(1) or match.group(2)


class Person(FastHttpUser):
    abstract = True
    account: dict
    token = ""

    def sign_in(self) -> None:
        if self.account.get("cookie"):
            self.client.cookiejar.set_cookie(
                Cookie(
                    0,
                    PLAN["cookie_name"],
                    self.account["cookie"],
                    None,
                    False,
                    self.host.split("//")[1].split(":")[0],
                    False,
                    False,
                    "/",
                    True,
                    False,
                    None,
                    False,
                    None,
                    None,
                    {},
                )
            )
            self.token = csrf_token(self.client.get("/dashboard", name="/dashboard").text)
            return
        page = self.client.get("/auth/login", name="/auth/login")
        self.token = csrf_token(page.text)
        with self.client.post(
            "/auth/login",
            data={"email": self.account["email"], "password": PLAN["password"], "csrf_token": self.token},
            allow_redirects=False,
            catch_response=True,
            name="/auth/login",
        ) as answer:
            if answer.status_code != 302 or "/auth/login" in answer.headers.get("Location", ""):
                answer.failure(f"sign-in refused ({answer.status_code})")
                return
        # The session changed at sign-in; its CSRF token comes with the first page.
        self.token = csrf_token(self.client.get("/dashboard", name="/dashboard").text)

    def post_form(self, path: str, data: dict, name: str, expect: str = ""):
        """POST a form with the session's CSRF token; a redirect (to *expect*, if given) is success."""
        with self.client.post(
            path,
            data={**data, "csrf_token": self.token},
            allow_redirects=False,
            catch_response=True,
            name=name,
        ) as answer:
            location = answer.headers.get("Location", "")
            if answer.status_code != 302 or (expect and expect not in location):
                answer.failure(f"{answer.status_code} -> {location or 'no redirect'}")
            return answer


class Trainee(Person):
    weight = max(1, len(PLAN["trainees"]))
    wait_time = between(5, 20)

    def on_start(self) -> None:
        self.account = next(_trainees)
        self.media_id = None
        self.handed_in = False
        self.sign_in()

    @task(4)
    def dashboard(self):
        self.client.get("/dashboard", name="/dashboard")

    @task(2)
    def projects(self):
        self.client.get("/projects/", name="/projects/")

    @task(3)
    def project(self):
        self.client.get(f"/projects/{random.choice(self.account['projects'])}", name="/projects/[id]")

    @task(4)
    def work(self):
        self.client.get(f"/projects/{self.account['work']}/work", name="/projects/[id]/work")

    @task(2)
    def upload(self):
        if self.media_id is not None:
            return self.follow_checks()
        metadata = {
            "filename": f"still-{self.account['email'].split('@')[0]}.png",
            "filetype": "image/png",
            "context": f"deliverable:{self.account['deliverable']}",
        }
        encoded = ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in metadata.items())
        tus = {"Tus-Resumable": "1.0.0", "X-CSRFToken": self.token}
        with self.client.post(
            "/media/uploads/",
            headers={**tus, "Upload-Length": str(len(SAMPLE)), "Upload-Metadata": encoded},
            catch_response=True,
            name="tus create",
        ) as created:
            if created.status_code != 201:
                return created.failure(f"{created.status_code}: {created.text[:200]}")
            location = created.headers["Location"]
        with self.client.request(
            "PATCH",
            location,
            data=SAMPLE,
            catch_response=True,
            name="tus PATCH",
            headers={**tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
        ) as sent:
            if sent.status_code != 204 or not sent.headers.get("Gongbang-Media-Id"):
                return sent.failure(f"{sent.status_code}: {sent.text[:200]}")
            self.media_id = int(sent.headers["Gongbang-Media-Id"])

    def follow_checks(self):
        """The page polls the file's status; once accepted, the trainee hands the work in (once)."""
        if self.handed_in:
            return
        with self.client.get(
            f"/media/{self.media_id}/status", catch_response=True, name="/media/[id]/status"
        ) as answer:
            status = answer.json().get("status") if answer.status_code == 200 else None
            if status in ("rejected", "failed"):
                return answer.failure(f"the sample image was {status}")
        if status != "ready":
            return
        project = self.account["work"]
        self.post_form(
            f"/projects/{project}/work/declarations",
            {"ai_used": "no", **{f"people-{i}-consent": "pending" for i in range(3)}},
            name="/projects/[id]/work/declarations",
            expect="/work",
        )
        self.post_form(
            f"/projects/{project}/work/submit",
            {"statement": "y"},
            name="/projects/[id]/work/submit",
            expect="/attempts/",
        )
        self.handed_in = True


class Instructor(Person):
    weight = max(1, len(PLAN["instructors"]))
    fixed_count = len(PLAN["instructors"])
    wait_time = between(3, 10)

    def on_start(self) -> None:
        self.account = next(_instructors)
        self.ready: list[int] = []
        self.sign_in()

    @task(2)
    def review_list(self):
        self.client.get(
            f"/projects/{self.account['projects'][0]}/submissions", name="/projects/[id]/submissions"
        )

    @task(5)
    def grade(self):
        project, submission = self.account["projects"][0], random.choice(self.account["submissions"])
        path = f"/projects/{project}/submissions/{submission}/grade"
        page = self.client.get(path, name="/projects/[id]/submissions/[id]/grade (GET)")
        version = _VERSION.search(page.text)
        if not version:
            return
        marks = {f"level-{c['id']}": random.choice(c["levels"]) for c in PLAN["criteria"]}
        answer = self.post_form(
            path,
            {
                "version": version.group(1),
                "status": "ready",
                "feedback": "Clear story; tighten the edit.",
                **marks,
            },
            name="/projects/[id]/submissions/[id]/grade (POST)",
            expect=path,
        )
        if answer.status_code == 302:
            self.ready.append(submission)

    @task(1)
    def release(self):
        if not self.ready:
            return
        project, submission = self.account["projects"][0], self.ready.pop()
        self.post_form(
            f"/projects/{project}/submissions/{submission}/release",
            {},
            name="/projects/[id]/submissions/[id]/release",
            expect="/grade",
        )

    @task(1)
    def gradebook(self):
        self.client.get(
            f"/projects/cohorts/{self.account['cohort']}/gradebook", name="/projects/cohorts/[id]/gradebook"
        )
