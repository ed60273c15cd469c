"""Outbound URL guard: a URL a customer gives us must not reach inside (SSRF).

:func:`check` parses the URL strictly, resolves its host and refuses every
address that is not a public unicast address: loopback, private, link-local,
multicast, reserved, unspecified, shared (100.64.0.0/10), and the same hidden in
IPv6 (IPv4-mapped, IPv4-compatible, 6to4, NAT64) or in the legacy numeric
spellings ``inet_aton`` accepts (``2130706433``, ``0x7f000001``, ``0177.1``).
An allow-list of host names and networks lets an operator reach an on-premise
receiver on purpose.

:class:`PinnedAdapter` makes ``requests`` connect to the address that was
checked rather than resolving the name again (no DNS-rebinding window), while
TLS still verifies the certificate against the host name.

No Odoo imports; the resolver is injectable so tests need no network.
"""

import ipaddress
import re
import socket
from collections import namedtuple
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter
from requests.utils import select_proxy

SCHEMES = ("http", "https")
MAX_URL_LENGTH = 2048
MAX_HOST_LENGTH = 253
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE_PREFIX = ipaddress.ip_network("::/96")
IPV4_MAX = 2**32 - 1

# Why a URL is refused: one vocabulary, used in messages and tests.
REASON_MALFORMED = "malformed"
REASON_SCHEME = "scheme"
REASON_CREDENTIALS = "credentials"
REASON_NUMERIC_HOST = "numeric_host"
REASON_UNRESOLVED = "unresolved"
REASON_ADDRESS = "address"

_LABEL_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?", re.ASCII)
_NUMERIC_PART_RE = re.compile(r"0x[0-9a-f]*|[0-9]+", re.ASCII | re.IGNORECASE)
_FORBIDDEN_CHARS_RE = re.compile(r"[\x00-\x20\x7f\\]")

CheckedUrl = namedtuple("CheckedUrl", "url scheme host port netloc addresses")
AllowList = namedtuple("AllowList", "hosts networks")
EMPTY_ALLOW_LIST = AllowList(frozenset(), ())


class UrlRefused(ValueError):
    """The URL may not be called; ``reason`` is one of the ``REASON_*`` codes."""

    retryable = False

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason
        self.message = message


class HostUnresolved(UrlRefused):
    """The host name does not resolve (now): may work later."""

    retryable = True

    def __init__(self, message):
        super().__init__(REASON_UNRESOLVED, message)


def resolve(host, port):
    """Every address ``host`` resolves to, as strings (``socket.getaddrinfo``)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as err:
        raise HostUnresolved("Host %s does not resolve: %s" % (host, err)) from err
    return [info[4][0] for info in infos]


def parse_allow_list(text):
    """An :class:`AllowList` from host names and addresses/CIDRs.

    Entries are separated by commas, spaces or new lines. Raises ``ValueError``
    naming the first entry that is neither a network nor a host name.
    """
    hosts, networks = set(), []
    for entry in re.split(r"[\s,]+", (text or "").strip()):
        if not entry:
            continue
        network = _network(entry)
        if network is not None:
            networks.append(network)
            continue
        host = entry.lower().rstrip(".")
        if not _is_host_name(host) or _legacy_ipv4(host) is not None:
            raise ValueError("Not a host name, address or network: %r" % entry)
        hosts.add(host)
    return AllowList(frozenset(hosts), tuple(networks))


def parse(url, require_https=False):
    """``(scheme, host, port, netloc)`` of a URL, or :class:`UrlRefused`.

    The host is lower case, IPv6 literals without brackets.
    """
    if not isinstance(url, str) or not url:
        raise UrlRefused(REASON_MALFORMED, "The URL is empty.")
    if len(url) > MAX_URL_LENGTH or not url.isascii():
        raise UrlRefused(
            REASON_MALFORMED,
            "The URL must be ASCII (use punycode) and at most %s characters."
            % MAX_URL_LENGTH,
        )
    if _FORBIDDEN_CHARS_RE.search(url):
        raise UrlRefused(
            REASON_MALFORMED, "The URL contains spaces, control characters or '\\'."
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise UrlRefused(REASON_MALFORMED, "The URL is malformed: %s." % err) from err
    scheme = parts.scheme.lower()
    allowed = ("https",) if require_https else SCHEMES
    if scheme not in allowed:
        raise UrlRefused(
            REASON_SCHEME,
            "The URL must start with %s." % " or ".join("%s://" % s for s in allowed),
        )
    if "@" in parts.netloc:
        raise UrlRefused(
            REASON_CREDENTIALS, "The URL may not contain a user name or password."
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UrlRefused(REASON_MALFORMED, "The URL has no host.")
    if port == 0:
        raise UrlRefused(REASON_MALFORMED, "Port 0 is not a port.")
    _check_host(host, bracketed=parts.netloc.startswith("["))
    return scheme, host, port or (443 if scheme == "https" else 80), parts.netloc


def is_web_url(value):
    """Is ``value`` an absolute ``http(s)://`` URL with a host: safe as a link?

    Refuses ``javascript:``, ``data:``, relative and scheme-relative URLs,
    credentials and control characters (see :func:`parse`).
    """
    try:
        parse(value)
    except UrlRefused:
        return False
    return True


def address_problem(address):
    """Why ``address`` (an ``ipaddress`` object) may not be called, or None."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        problem = address_problem(embedded)
        if problem:
            return "%s (%s inside %s)" % (problem, embedded, address)
    if address.version == 6 and address.ipv4_mapped is not None:
        # Never a real destination; Python < 3.13 would call it "private".
        return "IPv4-mapped"
    for problem, test in (
        ("unspecified", lambda a: a.is_unspecified),
        ("loopback", lambda a: a.is_loopback),
        ("link-local", lambda a: a.is_link_local),
        ("multicast", lambda a: a.is_multicast),
        ("shared (carrier-grade NAT)", lambda a: a in SHARED_ADDRESS_SPACE),
        ("reserved", lambda a: a.is_reserved),
        ("private", lambda a: a.is_private),
        ("not globally routable", lambda a: not a.is_global),
    ):
        if test(address):
            return problem
    return None


def check(url, *, require_https=False, allow_list=EMPTY_ALLOW_LIST, resolver=None):
    """The :class:`CheckedUrl` of a URL that may be called, or :class:`UrlRefused`.

    :param require_https: refuse ``http://`` (production databases)
    :param allow_list: an :class:`AllowList` of hosts and networks the operator
        lets us reach although they are internal (on-premise receivers)
    :param resolver: ``(host, port) -> [address strings]``; default
        :func:`resolve` (``socket.getaddrinfo``)
    """
    scheme, host, port, netloc = parse(url, require_https=require_https)
    literal = _literal_address(host)
    if literal is None:
        try:
            addresses = (resolver or resolve)(host, port)
        except OSError as err:
            raise HostUnresolved("Host %s does not resolve: %s" % (host, err)) from err
        if not addresses:
            raise HostUnresolved("Host %s resolves to no address." % host)
        literal_spelling = False
    else:
        addresses = [literal]
        literal_spelling = True
    checked = []
    for raw in addresses:
        address = (
            raw
            if isinstance(raw, (ipaddress.IPv4Address, ipaddress.IPv6Address))
            else ipaddress.ip_address(str(raw).split("%", 1)[0])
        )
        checked.append(address)
        if host in allow_list.hosts or _in_networks(address, allow_list.networks):
            continue
        problem = address_problem(address)
        if problem:
            if not literal_spelling:
                spelled = "%s resolves to %s," % (host, address)
            elif str(address) == host:
                spelled = "%s is" % host
            else:
                spelled = "%s is %s," % (host, address)
            article = "an" if problem[0] in "aeiouAEIOU" else "a"
            raise UrlRefused(
                REASON_ADDRESS, "%s %s %s address." % (spelled, article, problem)
            )
    if literal_spelling and not _canonical_literal(host):
        raise UrlRefused(
            REASON_NUMERIC_HOST,
            "Write the address %s as a dotted quad, not %s." % (checked[0], host),
        )
    return CheckedUrl(url, scheme, host, port, netloc, tuple(checked))


class PinnedAdapter(HTTPAdapter):
    """Connect to the address :func:`check` approved, not to a new DNS answer.

    The ``Host`` header and, for https, SNI and certificate verification keep
    the host name. Requests through a proxy are left to the proxy.
    """

    def __init__(self, checked, **kwargs):
        self.checked = checked
        super().__init__(**kwargs)

    def get_connection(self, url, proxies=None):
        if select_proxy(url, proxies) or not self._is_checked(url):
            return super().get_connection(url, proxies)
        return self._pinned_pool()

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        # requests >= 2.32 calls this instead of get_connection.
        if select_proxy(request.url, proxies) or not self._is_checked(request.url):
            return super().get_connection_with_tls_context(
                request, verify, proxies=proxies, cert=cert
            )
        return self._pinned_pool()

    def _pinned_pool(self):
        checked = self.checked
        pool_kwargs = {}
        if checked.scheme == "https" and _literal_address(checked.host) is None:
            pool_kwargs = {
                "server_hostname": checked.host,
                "assert_hostname": checked.host,
            }
        return self.poolmanager.connection_from_host(
            str(checked.addresses[0]),
            port=checked.port,
            scheme=checked.scheme,
            pool_kwargs=pool_kwargs,
        )

    def send(self, request, **kwargs):
        if not self._is_checked(request.url):
            raise UrlRefused(
                REASON_ADDRESS,
                "%s was not checked: refused." % urlsplit(request.url).hostname,
            )
        request.headers.setdefault("Host", self.checked.netloc)
        return super().send(request, **kwargs)

    def _is_checked(self, url):
        try:
            scheme, host, port, _netloc = parse(url)
        except UrlRefused:
            return False
        checked = self.checked
        return (scheme, host, port) == (checked.scheme, checked.host, checked.port)


# ----------------------------------------------------------------------
# helpers


def _check_host(host, bracketed):
    if bracketed:
        if "%" in host:
            raise UrlRefused(REASON_MALFORMED, "IPv6 zone identifiers are refused.")
        try:
            ipaddress.IPv6Address(host)
        except ValueError as err:
            raise UrlRefused(
                REASON_MALFORMED, "Not an IPv6 address: [%s]." % host
            ) from err
    elif not _is_host_name(host):
        raise UrlRefused(REASON_MALFORMED, "Not a valid host name: %s." % host)
    elif (
        _NUMERIC_PART_RE.fullmatch(host.rsplit(".", 1)[-1])
        and _literal_address(host) is None
    ):
        raise UrlRefused(
            REASON_NUMERIC_HOST, "%s is neither a host name nor an address." % host
        )


def _network(entry):
    try:
        return ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return None


def _is_host_name(host):
    if len(host) > MAX_HOST_LENGTH:
        return False
    return all(_LABEL_RE.fullmatch(label) for label in host.split("."))


def _legacy_ipv4(host):
    """The IPv4 address ``inet_aton`` reads in ``host`` (1-4 parts, decimal,
    octal or hex), or None when ``host`` is not such a spelling."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(
        _NUMERIC_PART_RE.fullmatch(part) for part in parts
    ):
        return None
    numbers = []
    for part in parts:
        lowered = part.lower()
        if lowered.startswith("0x"):
            numbers.append(int(lowered[2:] or "0", 16))
        elif len(part) > 1 and part.startswith("0"):
            if not set(part) <= set("01234567"):
                return None
            numbers.append(int(part, 8))
        else:
            numbers.append(int(part))
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = 0
    for number in head:
        value = value * 256 + number
    value = value * 256 ** (4 - len(head)) + last
    return ipaddress.IPv4Address(value) if value <= IPV4_MAX else None


def _literal_address(host):
    """The address a host spelled as an IP literal (any spelling) stands for."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return _legacy_ipv4(host)


def _canonical_literal(host):
    try:
        return str(ipaddress.ip_address(host)) == host or ":" in host
    except ValueError:
        return False


def _embedded_ipv4(address):
    if address.version != 6:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64_PREFIX or (
        address in IPV4_COMPATIBLE_PREFIX and int(address) > 1
    ):
        return ipaddress.IPv4Address(int(address) & IPV4_MAX)
    return None


def _in_networks(address, networks):
    candidates = [address]
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        candidates.append(embedded)
    return any(
        candidate in network
        for candidate in candidates
        for network in networks
        if candidate.version == network.version
    )
