"""Signed webhooks, posted by a background worker with retries."""

import hashlib
import hmac
import http.client
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request

from .protocol import (
    CORRELATION_HEADER,
    JSON_TYPE,
    SERVER_NAME,
    SIGNATURE_HEADER,
    SIGNATURE_PREFIX,
    TIMESTAMP_HEADER,
)

_logger = logging.getLogger("tms_simulator")

WEBHOOK_BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)
WEBHOOK_TIMEOUT = 5.0
STALE_AGE_SECONDS = 600
TAMPER_SUFFIX = "-tampered"
BATCH_LINGER = 0.3
IDLE_WAIT = 1.0
JOIN_TIMEOUT = 2.0


def compute_signature(secret, timestamp, body):
    """Hex HMAC-SHA256 of ``f"{timestamp}."`` + ``body`` with ``secret``."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def webhook_headers(options, body, correlation_id):
    """Headers of a webhook POST, signed (or mis-signed) as the options say."""
    timestamp = int(time.time())
    if options.stale_timestamp:
        timestamp -= STALE_AGE_SECONDS
    headers = {
        "Content-Type": JSON_TYPE,
        "User-Agent": SERVER_NAME,
        TIMESTAMP_HEADER: str(timestamp),
    }
    if options.secret or options.tamper:
        secret = (options.secret or "") + (TAMPER_SUFFIX if options.tamper else "")
        digest = compute_signature(secret, timestamp, body)
        headers[SIGNATURE_HEADER] = SIGNATURE_PREFIX + digest
    if correlation_id:
        headers[CORRELATION_HEADER] = correlation_id
    return headers


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failed delivery, not something to follow."""

    def redirect_request(self, *_args, **_kwargs):
        return None


class WebhookWorker(threading.Thread):
    """Posts queued events in batches, retrying with backoff."""

    def __init__(self, simulator, outbox):
        super().__init__(name="tms-webhooks", daemon=True)
        self._simulator = simulator
        self._outbox = outbox
        self._stop_event = threading.Event()
        self._wake_event = threading.Event()
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), _NoRedirect()
        )

    def stop(self):
        self._stop_event.set()
        self._wake_event.set()
        self._outbox.put(None)  # unblocks the queue wait

    def wake(self):
        """Cut a backoff pause short (after a reset, stale work is dropped)."""
        self._wake_event.set()

    def _pause(self, delay):
        """Wait ``delay`` seconds or until woken; True when stopping."""
        self._wake_event.wait(delay)
        self._wake_event.clear()
        return self._stop_event.is_set()

    def run(self):
        batch, generation = [], None
        while not self._stop_event.is_set():
            try:
                item = self._outbox.get(timeout=BATCH_LINGER if batch else IDLE_WAIT)
            except queue.Empty:
                item = None  # nothing new for a while: send what is held
            if item is None or item[0] != generation:
                self._flush(generation, batch)
                batch = []
            if item is not None:
                generation = item[0]
                batch.append(item[1])
                options, _current = self._simulator.webhook_settings()
                if len(batch) >= options.batch_size:
                    self._flush(generation, batch)
                    batch = []

    def _flush(self, generation, batch):
        if batch and not self._stop_event.is_set():
            self._deliver(generation, batch)

    def _deliver(self, generation, events):
        self._wake_event.clear()
        body = json.dumps({"events": events}).encode("utf-8")
        ids = ",".join(event["event_id"] for event in events)
        correlation = next(
            (e["correlation_id"] for e in events if e.get("correlation_id")), None
        )
        for attempt, delay in enumerate((0.0, *WEBHOOK_BACKOFF), start=1):
            if delay and self._pause(delay):
                return
            options, current = self._simulator.webhook_settings()
            if current != generation or not options.url:
                _logger.info("webhook delivery of %s abandoned", ids)
                return
            if self._post(options, body, correlation, ids, attempt):
                return
        _logger.warning(
            "webhook delivery of %s dropped after %s attempts", ids, attempt
        )

    def _post(self, options, body, correlation, ids, attempt):
        headers = webhook_headers(options, body, correlation)
        request = urllib.request.Request(
            options.url, data=body, headers=headers, method="POST"
        )
        try:
            with self._opener.open(request, timeout=WEBHOOK_TIMEOUT) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            exc.close()
            _logger.info("webhook %s attempt %s: HTTP %s", ids, attempt, exc.code)
            return False
        except (OSError, http.client.HTTPException, ValueError) as exc:
            _logger.info("webhook %s attempt %s: %s", ids, attempt, exc)
            return False
        _logger.debug("webhook %s delivered (attempt %s)", ids, attempt)
        return True
