"""Signed TMS batches posted at once, events repeated across them: 202 each time.

Four senders post their batches of a round together; three events of every
round are in all four batches. A real (threaded) server runs the requests side
by side, each in its own transaction: the idempotency race happens for real
(HttpCase would serialize the requests under its test lock).
"""

import json
import secrets
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from logistics_integration_base.lib import signature

SENDERS = 4
ROUNDS = 8
OWN_EVENTS = 7  # per sender and round
SHARED_EVENTS = 3  # per round, in every sender's batch (30 % of a batch)
POST_TIMEOUT = 120  # a request that lost the race runs again after a pause


def _event(event_id, step):
    return {
        "event_id": event_id,
        "event_type": "shipment.milestone",
        "occurred_at": "2026-11-27T10:%02d:00Z" % (step % 60),
        "sequence": step,
        "aggregate": {"type": "shipment", "id": "TMS-RACE-%s" % event_id[-4:]},
        "data": {
            "shipment_id": "TMS-RACE-%s" % event_id[-4:],
            "status_code": "IN_TRANSIT",
        },
    }


def _batches(run):
    """{round: [events of sender 0, ..., events of sender 3]}."""
    rounds = {}
    for round_no in range(ROUNDS):
        shared = [
            _event("%s-r%s-shared-%s" % (run, round_no, n), n)
            for n in range(SHARED_EVENTS)
        ]
        rounds[round_no] = [
            [
                *(
                    _event("%s-r%s-s%s-%s" % (run, round_no, sender, n), n)
                    for n in range(OWN_EVENTS)
                ),
                *shared,
            ]
            for sender in range(SENDERS)
        ]
    return rounds


def _endpoint(odoo_server, run, secret):
    endpoint_id = odoo_server.execute(
        "logistics.endpoint",
        "create",
        {"name": "Race TMS %s" % run, "code": "race_%s" % run, "system": "tms"},
    )
    odoo_server.execute(
        "logistics.endpoint.secret",
        "create",
        {"endpoint_id": endpoint_id, "kind": "hmac", "value": secret},
    )
    return endpoint_id


@pytest.fixture
def race_endpoint(odoo_server):
    """(code, endpoint id, HMAC secret) of a TMS endpoint made for this test."""
    run = secrets.token_hex(4)
    secret = secrets.token_urlsafe(24)
    endpoint_id = _endpoint(odoo_server, run, secret)
    yield run, endpoint_id, secret
    # Leave no secret encrypted under this run's keys in the database.
    secret_ids = odoo_server.execute(
        "logistics.endpoint.secret", "search", [("endpoint_id", "=", endpoint_id)]
    )
    odoo_server.execute("logistics.endpoint.secret", "unlink", secret_ids)
    odoo_server.execute("logistics.endpoint", "write", [endpoint_id], {"active": False})


def test_concurrent_duplicate_batches_are_answered_202_and_stored_once(
    odoo_server, race_endpoint
):
    run, endpoint_id, secret = race_endpoint
    url = "%s/logistics/tms/race_%s/events" % (odoo_server.url, run)
    rounds = _batches(run)
    barrier = threading.Barrier(SENDERS)

    def sender(number):
        answers = []
        with requests.Session() as session:
            for round_no in range(ROUNDS):
                body = json.dumps({"events": rounds[round_no][number]}).encode()
                headers = signature.signed_headers(secret, body)
                headers["Content-Type"] = "application/json"
                barrier.wait()  # the four batches of a round leave together
                response = session.post(
                    url, data=body, headers=headers, timeout=POST_TIMEOUT
                )
                answers.append((response.status_code, response.text))
        return answers

    with ThreadPoolExecutor(SENDERS) as pool:
        answers = [a for result in pool.map(sender, range(SENDERS)) for a in result]

    assert [status for status, _text in answers] == [202] * (SENDERS * ROUNDS), [
        text[:300] for status, text in answers if status != 202
    ]
    outcomes = {}
    for _status, text in answers:
        for result in json.loads(text)["results"]:
            outcomes.setdefault(result["event_id"], []).append(result["status"])
    sent = {
        event["event_id"] for batches in rounds.values() for b in batches for event in b
    }
    assert set(outcomes) == sent
    for event_id, statuses in outcomes.items():
        counted = Counter(statuses)
        if "-shared-" in event_id:
            # Exactly one of the four deliveries stored it; the others were told so.
            assert counted == Counter(accepted=1, duplicate=SENDERS - 1), (
                event_id,
                statuses,
            )
        else:
            assert counted == Counter(accepted=1), (event_id, statuses)

    stored = odoo_server.execute(
        "logistics.message",
        "read_group",
        [("endpoint_id", "=", endpoint_id)],
        ["idempotency_key"],
        ["idempotency_key"],
        lazy=False,
    )
    per_key = {row["idempotency_key"]: row["__count"] for row in stored}
    assert set(per_key) == sent
    assert set(per_key.values()) == {1}, "every event is stored exactly once"
    message_ids = odoo_server.execute(
        "logistics.message", "search", [("endpoint_id", "=", endpoint_id)]
    )
    redeliveries = odoo_server.execute(
        "logistics.message.redelivery",
        "search_count",
        [("message_id", "in", message_ids)],
    )
    assert redeliveries == ROUNDS * SHARED_EVENTS * (SENDERS - 1)
