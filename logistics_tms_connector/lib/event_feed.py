"""A partner's event feed as configuration: where it is, how it is paged.

A feed is a dict ``{"path", "pagination", "position_param", "size_param",
"next"}`` (:data:`SIMULATOR_FEED` is the simulator protocol's):

* ``path``: under the endpoint's base URL, no placeholder;
* ``pagination``, how the position of the next page is given:

  - ``cursor``: the answer holds a position to ask from, also on its last
    page (``next`` reads it): polling resumes from it next time;
  - ``page_token``: the answer holds the next page's token, none on the last
    page (``next`` reads it): polling resumes from the last page's token,
    which gives that page again (its events are refused as duplicates) and
    then what came after;
  - ``link``: the ``Link`` header's ``rel="next"`` URL (RFC 8288), which
    must stay under the endpoint's base URL; polling resumes from the last
    page's URL, as with tokens;

* ``position_param`` and ``size_param``: the query parameters of the
  position (``cursor``, ``page_token``) and of the page size (empty: not
  sent); ``next``: a JSONata expression read on the answer's body.

A poll stops when no next position is given, when it does not move, or when a
page brings no event.
"""

from urllib.parse import urlencode, urlsplit

from . import jsonata_mapping, rest_operations

PAGINATIONS = ("cursor", "page_token", "link")
SIMULATOR_FEED = {
    "path": "events",
    "pagination": "cursor",
    "position_param": "after",
    "size_param": "limit",
    "next": "cursor",
}


class FeedError(ValueError):
    """The feed's configuration or answer cannot be used (reason in the message)."""


def problems(feed):
    """Why ``feed`` cannot be polled (``[]`` when it can)."""
    found = []
    path = feed.get("path")
    if "{" in (path or ""):
        found.append("the feed's path takes no placeholder")
    found += rest_operations.path_problems(path) if path else ["the path is empty"]
    pagination = feed.get("pagination")
    if pagination not in PAGINATIONS:
        found.append(
            "unknown pagination %r (known: %s)" % (pagination, ", ".join(PAGINATIONS))
        )
    elif pagination != "link":
        if not feed.get("position_param"):
            found.append("%s pagination needs the position's parameter" % pagination)
        if not feed.get("next"):
            found.append("%s pagination needs where the answer gives it" % pagination)
    if feed.get("next"):
        found += [p["reason"] for p in jsonata_mapping.check(feed["next"])]
    return found


def page_path(feed, position, page_size):
    """The path (with its query) of the page at ``position`` (None: the first).

    With ``link`` pagination a position is a path already (see
    :func:`relative_link`).

    :raises FeedError: if the feed's configuration is invalid
    """
    found = problems(feed)
    if found:
        raise FeedError("; ".join(found))
    if feed["pagination"] == "link" and position:
        return position
    query = {}
    if position and feed.get("position_param"):
        query[feed["position_param"]] = position
    if feed.get("size_param") and page_size:
        query[feed["size_param"]] = page_size
    path = feed["path"]
    if not query:
        return path
    return "%s%s%s" % (path, "&" if "?" in path else "?", urlencode(query))


def next_position(feed, body, links, base_url):
    """The position of the page after this one, or None on the last page.

    ``body`` is the answer's JSON, ``links`` its parsed ``Link`` header
    (``requests``' ``response.links``).

    :raises FeedError: a next link leads outside the endpoint's base URL
    :raises jsonata_mapping.MappingError: the ``next`` expression fails
    """
    if feed["pagination"] == "link":
        url = (links or {}).get("next", {}).get("url")
        return relative_link(base_url, url) if url else None
    position = jsonata_mapping.evaluate(feed["next"], body)
    if position is None or position == "":
        return None
    if isinstance(position, bool) or not isinstance(position, (str, int, float)):
        raise FeedError("the feed's next position is not a text or a number")
    return str(position)


def relative_link(base_url, url):
    """``url`` (absolute, or relative to the base URL's host) as a path under
    ``base_url``.

    :raises FeedError: if it leads to another host, scheme or path
    """
    base = urlsplit(base_url.rstrip("/") + "/")
    target = urlsplit(url)
    if target.scheme and (target.scheme, target.netloc) != (base.scheme, base.netloc):
        raise FeedError("the next page's link leads to another host: %s" % url)
    if not target.path.startswith(base.path):
        raise FeedError("the next page's link leaves the endpoint's URL: %s" % url)
    relative = target.path[len(base.path) :]
    if ".." in relative.split("/"):
        raise FeedError("the next page's link climbs out of the endpoint's URL")
    return relative + ("?" + target.query if target.query else "")


def is_last_page(position, next_position_, events):
    """Whether a poll stops after a page: nothing after it, no move, no event."""
    return not next_position_ or next_position_ == position or not events
