"""Tests of an event feed's configuration: page paths, next positions, links."""

import pytest

from logistics_tms_connector.lib import event_feed as ef
from logistics_tms_connector.lib import jsonata_mapping

TOKENS = {
    "path": "v2/tracking",
    "pagination": "page_token",
    "position_param": "pageToken",
    "size_param": "pageSize",
    "next": "nextPageToken",
}
LINKS = {"path": "v2/tracking", "pagination": "link", "size_param": "pageSize"}
BASE = "https://tms.example.com/api/"


def test_simulator_feed_is_valid_and_paged_by_its_cursor():
    assert ef.problems(ef.SIMULATOR_FEED) == []
    assert ef.page_path(ef.SIMULATOR_FEED, None, 200) == "events?limit=200"
    assert ef.page_path(ef.SIMULATOR_FEED, "41", 200) == "events?after=41&limit=200"
    assert ef.next_position(ef.SIMULATOR_FEED, {"cursor": 57}, {}, BASE) == "57"


def test_page_token_sent_encoded_and_read_from_the_answer():
    assert ef.page_path(TOKENS, "a+b/c=", 50) == (
        "v2/tracking?pageToken=a%2Bb%2Fc%3D&pageSize=50"
    )
    assert ef.next_position(TOKENS, {"nextPageToken": "t2"}, {}, BASE) == "t2"
    assert ef.next_position(TOKENS, {"nextPageToken": None}, {}, BASE) is None
    assert ef.next_position(TOKENS, {"items": []}, {}, BASE) is None
    assert ef.next_position(TOKENS, {"nextPageToken": ""}, {}, BASE) is None


def test_path_with_a_query_of_its_own_keeps_it():
    feed = dict(TOKENS, path="v2/tracking?region=eu")
    assert ef.page_path(feed, None, 10) == "v2/tracking?region=eu&pageSize=10"


def test_no_size_parameter_sends_no_size():
    feed = dict(TOKENS, size_param=None)
    assert ef.page_path(feed, None, 50) == "v2/tracking"


def test_link_pagination_follows_rel_next_under_the_base_url():
    links = {"next": {"url": "https://tms.example.com/api/v2/tracking?page=3"}}
    position = ef.next_position(LINKS, {}, links, BASE)
    assert position == "v2/tracking?page=3"
    assert ef.page_path(LINKS, position, 50) == "v2/tracking?page=3"
    assert ef.page_path(LINKS, None, 50) == "v2/tracking?pageSize=50"
    assert ef.next_position(LINKS, {}, {}, BASE) is None
    # Relative to the host, as many APIs write it.
    host_relative = {"next": {"url": "/api/v2/tracking?page=4"}}
    assert ef.next_position(LINKS, {}, host_relative, BASE) == "v2/tracking?page=4"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.net/api/v2/tracking?page=3",
        "http://tms.example.com/api/v2/tracking",  # another scheme
        "https://tms.example.com/other/v2/tracking",
        "/api/../admin/tracking",
    ],
)
def test_link_leading_elsewhere_is_refused(url):
    with pytest.raises(ef.FeedError):
        ef.next_position(LINKS, {}, {"next": {"url": url}}, BASE)


def test_next_position_must_be_text_or_a_number():
    with pytest.raises(ef.FeedError, match="not a text or a number"):
        ef.next_position(TOKENS, {"nextPageToken": {"a": 1}}, {}, BASE)
    with pytest.raises(ef.FeedError):
        ef.next_position(TOKENS, {"nextPageToken": True}, {}, BASE)


def test_failing_next_expression_is_a_mapping_error():
    feed = dict(TOKENS, next='$error("no")')
    with pytest.raises(jsonata_mapping.MappingError):
        ef.next_position(feed, {}, {}, BASE)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"path": ""}, "the path is empty"),
        ({"path": "https://elsewhere/feed"}, "no host"),
        ({"path": "feed/{reference}"}, "no placeholder"),
        ({"pagination": "offset"}, "unknown pagination"),
        ({"position_param": None}, "needs the position's parameter"),
        ({"next": None}, "needs where the answer gives it"),
        ({"next": "items["}, ""),
    ],
)
def test_invalid_feeds_are_described(change, problem):
    found = ef.problems(dict(TOKENS, **change))
    assert found
    assert any(problem in text for text in found)
    with pytest.raises(ef.FeedError):
        ef.page_path(dict(TOKENS, **change), None, 10)


def test_link_pagination_needs_no_position_settings():
    assert ef.problems(LINKS) == []


@pytest.mark.parametrize(
    ("position", "following", "events", "last"),
    [
        (None, "t1", [1], False),
        ("t1", None, [1], True),  # no next page
        ("t1", "t1", [1], True),  # it does not move
        ("t1", "t2", [], True),  # no event
    ],
)
def test_when_a_poll_stops(position, following, events, last):
    assert ef.is_last_page(position, following, events) is last
