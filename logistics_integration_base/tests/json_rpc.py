"""Odoo's own JSON-RPC, called for real from HttpCase tests.

Any logged-in user can reach any public model method this way; the rights
tests of every addon call methods through it as the users who must be refused.
"""

import json

CALL_KW = "/web/dataset/call_kw"


class CallKwMixin:
    """For an HttpCase: `call_kw` as the user authenticated with `authenticate`."""

    def call_kw(self, model, method, args, kwargs=None):
        """(error class name or None, error message or result) of one call."""
        response = self.url_open(
            CALL_KW,
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": model,
                        "method": method,
                        "args": args,
                        "kwargs": kwargs or {},
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        if "error" in body:
            return body["error"]["data"]["name"], body["error"]["data"]["message"]
        return None, body.get("result")
