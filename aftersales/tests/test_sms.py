"""Text messages: the file backend never writes the code it carries; the gateway backend posts the whole
message to the gateway and raises when the gateway refuses it (so the task sending it can retry)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from aftersales import sms
from aftersales.sms.backends.http import SmsGatewayError

BODY = "您的工单 PG20261203-00001 的确认码：730914。"


def test_the_file_backend_writes_the_message_without_its_code():
    sent = sms.send_sms(
        "13812345678",
        BODY,
        backend="aftersales.sms.backends.filebased.SmsBackend",
        secrets=("730914",),
    )

    record = json.loads(sms_file(sent).read_text(encoding="utf-8"))
    assert record["to"] == "13812345678"
    assert record["body"] == "您的工单 PG20261203-00001 的确认码：******。"


def sms_file(sent):
    from django.conf import settings

    assert sent == 1
    (written,) = list(settings.SMS_FILE_PATH.glob("*.json"))
    return written


@pytest.fixture(autouse=True)
def sms_dir(tmp_path, settings):
    settings.SMS_FILE_PATH = tmp_path / "sms"


class _Gateway(BaseHTTPRequestHandler):
    received: list = []
    answer = 200

    def do_POST(self):  # noqa: N802 - the http.server interface
        length = int(self.headers["Content-Length"])
        type(self).received.append((self.headers.get("Authorization"), json.loads(self.rfile.read(length))))
        self.send_response(type(self).answer)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    _Gateway.received = []
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.SMS_HTTP_TOKEN = "t0ken"
    yield _Gateway
    server.shutdown()


def test_the_gateway_backend_posts_the_whole_message_with_its_token(gateway):
    gateway.answer = 202

    sent = sms.send_sms(
        "13812345678", BODY, backend="aftersales.sms.backends.http.SmsBackend", secrets=("730914",)
    )

    assert sent == 1
    assert gateway.received == [("Bearer t0ken", {"to": "13812345678", "body": BODY})]


def test_a_refusing_gateway_raises_without_the_message_in_the_error(gateway):
    gateway.answer = 503

    with pytest.raises(SmsGatewayError) as info:
        sms.send_sms("13812345678", BODY, backend="aftersales.sms.backends.http.SmsBackend")

    assert "503" in str(info.value) and "730914" not in str(info.value)
