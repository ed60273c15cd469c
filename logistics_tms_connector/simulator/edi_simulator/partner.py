"""The carrier's side: read tenders, write acknowledgements, responses,
statuses and invoices (see the package's docstring)."""

import argparse
import logging
import os
import signal
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from . import http_mode

_logger = logging.getLogger("edi_simulator")

INBOX, OUTBOX, ARCHIVE, REJECTED = "to_partner", "from_partner", "archive", "rejected"
DEFAULT_CHARGES = (("400", "Linehaul", 140.00), ("FUE", "Fuel surcharge", 12.50))
STATUSES = ("AF", "X1", "D1")  # departed pickup, arrived at delivery, delivered


class EdiFormatError(ValueError):
    pass


class Partner:
    """One EDI carrier answering the files dropped in ``root/to_partner``."""

    def __init__(
        self,
        root,
        fmt="x12",
        *,
        scac="ACME",
        partner_id="ACME",
        decline=False,
        currency="EUR",
        deliver=None,
    ):
        if fmt not in ("x12", "edifact"):
            raise ValueError(f"unknown format {fmt}")
        self.root = Path(root)
        self.fmt = fmt
        self.scac = scac
        self.partner_id = partner_id
        self.decline = decline
        self.currency = currency
        self.charges = DEFAULT_CHARGES
        # Where an answer goes: a file in the outbox, or deliver(name, text).
        self.deliver = deliver
        self._control_lock = threading.Lock()  # the poll loop and HTTP threads
        for folder in (INBOX, OUTBOX, ARCHIVE, REJECTED):
            (self.root / folder).mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------------
    # the loop

    def poll_once(self):
        """Answer every complete file in the inbox; return the files written."""
        written = []
        for path in sorted((self.root / INBOX).iterdir()):
            if not path.is_file() or path.name.startswith("."):
                continue  # a dot file is still being uploaded
            try:
                written += self._answer(path.read_text(encoding="utf-8"))
            except (EdiFormatError, UnicodeDecodeError, IndexError) as err:
                _logger.warning("%s rejected: %s", path.name, err)
                path.rename(self.root / REJECTED / path.name)
                (self.root / REJECTED / (path.name + ".error")).write_text(str(err))
                continue
            path.rename(self.root / ARCHIVE / path.name)
        return written

    def receive(self, text):
        """Answer one interchange POSTed to the partner; return the answers
        written. It is kept in the archive, or with a note in ``rejected``.

        :raises EdiFormatError: not an interchange the partner can read
        """
        name = f"http-{time.time_ns()}.{self.fmt}"
        try:
            written = self._answer(text)
        except (EdiFormatError, IndexError) as err:
            _logger.warning("POSTed %s rejected: %s", name, err)
            (self.root / REJECTED / name).write_text(text, encoding="utf-8")
            (self.root / REJECTED / (name + ".error")).write_text(str(err))
            raise EdiFormatError(str(err)) from err
        (self.root / ARCHIVE / name).write_text(text, encoding="utf-8")
        return written

    def run(self, interval, stop):
        while not stop.wait(interval):
            self.poll_once()

    def _answer(self, text):
        if self.fmt == "x12":
            return self._answer_x12(text)
        return self._answer_edifact(text)

    def _next_control(self):
        """A control number this partner never used (survives restarts)."""
        path = self.root / ".control"
        with self._control_lock:
            number = int(path.read_text()) + 1 if path.exists() else 1
            path.write_text(str(number))
        return number

    def _write(self, kind, reference, control, text):
        name = f"{kind}-{reference}-{control:09d}.{self.fmt}"
        if self.deliver is not None:
            self.deliver(name, text)
            return name
        temporary = self.root / OUTBOX / ("." + name)
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, self.root / OUTBOX / name)  # seen whole or not at all
        return name

    # ------------------------------------------------------------------
    # X12

    def _answer_x12(self, text):
        segments = _x12_segments(text)
        receiver = segments[0][6].strip()
        written = []
        tenders, group = [], None
        for segment in segments:
            if segment[0] == "GS":
                group = {"code": segment[1], "control": segment[6], "sets": []}
            elif segment[0] == "ST" and group is not None:
                group["sets"].append((segment[1], segment[2]))
            elif segment[0] == "B2" and group is not None and group["sets"]:
                tenders.append(segment[4])
        if group is not None and group["code"] == "FA" and not tenders:
            _logger.info("997 acknowledgement received (group %s)", group["control"])
            return []  # an acknowledgement of what we sent: nothing to answer
        if group is None or not tenders:
            raise EdiFormatError("no 204 load tender in the interchange")
        acknowledgement = [["AK1", group["code"], group["control"]]]
        for code, control in group["sets"]:
            acknowledgement += [["AK2", code, control], ["AK5", "A"]]
        count = str(len(group["sets"]))
        acknowledgement.append(["AK9", "A", count, count, count])
        written.append(
            self._x12_file("997", tenders[0], "FA", acknowledgement, receiver)
        )
        for reference in tenders:
            written += self._x12_tender_answers(reference, receiver)
        return written

    def _x12_tender_answers(self, reference, receiver):
        today = datetime.now(timezone.utc)
        carrier_reference = f"{self.scac}-{reference}"
        if self.decline:
            response = [
                ["B1", self.scac, reference, today.strftime("%Y%m%d"), "D"],
                ["K1", "NO CAPACITY"],
            ]
            return [self._x12_file("990", reference, "GF", response, receiver)]
        response = [
            ["B1", self.scac, reference, today.strftime("%Y%m%d"), "A"],
            ["N9", "CN", carrier_reference],
        ]
        status = [["B10", reference, carrier_reference, self.scac]]
        for index, code in enumerate(STATUSES, start=1):
            moment = today + timedelta(minutes=index)
            status += [
                ["LX", str(index)],
                [
                    "AT7",
                    code,
                    "NS",
                    "",
                    "",
                    moment.strftime("%Y%m%d"),
                    moment.strftime("%H%M"),
                    "UT",
                ],
            ]
        total = sum(round(amount * 100) for _code, _text, amount in self.charges)
        invoice = [
            [
                "B3",
                "",
                f"INV-{reference}",
                carrier_reference,
                "PP",
                "",
                today.strftime("%Y%m%d"),
                str(total),
            ],
            ["C3", self.currency],
            ["N9", "BM", reference],
            ["LX", "1"],
        ]
        for index, (code, text, amount) in enumerate(self.charges, start=1):
            invoice.append(
                [
                    "L1",
                    str(index),
                    "",
                    "",
                    str(round(amount * 100)),
                    "",
                    "",
                    "",
                    code,
                    "",
                    "",
                    "",
                    text.upper(),
                ]
            )
        return [
            self._x12_file("990", reference, "GF", response, receiver),
            self._x12_file("214", reference, "QM", status, receiver),
            self._x12_file("210", reference, "IM", invoice, receiver),
        ]

    def _x12_file(self, code, reference, functional_code, body, receiver):
        control = self._next_control()
        now = datetime.now(timezone.utc)
        isa = [
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            "02",
            self.partner_id.ljust(15),
            "ZZ",
            receiver.ljust(15),
            now.strftime("%y%m%d"),
            now.strftime("%H%M"),
            "U",
            "00401",
            f"{control:09d}",
            "0",
            "P",
            ">",
        ]
        segments = [
            isa,
            [
                "GS",
                functional_code,
                self.partner_id,
                receiver,
                now.strftime("%Y%m%d"),
                now.strftime("%H%M"),
                str(control),
                "X",
                "004010",
            ],
            ["ST", code, "0001"],
            *body,
            ["SE", str(len(body) + 2), "0001"],
            ["GE", "1", str(control)],
            ["IEA", "1", f"{control:09d}"],
        ]
        text = "~\n".join("*".join(s) for s in segments) + "~\n"
        return self._write(code, reference, control, text)

    # ------------------------------------------------------------------
    # EDIFACT

    def _answer_edifact(self, text):
        segments = _edifact_segments(text)
        unb = segments[0]
        if unb[0] != "UNB":
            raise EdiFormatError("an interchange starts with UNB")
        sender, reference = unb[2][0], unb[5][0]
        messages, instructions, current = [], [], None
        for segment in segments:
            if segment[0] == "UNH":
                current = {"reference": segment[1][0], "type": segment[2][0]}
                messages.append(current)
            elif segment[0] == "BGM" and current and current["type"] == "IFTMIN":
                instructions.append(segment[2][0])
        if messages and all(m["type"] == "CONTRL" for m in messages):
            _logger.info("CONTRL acknowledgement received (%s)", reference)
            return []  # an acknowledgement of what we sent: nothing to answer
        if not instructions:
            raise EdiFormatError("no IFTMIN transport instruction in the interchange")
        contrl = [["UCI", [reference], [self.partner_id], [sender], ["7"]]]
        for message in messages:
            contrl.append(
                [
                    "UCM",
                    [message["reference"]],
                    [message["type"], "D", "04A", "UN"],
                    ["7"],
                ]
            )
        written = [self._edifact_file("CONTRL", instructions[0], contrl, sender)]
        for shipment in instructions:
            written += self._edifact_answers(shipment, sender)
        return written

    def _edifact_answers(self, reference, receiver):
        today = datetime.now(timezone.utc)
        carrier_reference = f"{self.scac}-{reference}"
        status = [
            ["BGM", ["23"], [f"ST-{reference}"], ["9"]],
            ["RFF", ["CU", reference]],
            ["RFF", ["BN", carrier_reference]],
        ]
        for index, code in enumerate(STATUSES, start=1):
            moment = today + timedelta(minutes=index)
            status += [
                ["STS", ["1"], [code]],
                ["DTM", ["334", moment.strftime("%Y%m%d%H%M"), "203"]],
            ]
        invoice = [
            ["BGM", ["380"], [f"INV-{reference}"], ["9"]],
            ["DTM", ["137", today.strftime("%Y%m%d%H%M"), "203"]],
            ["RFF", ["CU", reference]],
            ["CUX", ["2", self.currency, "4"]],
        ]
        for index, (code, text, amount) in enumerate(self.charges, start=1):
            invoice += [
                ["LIN", [str(index)]],
                ["IMD", [""], [""], [code, "", "", text]],
                ["MOA", ["203", f"{amount:.2f}"]],
            ]
        total = sum(amount for _code, _text, amount in self.charges)
        invoice.append(["MOA", ["77", f"{total:.2f}"]])
        return [
            self._edifact_file("IFTSTA", reference, status, receiver),
            self._edifact_file("INVOIC", reference, invoice, receiver),
        ]

    def _edifact_file(self, message_type, reference, body, receiver):
        control = self._next_control()
        now = datetime.now(timezone.utc)
        segments = [
            [
                "UNB",
                ["UNOC", "3"],
                [self.partner_id],
                [receiver],
                [now.strftime("%y%m%d"), now.strftime("%H%M")],
                [str(control)],
            ],
            ["UNH", ["1"], [message_type, "D", "04A", "UN"]],
            *body,
            ["UNT", [str(len(body) + 2)], ["1"]],
            ["UNZ", ["1"], [str(control)]],
        ]
        text = "UNA:+.? '" + "".join(_edifact_segment(s) for s in segments)
        return self._write(message_type, reference, control, text)


# ----------------------------------------------------------------------
# reading and writing, by hand


def _x12_segments(text):
    text = text.lstrip()
    if not text.startswith("ISA") or len(text) < 106:
        raise EdiFormatError("an X12 interchange starts with a complete ISA")
    element, segment_end = text[3], text[105]
    return [
        raw.strip().split(element) for raw in text.split(segment_end) if raw.strip()
    ]


def _edifact_escape(value):
    return "".join("?" + char if char in "?:+'" else char for char in value)


def _edifact_segment(segment):
    tag, *elements = segment
    return (
        "+".join([tag, *(":".join(_edifact_escape(c) for c in e) for e in elements)])
        + "'"
    )


def _edifact_segments(text):
    """Segments as ``[tag, [components], ...]``, release characters honoured
    (the default service characters; a UNA is skipped)."""
    if text.startswith("UNA"):
        text = text[9:]
    segments, segment, element, component = [], [], [], []
    chars = iter(text)
    for char in chars:
        if char == "?":
            component.append(next(chars, ""))
        elif char == ":":
            element.append("".join(component))
            component = []
        elif char in "+'":
            element.append("".join(component))
            segment.append(element)
            component, element = [], []
            if char == "'":
                segments.append([segment[0][0], *segment[1:]])
                segment = []
        elif char not in "\r\n" or component:
            component.append(char)
    if not segments:
        raise EdiFormatError("no EDIFACT segment in the file")
    return segments


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="edi_simulator", description=__doc__)
    parser.add_argument("--root", required=True, help="the partner's folder")
    parser.add_argument("--format", choices=("x12", "edifact"), default="x12")
    parser.add_argument("--scac", default="ACME", help="the carrier's SCAC code")
    parser.add_argument("--partner-id", default="ACME", help="its interchange id")
    parser.add_argument("--decline", action="store_true", help="decline tenders")
    parser.add_argument("--currency", default="EUR", help="of the invoices")
    parser.add_argument(
        "--interval", type=float, default=0.5, help="seconds between polls"
    )
    parser.add_argument(
        "--http-port",
        type=int,
        help="also take interchanges POSTed to this port (0: any free one)",
    )
    parser.add_argument("--http-host", default="127.0.0.1", help="where to listen")
    parser.add_argument(
        "--post-to", help="POST the answers to this URL instead of writing files"
    )
    parser.add_argument("--hmac-secret", help="signs the answers POSTed")
    args = parser.parse_args(argv)
    if args.post_to and not args.hmac_secret:
        parser.error("--post-to needs --hmac-secret")
    return args


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s edi_simulator %(message)s"
    )
    poster = (
        http_mode.Poster(args.post_to, args.hmac_secret, args.format, args.root)
        if args.post_to
        else None
    )
    partner = Partner(
        args.root,
        args.format,
        scac=args.scac,
        partner_id=args.partner_id,
        decline=args.decline,
        currency=args.currency,
        deliver=poster,
    )
    server = None
    if args.http_port is not None:
        server = http_mode.InterchangeServer(partner, args.http_host, args.http_port)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    _logger.info("answering %s files in %s", args.format, partner.root / INBOX)
    print(f"ready {server.url}" if server else "ready", flush=True)
    partner.run(args.interval, stop)
    if server:
        server.shutdown()
    if poster:
        poster.close()
    return 0
