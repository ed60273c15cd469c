"""REST operations as configuration: path templates and answer paths."""

import pytest

from logistics_tms_connector.lib import rest_operations, shipped_mappings


@pytest.mark.parametrize(
    ("template", "reference", "expected"),
    [
        ("shipments", None, "shipments"),
        ("shipments/{reference}/cancel", "TMS-1", "shipments/TMS-1/cancel"),
        ("s/{reference}", "a/b?c#d e", "s/a%2Fb%3Fc%23d%20e"),
    ],
)
def test_render_path(template, reference, expected):
    assert rest_operations.render_path(template, reference) == expected


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("", "empty"),
        ("https://evil.example/x", "no host"),
        ("//evil.example/x", "no host"),
        ("shipments/../admin", "climb out"),
        ("shipments/{id}", "unknown placeholder {id}"),
        ("shipments/{reference", "malformed placeholder"),
    ],
)
def test_path_problems(template, reason):
    problems = rest_operations.path_problems(template)
    assert any(reason in problem for problem in problems), problems
    with pytest.raises(rest_operations.OperationError):
        rest_operations.render_path(template, "R")


def test_a_path_with_a_reference_needs_one():
    with pytest.raises(rest_operations.OperationError, match="needs the TMS"):
        rest_operations.render_path("shipments/{reference}", None)


def test_read_answer():
    operation = {"id": "result.id", "status": "$lowercase(result.state)", "error": None}
    assert rest_operations.read_answer(
        operation, {"result": {"id": "X", "state": "OK"}}
    ) == {"id": "X", "status": "ok", "error": None}


def test_shipped_operations_are_valid():
    for operation in shipped_mappings.REST_OPERATIONS.values():
        assert operation["method"] in rest_operations.METHODS
        assert rest_operations.path_problems(operation["path"]) == []
