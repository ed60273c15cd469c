"""Kept-alive connections to partners: calls made through per-call sessions
reuse the process's connections to the same origin and settings, and only
those (a loopback HTTP/1.1 server counts the connections)."""

import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
import requests

from logistics_integration_base.lib import http_pool, url_guard


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.server.connections += 1

    def do_GET(self):
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.connections = 0
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    http_pool.clear()
    yield httpd
    http_pool.clear()
    httpd.shutdown()
    httpd.server_close()


def _url(server, path="/x"):
    return "http://127.0.0.1:%s%s" % (server.server_address[1], path)


def _call(url, checked=None, verify=True):
    with requests.Session() as session:
        session.verify = verify
        http_pool.mount(session, url, checked=checked)
        return session.get(url, timeout=5).text


def test_calls_through_new_sessions_share_one_connection(server):
    for _n in range(5):
        assert _call(_url(server)) == "ok"
    assert server.connections == 1


def test_without_the_pool_each_session_connects_again(server):
    for _n in range(3):
        with requests.Session() as session:
            session.get(_url(server), timeout=5)
    assert server.connections == 3


def test_other_tls_settings_get_their_own_connections(server):
    _call(_url(server))
    _call(_url(server), verify=False)
    _call(_url(server), verify=False)
    assert server.connections == 2


def test_a_pinned_address_gets_its_own_adapter(server):
    url = _url(server)
    checked = url_guard.check(
        url,
        allow_list=url_guard.parse_allow_list("127.0.0.1"),
    )
    plain = http_pool.adapter(http_pool.prefixes(url)[0])
    pinned = http_pool.adapter(http_pool.prefixes(url)[0], checked=checked)
    assert isinstance(pinned, url_guard.PinnedAdapter)
    assert not isinstance(plain, url_guard.PinnedAdapter)
    assert _call(url, checked=checked) == "ok"
    assert _call(url, checked=checked) == "ok"
    assert server.connections == 1


def test_prefixes_cover_both_spellings_of_a_default_port():
    assert http_pool.prefixes("https://TMS.example.com/api/v1") == (
        "https://tms.example.com:443/",
        "https://tms.example.com/",
    )
    assert http_pool.prefixes("http://[::1]:8069/soap") == ("http://[::1]:8069/",)
    assert http_pool.prefixes("http://user:pw@host/x") == ()
    assert http_pool.prefixes("ftp://host/x") == ()


def test_mounted_on_the_origin_only():
    session = requests.Session()
    http_pool.mount(session, "http://tms.example.com:8080/api")
    kept = session.get_adapter("http://tms.example.com:8080/api/v1/shipments")
    assert isinstance(kept, http_pool.KeptAdapter)
    assert not isinstance(
        session.get_adapter("http://tms.example.com:80801/api"),
        http_pool.KeptAdapter,
    )
    assert not isinstance(
        session.get_adapter("http://other.example.com:8080/api"),
        http_pool.KeptAdapter,
    )


def test_a_checked_url_without_a_prefix_is_still_pinned():
    session = requests.Session()
    checked = SimpleNamespace(scheme="http", host="h", port=80, netloc="h")
    http_pool.mount(session, "http://user:pw@h/x", checked=checked)
    assert isinstance(session.get_adapter("http://h/x"), url_guard.PinnedAdapter)


def test_the_table_is_bounded(monkeypatch):
    http_pool.clear()
    monkeypatch.setattr(http_pool, "MAX_ADAPTERS", 2)
    first = http_pool.adapter("http://a:80/")
    second = http_pool.adapter("http://b:80/")
    assert http_pool.adapter("http://a:80/") is first
    http_pool.adapter("http://c:80/")  # b, least recently used, goes
    assert http_pool.adapter("http://a:80/") is first
    assert http_pool.adapter("http://b:80/") is not second
    assert len(http_pool._adapters) == 2
    http_pool.clear()


def test_a_forked_child_starts_without_the_parents_connections(server):
    _call(_url(server))
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        os.write(write, b"%d" % len(http_pool._adapters))
        os._exit(0)
    os.waitpid(child, 0)
    assert os.read(read, 16) == b"0"
    assert len(http_pool._adapters) == 1
