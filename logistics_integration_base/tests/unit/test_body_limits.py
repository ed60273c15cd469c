from logistics_integration_base.lib import body_limits


def test_a_body_within_the_limit_may_be_read():
    assert body_limits.refusal(10, "", 10) is None
    assert body_limits.refusal(0, "", 10) is None
    assert body_limits.refusal(10**12, "", None) is None


def test_a_body_over_the_limit_is_refused_on_its_length():
    assert body_limits.refusal(11, "", 10) == (
        413,
        "payload_too_large",
        "At most 10 bytes.",
    )


def test_a_chunked_body_without_length_is_refused():
    assert body_limits.refusal(None, "chunked", 10)[0] == 411
    assert body_limits.refusal(None, "gzip, Chunked", 10)[0] == 411
    # With a Content-Length the length decides; without both there is no body.
    assert body_limits.refusal(5, "chunked", 10) is None
    assert body_limits.refusal(None, "", 10) is None
