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
