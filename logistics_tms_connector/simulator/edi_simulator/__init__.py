"""EDI partner simulator: a carrier that trades X12 or EDIFACT files.

It plays the back office of an EDI carrier for tests and demos. Odoo drops
its tenders in ``<root>/to_partner`` (over SFTP, served from that folder by
an SSH server, or straight into a drop folder); the simulator answers in
``<root>/from_partner``, where Odoo picks the files up:

* X12 004010: a 204 load tender is answered by a 997 acknowledging its
  group, a 990 (accepted, or declined with ``--decline``), a 214 with the
  pickup (AF), arrival (X1) and delivery (D1) statuses and a 210 freight
  invoice for the delivered shipment;
* EDIFACT D.04A: an IFTMIN is answered by a CONTRL, an IFTSTA with the same
  statuses and an INVOIC.

Every interchange has a control number never used before (kept in
``<root>/.control``). A file that cannot be read is moved to
``<root>/rejected`` with a ``.error`` note. Only the standard library is
used, and none of the suite's code: the simulator is an independent
implementation of the standards::

    PYTHONPATH=logistics_tms_connector/simulator python -m edi_simulator \\
        --root /tmp/acme --format x12 --scac ACME

Over HTTP (``http_mode.py``): ``--http-port 0`` also takes interchanges
POSTed to it (answered 202 with the names of its answers, 400 for a body it
cannot read) and prints ``ready <its URL>``; ``--post-to URL --hmac-secret S``
POSTs the answers, signed as the suite's webhooks are, instead of writing
them in ``from_partner``.
"""

from .partner import Partner, main

__all__ = ["Partner", "main"]
