"""TMS simulator: a real peer process speaking the suite's TMS protocol.

The command line (``python -m tms_simulator``): its arguments, the
"TMS simulator listening on <url>" line once it listens, a clean stop on
SIGTERM or SIGINT.
"""

import argparse
import ipaddress
import logging
import signal
import sys
import threading
import time

from .app import Application, SimulatorServer
from .options import ScenarioOptions, WebhookOptions
from .state import Simulator
from .timelines import DEFAULT_STEP_DELAY
from .webhooks import JOIN_TIMEOUT

_logger = logging.getLogger("tms_simulator")

STOP_POLL = 0.1
SERVE_POLL = 0.1


def loopback_host(value):
    """argparse type: the simulator only listens on the IPv4 loopback."""
    host = "127.0.0.1" if value == "localhost" else value
    try:
        address = ipaddress.IPv4Address(host)
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise argparse.ArgumentTypeError(f"{value} is not an IPv4 loopback address")
    return host


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tms_simulator", description=__doc__.split("\n", 1)[0]
    )
    parser.add_argument("--port", type=int, default=0, help="0 = any free port")
    parser.add_argument("--host", type=loopback_host, default="127.0.0.1")
    parser.add_argument("--api-key", help="required X-API-Key on /api and /soap")
    parser.add_argument("--webhook-url", help="where events are POSTed")
    parser.add_argument("--webhook-secret", help="HMAC-SHA256 signing secret")
    parser.add_argument(
        "--step-delay",
        type=float,
        default=DEFAULT_STEP_DELAY,
        help="seconds between two events of a timeline",
    )
    parser.add_argument(
        "--no-auto-advance",
        dest="auto_advance",
        action="store_false",
        help="timelines only move on POST /_control/advance",
    )
    parser.add_argument(
        "--id-prefix",
        default="",
        help="prefix of shipment and event ids (e.g. TMS-<prefix>000001), so that "
        "ids stay unique across runs",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        type=str.upper,
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
    )
    return parser.parse_args(argv)


def build_simulator(args):
    webhook = WebhookOptions(url=args.webhook_url, secret=args.webhook_secret)
    scenario = ScenarioOptions(
        step_delay=max(0.0, args.step_delay), auto_advance=args.auto_advance
    )
    return Simulator(webhook, scenario, api_key=args.api_key, id_prefix=args.id_prefix)


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    simulator = build_simulator(args)
    server = SimulatorServer((args.host, args.port), Application(simulator))
    host, port = server.server_address[:2]
    base_url = f"http://{host}:{port}"
    simulator.start(base_url)
    stop_requested = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, _frame: stop_requested.append(number))
    serving = threading.Thread(
        target=server.serve_forever, args=(SERVE_POLL,), name="tms-http"
    )
    serving.start()
    print(f"TMS simulator listening on {base_url}", flush=True)
    while not stop_requested:
        time.sleep(STOP_POLL)
    _logger.info("signal %s received, stopping", stop_requested[0])
    server.shutdown()
    serving.join(JOIN_TIMEOUT)
    server.server_close()
    simulator.stop()
    return 0
