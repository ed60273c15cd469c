import pytest

from logistics_integration_base.lib import json_text


def test_clean_values_have_no_problem():
    assert json_text.nul_problems({"a": ["x", 1, None, {"b": "y"}]}) == []
    assert json_text.nul_problems("plain") == []


def test_every_nul_is_found_with_its_pointer():
    value = {
        "event_id": "EV\x001",
        "data": {"notes": ["ok", "bad\x00"], "a/b\x00": 1},
    }
    assert json_text.nul_problems(value) == [
        {
            "pointer": "/data/a~1b\x00",
            "reason": "NUL characters are not allowed in names",
        },
        {"pointer": "/data/notes/1", "reason": "NUL characters are not allowed"},
        {"pointer": "/event_id", "reason": "NUL characters are not allowed"},
    ]


def test_without_nul_replaces_and_leaves_the_original_alone():
    value = {"k\x00": ["a\x00b", 3, {"c": "\x00"}]}
    cleaned = json_text.without_nul(value)
    assert cleaned == {"k\ufffd": ["a\ufffdb", 3, {"c": "\ufffd"}]}
    assert json_text.nul_problems(cleaned) == []
    assert value == {"k\x00": ["a\x00b", 3, {"c": "\x00"}]}


def test_strict_json_is_parsed():
    assert json_text.loads(b'{"a": [1, 2.5, "x", null, true]}') == {
        "a": [1, 2.5, "x", None, True]
    }
    assert json_text.loads(b'{"q": 1e308}') == {"q": 1e308}  # the schema bounds it


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 100000,
        b"[" * 33 + b"]" * 33,
        b'{"a":' * 40 + b"1" + b"}" * 40,
        b"NaN",
        b'{"q": Infinity}',
        b'{"q": -Infinity}',
        b'{"q": 1e999}',
        b"9" * 5000,
        b"\xff\xfe",
        b"{oops",
    ],
)
def test_what_is_not_json_we_accept_is_malformed(data):
    with pytest.raises(json_text.MalformedJson):
        json_text.loads(data)


def test_nesting_up_to_the_limit_is_accepted():
    assert json_text.nesting_depth(json_text.loads(b"[" * 32 + b"]" * 32)) == 32
    assert json_text.nesting_depth({"a": [{"b": 1}], "c": 2}) == 3
    assert json_text.nesting_depth("text") == 0
