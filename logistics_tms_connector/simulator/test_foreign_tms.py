"""The foreign-dialect TMS as a real process over real HTTP: OAuth2 client
credentials, loads, its own errors, a tracking feed paged by tokens."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

HERE = Path(__file__).resolve().parent
TIMEOUT = 10


def _start(*options):
    """The foreign TMS as a process: (process, its URL)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "foreign_tms",
            "--client-id",
            "odoo",
            "--client-secret",
            "s3cret",
            *options,
        ],
        env={**os.environ, "PYTHONPATH": str(HERE)},
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline().strip()
    assert line.startswith("foreign TMS listening on "), line
    return process, line.rsplit(" ", 1)[1]


@pytest.fixture(scope="module")
def foreign(tmp_path_factory):
    process, url = _start("--token-ttl", "2")
    yield url
    process.terminate()
    assert process.wait(timeout=TIMEOUT) == 0


@pytest.fixture
def url(foreign):
    requests.post(f"{foreign}/_control/reset", timeout=TIMEOUT).raise_for_status()
    return foreign


def _token(url, **auth):
    data = {"grant_type": "client_credentials", **auth.get("form", {})}
    return requests.post(
        f"{url}/oauth/token", data=data, auth=auth.get("basic"), timeout=TIMEOUT
    )


def _bearer(url):
    answer = _token(url, basic=("odoo", "s3cret"))
    assert answer.status_code == 200
    return {"Authorization": "Bearer " + answer.json()["access_token"]}


def _load(ref):
    return {
        "load": {
            "customerRef": ref,
            "pickup": {"city": "Liege"},
            "delivery": {"city": "Leuze"},
            "weightKg": 146,
        }
    }


def test_client_credentials_in_basic_or_form(url):
    assert _token(url, basic=("odoo", "s3cret")).json()["token_type"] == "Bearer"
    assert (
        _token(url, form={"client_id": "odoo", "client_secret": "s3cret"}).status_code
        == 200
    )
    wrong = _token(url, basic=("odoo", "nope"))
    assert (wrong.status_code, wrong.json()["errors"][0]["code"]) == (
        401,
        "invalid_client",
    )
    grant = requests.post(
        f"{url}/oauth/token", data={"grant_type": "password"}, timeout=TIMEOUT
    )
    assert grant.status_code == 400


def test_the_api_needs_a_live_token(url):
    assert requests.get(f"{url}/v2/tracking", timeout=TIMEOUT).status_code == 401
    headers = _bearer(url)
    assert (
        requests.get(f"{url}/v2/tracking", headers=headers, timeout=TIMEOUT).status_code
        == 200
    )
    time.sleep(2.2)  # --token-ttl 2
    assert (
        requests.get(f"{url}/v2/tracking", headers=headers, timeout=TIMEOUT).status_code
        == 401
    )


def test_a_load_is_tendered_once_per_customer_reference(url):
    headers = _bearer(url)
    first = requests.post(
        f"{url}/v2/loads", json=_load("SHP-1"), headers=headers, timeout=TIMEOUT
    )
    assert (first.status_code, first.json()) == (
        201,
        {"data": {"loadId": "LD-00001", "state": "TENDERED"}},
    )
    again = requests.post(
        f"{url}/v2/loads", json=_load("SHP-1"), headers=headers, timeout=TIMEOUT
    )
    assert (again.status_code, again.json()["data"]["loadId"]) == (200, "LD-00001")
    bad = requests.post(
        f"{url}/v2/loads",
        json={"load": {"customerRef": "X"}},
        headers=headers,
        timeout=TIMEOUT,
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["pointer"] == "/load/pickup"


def test_tracking_is_paged_by_tokens_in_its_own_codes(url):
    headers = _bearer(url)
    requests.post(
        f"{url}/v2/loads", json=_load("SHP-1"), headers=headers, timeout=TIMEOUT
    )
    requests.post(
        f"{url}/_control/advance",
        json={"loadId": "LD-00001", "steps": 6},
        timeout=TIMEOUT,
    )
    seen, token, pages = [], None, 0
    while True:
        params = {"pageSize": 4, **({"pageToken": token} if token else {})}
        page = requests.get(
            f"{url}/v2/tracking", params=params, headers=headers, timeout=TIMEOUT
        ).json()
        seen += page["items"]
        pages += 1
        token = page["nextPageToken"]
        if not token:
            break
    assert pages == 2
    assert [i["update"]["statusCode"] for i in seen] == [
        1000,
        1100,
        1200,
        1500,
        1800,
        2000,
    ]
    assert seen[0]["load"] == {"id": "LD-00001", "customerRef": "SHP-1"}
    assert (
        isinstance(seen[0]["update"]["epoch"], int)
        and seen[0]["update"]["tz"] == "Europe/Brussels"
    )
    bad = requests.get(
        f"{url}/v2/tracking",
        params={"pageToken": "zzz"},
        headers=headers,
        timeout=TIMEOUT,
    )
    assert bad.status_code == 400


def test_a_load_is_cancelled_until_delivered(url):
    headers = _bearer(url)
    requests.post(
        f"{url}/v2/loads", json=_load("SHP-2"), headers=headers, timeout=TIMEOUT
    )
    cancelled = requests.post(
        f"{url}/v2/loads/LD-00001/cancellation", headers=headers, timeout=TIMEOUT
    )
    assert cancelled.json()["data"]["state"] == "CANCELLED"
    feed = requests.get(f"{url}/v2/tracking", headers=headers, timeout=TIMEOUT).json()
    assert [i["update"]["statusCode"] for i in feed["items"]] == [9000]
    assert (
        requests.get(
            f"{url}/v2/loads/LD-00404", headers=headers, timeout=TIMEOUT
        ).status_code
        == 404
    )


def test_the_next_page_is_also_a_link_header(url):
    headers = _bearer(url)
    requests.post(
        f"{url}/v2/loads", json=_load("SHP-1"), headers=headers, timeout=TIMEOUT
    )
    requests.post(
        f"{url}/_control/advance",
        json={"loadId": "LD-00001", "steps": 6},
        timeout=TIMEOUT,
    )
    first = requests.get(
        f"{url}/v2/tracking", params={"pageSize": 4}, headers=headers, timeout=TIMEOUT
    )
    following = first.links["next"]["url"]
    assert following.startswith("/v2/tracking?")
    assert first.json()["nextPageToken"] in following
    last = requests.get(url + following, headers=headers, timeout=TIMEOUT)
    assert [i["update"]["seq"] for i in last.json()["items"]] == [5, 6]
    assert "next" not in last.links


def test_a_load_is_updated_until_final(url):
    headers = _bearer(url)
    requests.post(
        f"{url}/v2/loads", json=_load("SHP-1"), headers=headers, timeout=TIMEOUT
    )
    changed = _load("SHP-1")
    changed["load"]["weightKg"] = 99
    answer = requests.put(
        f"{url}/v2/loads/LD-00001", json=changed, headers=headers, timeout=TIMEOUT
    )
    assert answer.status_code == 200
    assert answer.json()["data"]["state"] == "TENDERED"
    load = requests.get(f"{url}/_control/loads", timeout=TIMEOUT).json()["LD-00001"]
    assert load["request"]["weightKg"] == 99
    requests.post(
        f"{url}/_control/advance",
        json={"loadId": "LD-00001", "steps": 6},
        timeout=TIMEOUT,
    )
    final = requests.put(
        f"{url}/v2/loads/LD-00001", json=changed, headers=headers, timeout=TIMEOUT
    )
    assert final.status_code == 409
    assert final.json()["errors"][0]["code"] == "STATE"
    missing = requests.put(
        f"{url}/v2/loads/LD-09999", json=changed, headers=headers, timeout=TIMEOUT
    )
    assert missing.status_code == 404


def test_revoked_tokens_are_refused(url):
    headers = _bearer(url)
    assert requests.get(f"{url}/v2/tracking", headers=headers, timeout=TIMEOUT).ok
    revoked = requests.post(f"{url}/_control/revoke-tokens", timeout=TIMEOUT).json()
    assert revoked["revoked"] >= 1
    again = requests.get(f"{url}/v2/tracking", headers=headers, timeout=TIMEOUT)
    assert again.status_code == 401


def test_loads_move_on_their_own_with_auto_advance():
    process, url = _start("--auto-advance", "0.1", "--id-prefix", "R7-")
    try:
        headers = _bearer(url)
        created = requests.post(
            f"{url}/v2/loads", json=_load("SHP-1"), headers=headers, timeout=TIMEOUT
        ).json()["data"]
        assert created["loadId"] == "LD-R7-00001"
        deadline = time.monotonic() + TIMEOUT
        state = None
        while time.monotonic() < deadline and state != "DELIVERED":
            time.sleep(0.1)
            loads = requests.get(f"{url}/_control/loads", timeout=TIMEOUT).json()
            state = loads["LD-R7-00001"]["state"]
        assert state == "DELIVERED"
        page = requests.get(
            f"{url}/v2/tracking", headers=headers, timeout=TIMEOUT
        ).json()
        epochs = [item["update"]["epoch"] for item in page["items"]]
        assert len(epochs) == 6
        assert max(epochs) <= time.time() + 1, "steps as time goes happen now"
    finally:
        process.terminate()
        process.wait(timeout=TIMEOUT)
