"""Where an event happened: request ids, the client address behind proxies, the
request's context; a task's, in its thread and in a thread it hands work to; the system
when there is no request and no task."""

import contextvars
import re
import threading

import pytest
from django.test import RequestFactory

from audit.context import client_ip, current_context, new_request_id, request_context
from config.celery import app

HEX32 = re.compile(r"[0-9a-f]{32}")


class TestRequestIds:
    @pytest.mark.parametrize("incoming", ["abcdefgh", "trace:0123-4567.89_ab", "A" * 64, "0f" * 16])
    def test_valid_incoming_ids_are_kept(self, incoming):
        assert new_request_id(incoming) == incoming

    @pytest.mark.parametrize(
        "incoming", [None, "", "short", "A" * 65, "with space x", "semi;colon12", "ünïcode-id"]
    )
    def test_others_are_replaced(self, incoming):
        made = new_request_id(incoming)
        assert HEX32.fullmatch(made)
        assert made != new_request_id(incoming)


class TestClientIp:
    def ip(self, **meta):
        return client_ip(RequestFactory().get("/", **meta))

    def test_the_remote_address(self, settings):
        settings.TRUSTED_PROXIES = []
        assert self.ip(REMOTE_ADDR="203.0.113.5") == "203.0.113.5"
        assert self.ip(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="1.1.1.1") == "203.0.113.5"

    def test_behind_trusted_proxies(self, settings):
        settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.1"]
        meta = {"REMOTE_ADDR": "10.1.2.3"}
        assert self.ip(**meta, HTTP_X_FORWARDED_FOR="198.51.100.1, 10.9.9.9") == "198.51.100.1"
        assert (
            self.ip(**meta, HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.1, 192.0.2.1")
            == "198.51.100.1"
        )
        assert self.ip(**meta, HTTP_X_FORWARDED_FOR="") == "10.1.2.3"
        assert self.ip(**meta) == "10.1.2.3"
        assert self.ip(**meta, HTTP_X_FORWARDED_FOR=" , 10.9.9.9") == "10.1.2.3"
        # A single trusted address, and IPv6.
        assert self.ip(REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="2001:db8::1") == "2001:db8::1"

    def test_a_proxy_outside_the_list_is_the_client(self, settings):
        settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
        assert self.ip(REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="198.51.100.1") == "192.0.2.7"

    def test_garbage_in_the_header_is_an_untrusted_address(self, settings):
        settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
        assert self.ip(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="not-an-ip") == "not-an-ip"


class TestContext:
    def test_of_a_request(self, settings):
        settings.TRUSTED_PROXIES = []
        request = RequestFactory().post(
            "/api/v1/things/",
            REMOTE_ADDR="203.0.113.5",
            HTTP_USER_AGENT="x" * 300,
            HTTP_X_REQUEST_ID="incoming-0001",
        )
        context, request_id = request_context(request)
        assert context == {
            "ip_address": "203.0.113.5",
            "user_agent": "x" * 255,
            "method": "POST",
            "path": "/api/v1/things/",
        }
        assert request_id == "incoming-0001"
        # Computed once per request; callers get their own copy to add to.
        context["extra"] = 1
        assert "extra" not in request_context(request)[0]

    def test_no_request_no_task_is_the_system(self):
        assert current_context() == ({"source": "system"}, "")

    def test_an_explicit_request(self):
        request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
        context, request_id = current_context(request)
        assert context["ip_address"] == "203.0.113.9"
        assert HEX32.fullmatch(request_id)
        assert current_context(request)[1] == request_id


@app.task(name="audit.tests.where_am_i")
def where_am_i():
    """current_context() in the task's thread, and in a thread it hands work to in a
    copy of its context (as core.db.pipeline does)."""
    seen = {}
    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(seen.update, {"thread": current_context()}))
    thread.start()
    thread.join()
    return {"task": current_context(), **seen}


class TestTaskContext:
    def test_a_task_and_the_threads_it_hands_work_to(self):
        result = where_am_i.apply(task_id="task-0001").get()

        expected = [{"source": "task", "task": "audit.tests.where_am_i"}, "task-0001"]
        assert [list(result["task"]), list(result["thread"])] == [expected, expected]
        assert current_context() == ({"source": "system"}, "")  # ended with the task
