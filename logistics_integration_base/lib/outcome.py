"""What a flow handler decided about the business document: a domain outcome.

Handlers of request flows (answered while the caller waits) return an
:class:`Outcome`, stored as JSON in the message's `result`; the controller
maps it to its protocol (HTTP status and body) in one place, for the first
answer and for an idempotent replay alike.

These are *flow* outcomes, not the *receipt* outcomes of the message log
(:mod:`receipt`: whether a message was taken in). Pure Python, no ORM.
"""

import dataclasses

CREATED = "created"  # a new document exists; `body` describes it
APPLIED = "applied"  # the change was made to an existing document; `body`
REFUSED = "refused"  # a business rule refused the request: `problems` say why
STATE_CONFLICT = "state_conflict"  # the document's state forbids the request

KINDS = (CREATED, APPLIED, REFUSED, STATE_CONFLICT)
FAILURES = (REFUSED, STATE_CONFLICT)


def problem(pointer, reason):
    """One problem: a JSON pointer (RFC 6901) into the request, and why."""
    return {"pointer": pointer, "reason": reason}


@dataclasses.dataclass(frozen=True)
class Outcome:
    """The decision of a flow handler.

    Success (`CREATED`, `APPLIED`) carries the resource `body`; a failure
    (`REFUSED`, `STATE_CONFLICT`) carries a machine `code`, a human `message`
    and `problems` (JSON pointers with reasons).
    """

    kind: str
    body: dict | None = None
    code: str | None = None
    message: str | None = None
    problems: list = dataclasses.field(default_factory=list)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError("unknown outcome %r" % (self.kind,))
        if self.failed and not self.code:
            raise ValueError("a %s outcome needs a code" % self.kind)

    @property
    def failed(self):
        return self.kind in FAILURES

    def to_json(self):
        """A JSON object to store (the message's `result`)."""
        data = {"outcome": self.kind}
        if self.failed:
            data.update(
                code=self.code, message=self.message, problems=list(self.problems)
            )
        else:
            data["body"] = self.body
        return data

    @classmethod
    def from_json(cls, data):
        """The outcome stored by :meth:`to_json`; ValueError for anything else."""
        if not isinstance(data, dict) or data.get("outcome") not in KINDS:
            raise ValueError("not a stored outcome: %r" % (data,))
        return cls(
            data["outcome"],
            body=data.get("body"),
            code=data.get("code"),
            message=data.get("message"),
            problems=list(data.get("problems") or []),
        )


def created(body):
    return Outcome(CREATED, body=body)


def applied(body):
    return Outcome(APPLIED, body=body)


def refused(code, message, problems=()):
    return Outcome(REFUSED, code=code, message=message, problems=list(problems))


def state_conflict(code, message, problems=()):
    return Outcome(STATE_CONFLICT, code=code, message=message, problems=list(problems))
