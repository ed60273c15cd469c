"""What a scenario returns."""

from dataclasses import dataclass, field


@dataclass
class ScenarioResult:
    """One scenario's outcome: its measurements (``details``, for
    results.json). bench/run.py adds the table rows and the notes (written from
    the details by ``harness.report.rows`` and ``harness.report.notes``), its
    wall time, the contention seen and the time the server took to settle
    afterwards."""

    details: dict = field(default_factory=dict)
    notes: list | None = None
    rows: list | None = None
    seconds: float | None = None
    contention: dict | None = None
    settled_seconds: float | None = None

    def as_dict(self):
        """The scenario's entry of results.json (``notes`` only when given)."""
        data = {"rows": self.rows, "details": self.details}
        if self.notes is not None:
            data["notes"] = self.notes
        data["seconds"] = self.seconds
        data["contention"] = self.contention
        data["settled_seconds"] = self.settled_seconds
        return data
