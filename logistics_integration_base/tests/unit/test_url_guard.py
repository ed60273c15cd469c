"""Tests of the outbound URL guard (SSRF): no network, the resolver is injected."""

import ipaddress

import pytest
import requests

from logistics_integration_base.lib import url_guard

PUBLIC = "93.184.216.34"
PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946"


class Resolver:
    """A DNS stand-in: host -> addresses; records what was asked."""

    def __init__(self, answers=None):
        self.answers = dict(answers or {})
        self.asked = []

    def __call__(self, host, port):
        self.asked.append((host, port))
        if host not in self.answers:
            raise url_guard.HostUnresolved("no such host %s" % host)
        return list(self.answers[host])


def _refusal(url, resolver=None, **kwargs):
    with pytest.raises(url_guard.UrlRefused) as info:
        url_guard.check(url, resolver=resolver or Resolver(), **kwargs)
    return info.value


# Every spelling seen accepted on the running system, and their cousins.
@pytest.mark.parametrize(
    "url, problem",
    [
        ("http://127.0.0.1/hooks", "loopback"),
        ("http://[::1]/hooks", "loopback"),
        ("http://10.0.0.1/hooks", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://0x7f000001/hooks", "loopback"),
        ("http://2130706433/hooks", "loopback"),
        ("http://0177.0.0.1/hooks", "loopback"),
        ("http://127.1/hooks", "loopback"),
        ("http://0x7f.0.0.1/hooks", "loopback"),
        ("http://017700000001/hooks", "loopback"),
        ("http://0/hooks", "unspecified"),
        ("http://0.0.0.0/hooks", "unspecified"),
        ("http://[::]/hooks", "unspecified"),
        ("http://192.168.1.10:8080/hooks", "private"),
        ("http://172.16.0.1/hooks", "private"),
        ("http://[fc00::1]/hooks", "private"),
        ("http://[fe80::1]/hooks", "link-local"),
        ("http://224.0.0.1/hooks", "multicast"),
        ("http://[ff02::1]/hooks", "multicast"),
        ("http://100.64.0.1/hooks", "shared"),
        ("http://240.0.0.1/hooks", "reserved"),
        ("http://255.255.255.255/hooks", "reserved"),
        ("http://[::ffff:127.0.0.1]/hooks", "loopback"),
        ("http://[::ffff:7f00:1]/hooks", "loopback"),
        ("http://[::ffff:a9fe:a9fe]/hooks", "link-local"),
        ("http://[::ffff:8.8.8.8]/hooks", "IPv4-mapped"),
        ("http://[::127.0.0.1]/hooks", "loopback"),
        ("http://[64:ff9b::a9fe:a9fe]/hooks", "link-local"),
        ("http://[2002:7f00:1::]/hooks", "loopback"),
        ("http://198.18.0.1/hooks", "private"),
    ],
)
def test_internal_addresses_are_refused_in_every_spelling(url, problem):
    resolver = Resolver()
    refusal = _refusal(url, resolver)
    assert refusal.reason == url_guard.REASON_ADDRESS
    assert problem in refusal.message
    assert resolver.asked == []  # literals are never looked up


@pytest.mark.parametrize(
    "answers",
    [
        ["127.0.0.1"],
        ["::1"],
        [PUBLIC, "10.0.0.1"],  # every address must be public
        ["169.254.169.254"],
        ["::ffff:127.0.0.1"],
        ["fe80::1%eth0"],
    ],
)
def test_names_resolving_inside_are_refused(answers):
    resolver = Resolver({"hooks.customer.example": answers})
    refusal = _refusal("https://hooks.customer.example/x", resolver)
    assert refusal.reason == url_guard.REASON_ADDRESS
    assert "hooks.customer.example resolves to" in refusal.message
    assert resolver.asked == [("hooks.customer.example", 443)]


def test_localhost_is_refused_through_its_addresses():
    resolver = Resolver({"localhost": ["127.0.0.1", "::1"]})
    assert _refusal("http://localhost:8069/", resolver).reason == "address"
    assert resolver.asked == [("localhost", 8069)]


def test_public_destinations_pass():
    resolver = Resolver({"hooks.customer.example": [PUBLIC, PUBLIC_V6]})
    checked = url_guard.check(
        "https://Hooks.Customer.Example./in?x=1", resolver=resolver
    )
    assert checked.host == "hooks.customer.example"
    assert checked.port == 443
    assert checked.scheme == "https"
    assert checked.addresses == (
        ipaddress.ip_address(PUBLIC),
        ipaddress.ip_address(PUBLIC_V6),
    )
    assert url_guard.check("http://8.8.8.8:8080/").port == 8080


def test_dns_answer_is_checked_every_time():
    """The delivery checks again: a name that turned internal is refused."""
    resolver = Resolver({"hooks.customer.example": [PUBLIC]})
    url_guard.check("https://hooks.customer.example/", resolver=resolver)
    resolver.answers["hooks.customer.example"] = ["10.1.2.3"]
    refusal = _refusal("https://hooks.customer.example/", resolver)
    assert refusal.reason == url_guard.REASON_ADDRESS
    assert len(resolver.asked) == 2


def test_unresolvable_hosts_are_retryable_refusals():
    refusal = _refusal("https://nowhere.example/")
    assert isinstance(refusal, url_guard.HostUnresolved)
    assert refusal.retryable
    empty = _refusal("https://void.example/", Resolver({"void.example": []}))
    assert empty.reason == url_guard.REASON_UNRESOLVED

    def broken(host, port):
        raise OSError("resolver down")

    assert _refusal("https://x.example/", broken).retryable
    assert not _refusal("http://127.0.0.1/").retryable


@pytest.mark.parametrize(
    "url, reason",
    [
        ("", url_guard.REASON_MALFORMED),
        ("ftp://hooks.example/", url_guard.REASON_SCHEME),
        ("file:///etc/passwd", url_guard.REASON_SCHEME),
        ("gopher://hooks.example/", url_guard.REASON_SCHEME),
        ("//hooks.example/", url_guard.REASON_SCHEME),
        ("https://user:pass@hooks.example/", url_guard.REASON_CREDENTIALS),
        ("https://hooks.example@127.0.0.1/", url_guard.REASON_CREDENTIALS),
        ("https://hooks.example:99999/", url_guard.REASON_MALFORMED),
        ("https://hooks.example:0/", url_guard.REASON_MALFORMED),
        ("https://hooks.example:http/", url_guard.REASON_MALFORMED),
        ("https://hooks example/", url_guard.REASON_MALFORMED),
        ("https://hooks.example\\@127.0.0.1/", url_guard.REASON_MALFORMED),
        ("https://hooks.example/\r\nX: y", url_guard.REASON_MALFORMED),
        ("https://hööks.example/", url_guard.REASON_MALFORMED),
        ("https:///path", url_guard.REASON_MALFORMED),
        ("https://[fe80::1%25eth0]/", url_guard.REASON_MALFORMED),
        ("https://[not-v6]/", url_guard.REASON_MALFORMED),
        ("https://-bad-.example/", url_guard.REASON_MALFORMED),
        ("https://134744072/", url_guard.REASON_NUMERIC_HOST),  # 8.8.8.8
        ("https://0x08080808/", url_guard.REASON_NUMERIC_HOST),
        ("https://08.8.8.8/", url_guard.REASON_NUMERIC_HOST),
        ("https://1.2.3.4.5/", url_guard.REASON_NUMERIC_HOST),
        ("https://" + "a" * 2100 + ".example/", url_guard.REASON_MALFORMED),
    ],
)
def test_strict_parsing(url, reason):
    resolver = Resolver({"hooks.example": [PUBLIC]})
    assert _refusal(url, resolver).reason == reason


def test_https_required_in_production():
    resolver = Resolver({"hooks.example": [PUBLIC]})
    refusal = _refusal("http://hooks.example/", resolver, require_https=True)
    assert refusal.reason == url_guard.REASON_SCHEME
    assert "https://" in refusal.message
    assert url_guard.check(
        "https://hooks.example/", require_https=True, resolver=resolver
    )


def test_allow_list_opens_networks_and_hosts_on_purpose():
    allow = url_guard.parse_allow_list(
        "127.0.0.0/8, receiver.internal\n 10.20.0.5  fd00::/8"
    )
    assert allow.hosts == frozenset({"receiver.internal"})
    resolver = Resolver(
        {"receiver.internal": ["10.9.9.9"], "other.internal": ["10.9.9.9"]}
    )
    assert url_guard.check("http://127.0.0.1:8069/", allow_list=allow)
    # Allowed or not, an address is written as an address.
    assert _refusal("http://0x7f000001/", allow_list=allow).reason == "numeric_host"
    assert url_guard.check("http://10.20.0.5/", allow_list=allow)
    assert url_guard.check("http://[fd00::5]/", allow_list=allow)
    assert url_guard.check("http://[::ffff:127.0.0.1]/", allow_list=allow)
    assert url_guard.check(
        "http://receiver.internal/", allow_list=allow, resolver=resolver
    )
    # Only what is listed.
    assert _refusal("http://10.20.0.6/", allow_list=allow).reason == "address"
    assert _refusal("http://169.254.169.254/", allow_list=allow).reason == "address"
    assert (
        _refusal("http://other.internal/", resolver, allow_list=allow).reason
        == "address"
    )


@pytest.mark.parametrize(
    "entry", ["0x7f000001", "2130706433", "http://x.example/", "not a host!", "a/b"]
)
def test_allow_list_refuses_unclear_entries(entry):
    with pytest.raises(ValueError):
        url_guard.parse_allow_list("10.0.0.0/8 %s" % entry)


def test_empty_allow_list():
    assert url_guard.parse_allow_list("") == url_guard.EMPTY_ALLOW_LIST
    assert url_guard.parse_allow_list(None) == url_guard.EMPTY_ALLOW_LIST


def test_pinned_adapter_connects_to_the_checked_address():
    resolver = Resolver({"hooks.customer.example": [PUBLIC]})
    checked = url_guard.check(
        "https://hooks.customer.example:8443/in", resolver=resolver
    )
    adapter = url_guard.PinnedAdapter(checked)
    pool = adapter.get_connection("https://hooks.customer.example:8443/in")
    assert (pool.host, pool.port) == (PUBLIC, 8443)
    # TLS still speaks to, and verifies, the name.
    assert pool.conn_kw["server_hostname"] == "hooks.customer.example"
    assert pool.assert_hostname == "hooks.customer.example"


def test_pinned_adapter_refuses_any_other_destination():
    checked = url_guard.check("http://8.8.8.8/in")
    adapter = url_guard.PinnedAdapter(checked)
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    with pytest.raises(url_guard.UrlRefused):
        # Refused before any connection is made.
        session.get("http://127.0.0.1:9/", timeout=1, allow_redirects=False)


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(document.cookie)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
        "//evil.example/track",
        "/track/1Z999",
        "http:/evil.example",
        "https://",
        "ftp://track.example/1Z999",
        "",
        None,
    ],
)
def test_only_http_links_are_web_urls(value):
    assert not url_guard.is_web_url(value)


def test_tracking_links_are_web_urls():
    assert url_guard.is_web_url("https://tms.example/track/1Z999?lang=fr#top")
    assert url_guard.is_web_url("http://carrier.example:8080/t/1Z999")
