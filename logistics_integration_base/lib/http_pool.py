"""Kept-alive HTTP connections to partners, shared within one process.

A `requests.Session` made per call (as the endpoints do: each call carries its
own correlation ID, credentials and idempotency key) opens a new TCP (and TLS)
connection every time; on a loopback TMS that was a third of a release. Here
the connection pools outlive the calls: one adapter per partner origin and
connection settings, kept for the process (LRU-bounded), mounted on each call's
session. The per-call state stays in the per-call session (headers, auth,
timeout given on each call): only urllib3's pools are shared, and those are
thread-safe, so threaded servers may use them concurrently.

An adapter is keyed by everything that decides where and how it connects: the
origin (scheme, host, port), the address the URL guard pinned (a new DNS answer
gets a new adapter, never a connection to the former address), the TLS
verification and the client certificate (requests < 2.32 sets these on the
pool itself, so two settings must never share one).

No Odoo imports: unit-tested without a database.
"""

import os
import threading
from collections import OrderedDict
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter

from .url_guard import PinnedAdapter

MAX_ADAPTERS = 64
# Connections kept per origin: a prefork worker uses one at a time, a threaded
# server as many as its threads calling the same partner at once.
POOL_MAXSIZE = 8

_lock = threading.Lock()
_adapters = OrderedDict()  # key -> adapter, least recently used first


class _KeptOpen:
    """Mixin: `Session.close()` (``with session:``) leaves the pools open;
    only eviction from the process's table closes them."""

    def close(self):
        """Kept for the next call: see `discard`."""

    def discard(self):
        """Close the pools for good (evicted, or the table cleared)."""
        return super().close()


class KeptAdapter(_KeptOpen, HTTPAdapter):
    """A shared adapter whose connections stay open between calls."""


class KeptPinnedAdapter(_KeptOpen, PinnedAdapter):
    """A shared adapter connecting to the address the URL guard checked."""


def prefixes(url):
    """The prefixes of `url`'s origin an adapter is mounted on, the canonical
    one (``scheme://host:port/``, the key) first; ``()`` for a URL that is not
    plain http(s) (credentials in it, no host, a bad port). Requests matches
    the URL as written: a default port may be spelt or left out."""
    parts = urlsplit(url)
    scheme = (parts.scheme or "").lower()
    if scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return ()
    try:
        port = parts.port
    except ValueError:
        return ()
    default = 443 if scheme == "https" else 80
    host = parts.hostname.lower()
    if ":" in host:
        host = "[%s]" % host
    canonical = "%s://%s:%s/" % (scheme, host, port or default)
    if (port or default) != default:
        return (canonical,)
    return (canonical, "%s://%s/" % (scheme, host))


def _key(prefix, checked, verify, cert):
    pinned = (checked.host, tuple(str(a) for a in checked.addresses)) if checked else ()
    return (prefix, pinned, repr(verify), repr(cert))


def adapter(prefix, checked=None, verify=True, cert=None):
    """The process's adapter for that origin and those settings (made once)."""
    key = _key(prefix, checked, verify, cert)
    evicted = None
    with _lock:
        found = _adapters.get(key)
        if found is not None:
            _adapters.move_to_end(key)
            return found
        if checked:
            found = KeptPinnedAdapter(checked, pool_maxsize=POOL_MAXSIZE)
        else:
            found = KeptAdapter(pool_maxsize=POOL_MAXSIZE)
        _adapters[key] = found
        if len(_adapters) > MAX_ADAPTERS:
            evicted = _adapters.popitem(last=False)[1]
    if evicted is not None:
        evicted.discard()
    return found


def mount(session, url, checked=None):
    """Let `session` reach `url`'s origin through the kept connections.

    Requests sends a URL through the adapter of the longest matching prefix:
    the origin's (``scheme://host:port/``) wins over the session's defaults.
    Another origin (a WSDL or token URL elsewhere) keeps the defaults. The
    session's `verify` and `cert` must be set before: they are part of the key,
    and the calls must pass the same ones.
    """
    found = prefixes(url)
    if not found:
        if checked:
            # Never unpinned: a fresh pinned adapter, as before the pools.
            session.mount(checked.scheme + "://", PinnedAdapter(checked))
        return session
    kept = adapter(found[0], checked=checked, verify=session.verify, cert=session.cert)
    for prefix in found:
        session.mount(prefix, kept)
    return session


def _forget_in_child():
    """A forked process (Odoo's prefork workers) starts without the parent's
    connections: two processes must never write to one socket. The lock is
    held across the fork, so the table is never copied half-changed."""
    _adapters.clear()
    _lock.release()


os.register_at_fork(
    before=_lock.acquire,
    after_in_parent=_lock.release,
    after_in_child=_forget_in_child,
)


def clear():
    """Close every kept connection (tests, and a process that wants to)."""
    with _lock:
        kept = list(_adapters.values())
        _adapters.clear()
    for item in kept:
        item.discard()
