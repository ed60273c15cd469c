"""18.0.1.2.0: flow handlers answer a domain outcome, not an HTTP answer.

The request flows of the customer API stored `{"http_status", "body"}` in
`logistics.message.result`; they now store an outcome
(`logistics_integration_base.lib.outcome`), which the controller maps to
HTTP. An idempotent replay reads the stored result: convert the old rows, so
that a replay answers exactly what the first request did.

    201 -> created (body)        200 -> applied (body)
    422 -> refused, 409 -> state_conflict (code, message, problems from
           body.error: code, message, details)
"""

FLOWS = (
    "order.submit",
    "order.amend",
    "order.cancel",
    "order.document",
    "webhook.subscribe",
    "webhook.unsubscribe",
)


def migrate(cr, version):
    if not version:
        return
    convert_results(cr)


def convert_results(cr):
    cr.execute(
        """UPDATE logistics_message
              SET result = CASE (result ->> 'http_status')
                  WHEN '201' THEN jsonb_build_object(
                      'outcome', 'created', 'body', result -> 'body')
                  WHEN '200' THEN jsonb_build_object(
                      'outcome', 'applied', 'body', result -> 'body')
                  ELSE jsonb_build_object(
                      'outcome',
                      CASE (result ->> 'http_status')
                          WHEN '409' THEN 'state_conflict'
                          ELSE 'refused'
                      END,
                      'code', result #> '{body,error,code}',
                      'message', result #> '{body,error,message}',
                      'problems',
                      COALESCE(result #> '{body,error,details}', '[]'::jsonb))
                  END
            WHERE flow_code IN %s
              AND jsonb_typeof(result) = 'object'
              AND result ->> 'http_status' IN ('200', '201', '409', '422')""",
        [FLOWS],
    )
