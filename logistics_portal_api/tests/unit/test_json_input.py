from logistics_portal_api.lib import json_input


def _window(start, end):
    return {"requested_delivery": {"start": start, "end": end}}


def test_impossible_moments_are_problems_with_pointers():
    problems = json_input.window_problems(
        _window("2026-13-45T99:00Z", "2026-02-30T10:00:00+01:00")
    )
    assert [p["pointer"] for p in problems] == [
        "/requested_delivery/start",
        "/requested_delivery/end",
    ]
    assert "2026-13-45T99:00Z" in problems[0]["reason"]
    # Out of the datetime range once converted to UTC.
    assert json_input.window_problems(
        _window("0001-01-01T00:00+01:00", "2026-01-01T00:00Z")
    )[0]["pointer"] == ("/requested_delivery/start")


def test_a_window_must_not_end_before_it_starts():
    problems = json_input.window_problems(
        _window("2030-01-10T12:00:00+01:00", "2030-01-10T08:00:00+01:00")
    )
    assert problems == [
        {
            "pointer": "/requested_delivery/start",
            "reason": "the window starts after it ends",
        },
        {
            "pointer": "/requested_delivery/end",
            "reason": "the window starts after it ends",
        },
    ]
    # Compared in UTC: 12:00+02:00 is before 11:00+00:00.
    assert not json_input.window_problems(
        _window("2030-01-10T12:00:00+02:00", "2030-01-10T11:00:00Z")
    )
    assert not json_input.window_problems(
        _window("2030-01-10T08:00:00Z", "2030-01-10T08:00:00z")
    )
    # Not RFC 3339 (no seconds): the schema's date-time format refuses it too.
    assert json_input.window_problems(
        _window("2030-01-10T08:00Z", "2030-01-10T08:00:00Z")
    )[0]["pointer"] == ("/requested_delivery/start")


def test_shapes_the_schema_refuses_are_left_to_it():
    assert json_input.window_problems({}) == []
    assert json_input.window_problems({"requested_delivery": "tomorrow"}) == []
    assert json_input.window_problems(_window(None, 3)) == []
    assert json_input.window_problems([]) == []
