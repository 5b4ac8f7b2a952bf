"""The system scaled out on one machine, used as its clients use it: two web processes
(A and B), two Celery workers and beat (processes.py; conftest.py's `system` starts the
web processes and workers once for the module), sharing the test database, Redis and
an S3 bucket. What happens through one process holds for the others:

- chat: a member connected to B sees the one connected to A online, and gets at once
  what is posted over REST to A; A hears of B's connections coming and going;
- a notification a worker writes reaches the recipient's sockets on A and on B;
- a file uploaded through A downloads through B (a presigned URL of the bucket);
- failed logins, a used TOTP code or login challenge, and cached reference data are
  the same on A and B;
- beat sends a periodic task once a tick, and each run is run by one worker;
- an import whose worker is killed mid-job is finished by the other worker, from its
  last committed batch: every row written once.

That every process uses the same Redis databases is checked by what crosses them: this
process counts the connections A and B count (cache), B's socket gets what A and a
worker publish (channel layer, and the worker pushes only to those the cache says are
connected), the workers run what beat sends (broker).

The processes need a database and a Redis they can share: on the embedded default
(SQLite, the in-memory channel layer and cache) the module is skipped. Under
pytest-xdist its tests may be shared out to several pytest workers: each starts its own
processes, on its own database, Redis databases and bucket.
"""

import asyncio
import csv
import hashlib
import io
import signal
import uuid
from contextlib import asynccontextmanager
from html.parser import HTMLParser

import pytest
import requests
from channels.db import database_sync_to_async
from django.apps import apps
from django.conf import settings
from django.db import connection
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_otp.plugins.otp_totp.models import TOTPDevice

from api.v1.base_models.auth.services import tokens_for
from api.v1.base_models.common.models import Currency
from api.v1.base_models.common.tests.factories import CurrencyFactory, UnitOfMeasureFactory
from api.v1.base_models.files.models import FileStorage
from api.v1.features.chat.services import FEED as CHAT_FEED
from api.v1.features.chat.tests.factories import ChatRoomFactory
from api.v1.features.chat.tests.live import TIMEOUT, connect, messages_path, next_frame, send
from api.v1.features.data_jobs.choices import FINISHED, JobStatus
from api.v1.features.data_jobs.models import DataJob
from api.v1.features.products.models import Product
from core.presence import present
from notifications.models import Notification
from rbac.roles import ROLE_NAMES
from tests.s3 import fetch, s3_client

from .processes import SETTINGS, wait_for

# What the tests commit is seen by the processes; it is emptied after each test, except
# content types, permissions and roles (contenttypes and auth): emptied, they would be
# made again with new ids, and the processes hold the ids they read (Django caches
# content types for the life of a process, as they never change in production).
KEPT_APPS = {"contenttypes", "auth"}
pytestmark = [
    # One pytest-xdist worker runs the whole module (`--dist loadgroup`): its processes
    # are started once.
    pytest.mark.xdist_group("scaleout"),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not settings.REDIS_URL,
        reason="Scaling out needs a database and a Redis that several processes share: "
        "set DATABASE_URL (PostgreSQL) and REDIS_URL. The embedded default (SQLite, the "
        "in-memory channel layer and cache) serves one process.",
    ),
    pytest.mark.django_db(
        transaction=True,
        available_apps=[app.name for app in apps.get_app_configs() if app.label not in KEPT_APPS],
    ),
]

CHAT = "/ws/chat/"
NOTIFICATIONS = "/ws/notifications/"
LOGIN = "/api/v1/auth/token/"
LOGIN_2FA = "/api/v1/auth/token/2fa/"
WORKER_TIMEOUT = 30.0  # seconds: a task queued, taken and done by a worker
IMPORT_ROWS = 12_000
BATCH_SIZE = int(SETTINGS["DATA_JOB_BATCH_SIZE"])
IMPORT_TIMEOUT = 120.0  # seconds: the whole import, its worker's death included


def access_token(user) -> str:
    return tokens_for(user)["access"]


def products_csv(skus) -> bytes:
    text = io.StringIO()
    rows = csv.writer(text)
    rows.writerow(["sku", "name", "product_type", "base_uom"])
    rows.writerows([sku, f"Scale-out {sku}", "SERVICE", "EA"] for sku in skus)
    return text.getvalue().encode()


def start_import(web, token, organization, content: bytes):
    """(status, body) of an import of products `content` (CSV) into `organization`,
    written batch by batch (on_error=skip commits each batch)."""
    return web.api(
        "POST",
        "/api/v1/products/import/",
        token,
        data={"organization": organization.pk, "mode": "create", "on_error": "skip"},
        files={"file": ("products.csv", content, "text/csv")},
    )


@pytest.fixture
def people(org_a, member_of):
    """ann, an administrator of org_a (she imports and uploads), and bob, a member."""
    ann = member_of(org_a, ROLE_NAMES["administrator"], username="ann")
    bob = member_of(org_a, ROLE_NAMES["member"], username="bob")
    return ann, bob


@pytest.fixture
def each_uom(db):
    return UnitOfMeasureFactory(code="EA", name="Each")


@pytest.fixture
def beat(system, transactional_db):
    """beat(*(task name, seconds)) -> beat, started with these periodic tasks in its
    schedule (django_celery_beat's DatabaseScheduler, which reads them as it starts);
    stopped at the end of the test.

    Beat runs only while a test needs it: pytest-django empties the tables after each
    test (TRUNCATE, which sends no signal), django_celery_beat's too, and a beat that
    runs through it misses the next change of its schedule (the row of its last change
    is gone, so the next one compares with nothing) and was seen to crash reading a
    schedule emptied under it."""

    def start(*tasks):
        for task, seconds in tasks:
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=seconds, period=IntervalSchedule.SECONDS
            )
            PeriodicTask.objects.create(name=f"scale-out: {task}", task=task, interval=interval)
        return system.start_beat()

    yield start
    system.stop_beat()


@pytest.fixture
def workers(system):
    """Both workers running (one the import test killed is started again)."""
    for worker in system.workers:
        if not worker.running:
            system.restart(worker)
    return system.workers


# ----------------------------------------------------------------------------- chat
@pytest.fixture
def chat_world(org_a, people):
    """A room of ann and bob: (its id, {username: user id}, {username: access token})."""
    room = ChatRoomFactory(organization=org_a, participants=list(people), messages=0)
    ids = {user.username: user.pk for user in people}
    return room.pk, ids, {user.username: access_token(user) for user in people}


@asynccontextmanager
async def subscribed(web, token, room):
    """A /ws/chat/ connection to `web`, subscribed to `room`; yields it and the
    `subscribed` frame."""
    async with connect(web.ws_url(CHAT, token)) as ws:
        await send(ws, type="subscribe", room=room)
        yield ws, await next_frame(ws, "subscribed")


@pytest.mark.asyncio
async def test_chat_messages_and_presence_cross_the_web_processes(system, chat_world):
    a, b = system.webs
    room, ids, tokens = chat_world
    ann, bob = ids["ann"], ids["bob"]

    async def online_by(web) -> dict:
        path = f"/api/v1/chat/rooms/{room}/participants/"
        status, participants = await asyncio.to_thread(web.api, "GET", path, tokens["ann"])
        assert status == 200, participants
        return {each["user"]: each["is_online"] for each in participants}

    async with subscribed(a, tokens["ann"], room) as (on_a, ann_subscribed):
        assert ann_subscribed["online"] == [ann]
        async with subscribed(b, tokens["bob"], room) as (on_b, bob_subscribed):
            # bob, on B, sees ann, connected to A, online; A tells ann that bob came.
            assert bob_subscribed["online"] == sorted([ann, bob])
            came = await next_frame(on_a, "presence")
            assert (came["user"], came["username"], came["online"]) == (bob, "bob", True)
            # Both processes, and this one, count the same connections.
            assert await online_by(a) == await online_by(b) == {ann: True, bob: True}
            assert await asyncio.to_thread(present, CHAT_FEED, [ann, bob]) == {ann, bob}

            # Posted over REST to A: on bob's socket on B (and ann's on A) at once.
            body = {"content": "Through A", "client_id": "ann-1"}
            status, posted = await asyncio.to_thread(
                a.api, "POST", messages_path(room), tokens["ann"], json=body
            )
            assert status == 201, posted
            for ws in (on_b, on_a):
                delivered = (await next_frame(ws, "message"))["message"]
                assert (delivered["id"], delivered["sequence"]) == (posted["id"], 1)
                assert delivered["content"] == "Through A"

            # Sent over B's socket: on ann's socket on A.
            await send(on_b, type="message", room=room, content="Through B", client_id="bob-1")
            ack = (await next_frame(on_b, "ack"))["message"]
            delivered = (await next_frame(on_a, "message"))["message"]
            assert (delivered["id"], delivered["sequence"]) == (ack["id"], 2)

        # bob's connection to B closed: A tells ann he left, and A no longer counts him.
        left = await next_frame(on_a, "presence")
        assert (left["user"], left["online"]) == (bob, False)
        assert await online_by(a) == {ann: True, bob: False}


# -------------------------------------------------------------------- notifications
@pytest.mark.asyncio
async def test_a_notification_written_by_a_worker_reaches_both_web_processes(
    system, org_a, people, each_uom
):
    a, b = system.webs
    ann = people[0]
    token = await database_sync_to_async(access_token)(ann)
    content = products_csv(["N-1", "N-2", "N-3"])

    async with (
        connect(a.ws_url(NOTIFICATIONS, token)) as on_a,
        connect(b.ws_url(NOTIFICATIONS, token)) as on_b,
    ):
        for ws in (on_a, on_b):
            assert (await next_frame(ws, "unread_count"))["unread_count"] == 0
        # Started through A, run by a worker, which notifies ann as it ends.
        status, job = await asyncio.to_thread(start_import, a, token, org_a, content)
        assert status == 202, job
        for ws in (on_a, on_b):
            pushed = await next_frame(ws, "notification", timeout=WORKER_TIMEOUT)
            assert pushed["notification"]["type"] == "data_job_finished"
            assert pushed["notification"]["action_url"].endswith(f"/api/v1/data-jobs/{job['id']}/")
            assert pushed["unread_count"] == 1

    def stored():
        ran = DataJob.objects.get(pk=job["id"])
        return ran, list(Notification.objects.filter(recipient=ann).values_list("pk", flat=True))

    ran, notifications = await database_sync_to_async(stored)()
    assert (ran.status, ran.created_rows) == (JobStatus.SUCCEEDED, 3)
    assert notifications == [pushed["notification"]["id"]]
    # A worker ran it (the web processes run no task: CELERY_TASK_ALWAYS_EAGER=false); it
    # logs the task's end once the task has returned, just after the notification.
    await asyncio.to_thread(
        wait_for,
        lambda: any(ran.task_id in worker.tasks("succeeded") for worker in system.workers),
        timeout=TIMEOUT,
        what=f"a worker to end the task {ran.task_id}",
    )


# ---------------------------------------------------------------------------- files
def test_a_file_uploaded_through_one_web_process_downloads_through_the_other(
    system, org_a, people, s3_server
):
    a, b = system.webs
    token = access_token(people[0])
    content = f"Uploaded through A, {uuid.uuid4().hex}.\n".encode() * 100

    response = a.request(
        "POST",
        "/api/v1/files/",
        token,
        data={"organization": org_a.pk},
        files={"file": ("scale-out.txt", content, "text/plain")},
    )
    assert response.status_code == 201, response.text
    uploaded = response.json()
    assert uploaded["size"] == len(content)
    assert uploaded["checksum"] == hashlib.sha256(content).hexdigest()
    key = FileStorage.objects.get(pk=uploaded["id"]).file.name
    in_bucket = s3_client(s3_server).get_object(Bucket=system.bucket, Key=key)
    assert in_bucket["Body"].read() == content

    download = b.request("GET", f"/api/v1/files/{uploaded['id']}/download/", token)
    assert download.status_code == 302, download.text
    location = download.headers["Location"]
    assert location.startswith(f"{s3_server}/{system.bucket}/")
    status, _headers, body = fetch(location)
    assert (status, body) == (200, content)


# ------------------------------------------------------------- throttles and caches
def test_failed_logins_count_on_every_web_process(system, org_a, member_of, password):
    a, b = system.webs
    member_of(org_a, ROLE_NAMES["member"], username="carol")
    member_of(org_a, ROLE_NAMES["member"], username="dave")
    wrong = {"username": "carol", "password": "not her password"}

    # THROTTLE_LOGIN_FAILURES=3/15m for the processes: three failures, through A and B...
    for web in (a, b, a):
        status, refused = web.api("POST", LOGIN, json=wrong)
        assert (status, refused.get("code")) == (401, "no_active_account")
    # ...and the next attempt is refused by either, even with the right password.
    for web in (b, a):
        status, refused = web.api("POST", LOGIN, json={"username": "carol", "password": password})
        assert (status, refused.get("code")) == (429, "throttled")
    # Counted per client and username: dave logs in.
    status, tokens = b.api("POST", LOGIN, json={"username": "dave", "password": password})
    assert status == 200, tokens
    assert "access" in tokens


def test_a_totp_code_and_a_challenge_are_used_once_across_web_processes(
    system, org_a, member_of, password, totp_code
):
    a, b = system.webs
    erin = member_of(org_a, ROLE_NAMES["member"], username="erin")
    device = TOTPDevice.objects.create(user=erin, name="Phone", confirmed=True)
    code, next_code = totp_code(device), totp_code(device, steps=1)

    def challenge(web) -> str:
        status, body = web.api("POST", LOGIN, json={"username": "erin", "password": password})
        assert (status, body.get("two_factor_required")) == (200, True), body
        return body["challenge"]

    first = challenge(a)
    status, tokens = a.api("POST", LOGIN_2FA, json={"challenge": first, "code": code})
    assert status == 200, tokens
    assert "access" in tokens

    # The code used through A is refused through B, with a challenge of B's...
    status, refused = b.api("POST", LOGIN_2FA, json={"challenge": challenge(b), "code": code})
    assert (status, refused.get("code")) == (401, "invalid_otp")
    # ...and A's used challenge too, with a code not used yet.
    status, refused = b.api("POST", LOGIN_2FA, json={"challenge": first, "code": next_code})
    assert (status, refused.get("code")) == (401, "invalid_challenge")
    # B refused replays, not erin: a fresh challenge and an unused code log her in.
    status, tokens = b.api("POST", LOGIN_2FA, json={"challenge": challenge(b), "code": next_code})
    assert status == 200, tokens


class _FormFields(HTMLParser):
    """What a browser sends of the form `form_id` of a page, no button pressed."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.fields: dict[str, str] = {}
        self._inside = False
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._inside = attrs.get("id") == self.form_id
        if not self._inside or (not attrs.get("name") and tag != "option"):
            return
        kind = attrs.get("type", "text")
        if tag == "input" and kind not in ("submit", "button", "reset", "file", "image"):
            if kind not in ("checkbox", "radio") or "checked" in attrs:
                self.fields[attrs["name"]] = attrs.get("value") or (
                    "on" if kind == "checkbox" else ""
                )
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.fields[self._textarea] = ""
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            # A browser drops the newline that opens a textarea's text.
            text = self.fields[self._textarea] + data
            self.fields[self._textarea] = text.removeprefix("\n")


def admin_change(web, username: str, password: str, path: str, form: str, **changes) -> None:
    """Log in to the Admin of `web` (a browser session of its own), and save the change
    form `form` (its id) of the page at `path` with `changes`."""
    with requests.Session() as browser:
        browser.trust_env = False
        browser.get(web.url("/admin/login/"), timeout=TIMEOUT)
        login = {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        }
        response = browser.post(
            web.url("/admin/login/?next=/admin/"),
            data=login,
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert response.status_code == 302, response.text
        page = browser.get(web.url(path), timeout=TIMEOUT)
        assert page.status_code == 200, page.text
        fields = _FormFields(form)
        fields.feed(page.text)
        assert "_record_version" in fields.fields, fields.fields  # the Admin's own form
        response = browser.post(
            web.url(path),
            data={**fields.fields, **changes, "_save": "Save"},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert response.status_code == 302, response.text


def test_a_reference_change_through_one_web_process_is_not_served_stale_by_the_other(
    system, superuser, password
):
    a, b = system.webs
    code = CurrencyFactory(name="Scale-out Crown").code
    path = f"/api/v1/currencies/{code}/"
    status, shown = b.api("GET", path)
    assert (status, shown["name"]) == (200, "Scale-out Crown")
    # B serves it from the cache: a write that tells nobody (queryset.update() sends no
    # signal) is not seen...
    Currency.objects.filter(pk=code).update(name="Scale-out Ducat")
    assert b.api("GET", path)[1]["name"] == "Scale-out Crown"
    # ...while a change saved through A's Admin is, on B at once.
    change = f"/admin/common/currency/{code}/change/"
    admin_change(a, "root", password, change, "currency_form", name="Thaler")
    assert Currency.objects.get(pk=code).name == "Thaler"
    status, shown = b.api("GET", path)
    assert (status, shown["name"]) == (200, "Thaler")


# ----------------------------------------------------------------------------- beat
def test_beat_sends_a_periodic_task_once_per_tick_and_one_worker_runs_each(system, workers, beat):
    task = "core.tasks.clear_expired_sessions"  # cheap, and as good run twice as once
    runs = 6
    running = beat((task, 1))
    wait_for(
        lambda: len(system.executions(task)) >= runs,
        timeout=runs + WORKER_TIMEOUT,
        what=f"{runs} runs of {task}",
    )
    system.stop_beat()
    # Every run beat sent, and only those, done (the last ones may still be under way).
    sent = running.sent(task)
    executed = wait_for(
        lambda: len(found := system.executions(task)) == sent and found,
        timeout=WORKER_TIMEOUT,
        what=f"the {sent} runs of {task} beat sent",
    )

    assert len(executed) >= runs
    # Each run on one worker, once...
    assert {task_id: len(done) for task_id, done in executed.items()} == dict.fromkeys(executed, 1)
    # ...and one a second (about as many runs as seconds between the first and the
    # last), not one per worker.
    moments = sorted(done[0][1] for done in executed.values())
    seconds = (moments[-1] - moments[0]).total_seconds()
    assert 0.6 * seconds <= len(moments) - 1 <= 1.4 * seconds, moments


# ------------------------------------------------------------------------ data jobs
def job_if(job_id, condition):
    """A check for wait_for: the job's row once `condition(row)` holds, else None."""

    def check():
        row = DataJob.objects.get(pk=job_id)
        return row if condition(row) else None

    return check


def test_a_worker_told_to_stop_finishes_its_import_first(system, workers, org_a, people, each_uom):
    """SIGTERM (a deploy, a scale-in): Celery's warm shutdown lets the running task end."""
    a, _b = system.webs
    skus = [f"WS-{number:06d}" for number in range(IMPORT_ROWS // 2)]
    status, job = start_import(a, access_token(people[0]), org_a, products_csv(skus))
    assert status == 202, job
    running = wait_for(
        job_if(job["id"], lambda row: row.processed_rows >= BATCH_SIZE),
        timeout=WORKER_TIMEOUT,
        what="the import under way",
        interval=0.05,
    )
    stopping = system.worker_running(running.task_id)
    assert stopping is not None, running.task_id
    stopping.signal(signal.SIGTERM)

    # No beat runs here: nothing but that worker can end the job.
    done = wait_for(
        job_if(job["id"], lambda row: row.status in FINISHED),
        timeout=IMPORT_TIMEOUT,
        what="the import to end",
    )
    assert done.status == JobStatus.SUCCEEDED, done.error
    assert (done.processed_rows, done.created_rows, done.attempts) == (len(skus), len(skus), 1)
    assert stopping.popen.wait(timeout=WORKER_TIMEOUT) == 0
    assert done.task_id in stopping.tasks("succeeded")


def test_an_import_whose_worker_dies_is_finished_by_the_other_worker(
    system, workers, org_a, people, each_uom, beat
):
    a, _b = system.webs
    # Beat looks for stalled jobs every second (the settings' schedule: every minute).
    beat(("api.v1.features.data_jobs.tasks.resume_stalled_jobs", 1))
    skus = [f"SO-{number:06d}" for number in range(IMPORT_ROWS)]
    status, job = start_import(a, access_token(people[0]), org_a, products_csv(skus))
    assert status == 202, job

    # Two batches committed: the worker running it dies, as if the machine lost it.
    running = wait_for(
        job_if(job["id"], lambda row: row.processed_rows >= 2 * BATCH_SIZE),
        timeout=WORKER_TIMEOUT,
        what="the import under way",
        interval=0.05,
    )
    doomed = system.worker_running(running.task_id)
    assert doomed is not None, running.task_id
    doomed.kill()
    assert not doomed.running
    assert 0 < DataJob.objects.get(pk=job["id"]).processed_rows < IMPORT_ROWS

    # Its heartbeat stops; beat's next look finds it stalled; the other worker takes it
    # up after its last committed batch.
    done = wait_for(
        job_if(job["id"], lambda row: row.status in FINISHED),
        timeout=IMPORT_TIMEOUT,
        what="the import to end",
    )
    assert done.status == JobStatus.SUCCEEDED, done.error
    counts = (done.total_rows, done.processed_rows, done.created_rows, done.failed_rows)
    assert counts == (IMPORT_ROWS, IMPORT_ROWS, IMPORT_ROWS, 0)
    assert done.attempts == 2
    # Every row written, once.
    written = Product.objects.filter(organization=org_a).values_list("sku", flat=True)
    assert sorted(written) == skus
    (survivor,) = [worker for worker in system.workers if worker is not doomed]
    assert f"Data job {job['id']} stalled: taken up again" in survivor.output()
    wait_for(
        lambda: done.task_id in survivor.tasks("succeeded"),
        timeout=TIMEOUT,
        what=f"the other worker to end the task {done.task_id}",
    )
