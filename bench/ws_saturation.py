"""Saturation: the highest total rate of stored messages whose p99 stays within a bound both ways.

Sets up N live conversations once (bench/ws_load.py's `Load`: a scripted agent answering every
message, the load in client processes of their own), then steps the total rate up on them: at a
rate R stored messages a second (taxpayers' messages and the agents' answers together), each
taxpayer sends every 2N/R s. Every step runs --step-seconds and drains (every message answered,
or ws_load.DRAIN_S); the run stops after the first step that fails: p99 over --p99-ms either way,
an error, or a message not received or not answered. Prints every step's figures and the highest
rate that passed.

    python bench/ws_saturation.py [--taxpayers 500] [--rates 200,400,...] [--step-seconds 20]
        [--p99-ms 100] [--store sqlite|postgres] [--processes 1] [--json]
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.deployment import exit_on_sigterm  # noqa: E402
from bench.ws_load import Load, add_deployment_options  # noqa: E402

# Total stored messages a second, both ways: from a thirtieth of the target to beyond it.
RATES = (100, 200, 400, 600, 800, 1000, 1200, 1600, 2000, 2500, 3000, 4000)


def passed(figures, bound_ms):
    """Say whether a step kept both p99s within bound_ms with everything delivered, no errors."""
    delivered = figures["sent"] == figures["received"] == figures["answers"] > 0
    fast = all(figures["p99_ms"][way] <= bound_ms for way in ("t2a", "a2t"))
    return delivered and fast and figures["errors"] == 0


def saturate(load, rates, step_seconds, bound_ms, report=None):
    """Step the rate up on load until a step fails; return {"steps", "saturation_msg_per_s"}: the
    highest rate a passing step stored (what the taxpayers sent, and as many answers)."""
    steps, best = [], 0
    for rate in rates:
        figures = load.step(step_seconds, 2 * load.taxpayers / rate)
        figures["rate_msg_per_s"] = rate
        figures["passed"] = passed(figures, bound_ms)
        steps.append(figures)
        if report:
            report(figures)
        if not figures["passed"]:
            break
        best = max(best, figures["sent_msg_per_s"])
    return {"steps": steps, "saturation_msg_per_s": best}


def _line(figures):
    """Return one step as a line of text."""
    return (
        f"{figures['rate_msg_per_s']:>6g} msg/s offered, {figures['sent_msg_per_s']:g} sent: "
        f"sent {figures['sent']} received {figures['received']} answers {figures['answers']} "
        f"errors {figures['errors']}; p50 {figures['p50_ms']['t2a']} / {figures['p50_ms']['a2t']} "
        f"ms, p99 {figures['p99_ms']['t2a']} / {figures['p99_ms']['a2t']} ms; "
        f"server CPU {figures['server_cpu_pct']}% ({figures['server_cpu_ms_per_msg']} ms/msg), "
        f"clients {figures['client_cpu_pct']}% "
        f"{'ok' if figures['passed'] else 'FAILED'}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taxpayers", type=int, default=500)
    parser.add_argument(
        "--rates",
        default=",".join(map(str, RATES)),
        help="total stored messages a second to step through, comma-separated, rising",
    )
    parser.add_argument("--step-seconds", type=float, default=20.0)
    parser.add_argument("--p99-ms", type=float, default=100.0, help="the bound on p99, both ways")
    add_deployment_options(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON line at the end")
    args = parser.parse_args()
    if args.processes > 1 and args.store != "postgres":
        parser.error("--processes above 1 needs --store postgres")
    rates = [float(r) for r in args.rates.split(",")]
    exit_on_sigterm()
    load = Load.from_args(args)
    try:
        if not args.json:
            print(f"{args.taxpayers} conversations set up in {load.setup_s:.1f}s", flush=True)
        result = saturate(
            load,
            rates,
            args.step_seconds,
            args.p99_ms,
            report=None if args.json else lambda f: print(_line(f), flush=True),
        )
    finally:
        load.close()
    result.update(
        taxpayers=args.taxpayers,
        setup_s=round(load.setup_s, 1),
        p99_bound_ms=args.p99_ms,
        step_seconds=args.step_seconds,
        **load.deployment.describe(),
    )
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"saturation: {result['saturation_msg_per_s']:g} stored messages a second with p99 "
        f"<= {args.p99_ms:g} ms both ways ({args.store}, {args.processes} process(es)); "
        f"machine: {result['python_ms']:g} ms of Python, fsync p50 {result['fsync_p50_ms']:g} ms"
    )


if __name__ == "__main__":
    main()
