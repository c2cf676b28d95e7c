"""Zhengna server and its command line: serve (default), mint-token, create-agent."""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import gc  # noqa: E402
import ipaddress  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402

log = logging.getLogger("zhengna")


def _loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


COMMANDS = ("serve", "mint-token", "create-agent")


def _parser():
    parser = argparse.ArgumentParser(prog="server.py", description="Zhengna 征纳互动 service")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the service (the default command)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--demo", action="store_true", default=None, help="demo mode on a public host too"
    )
    serve.add_argument("--no-demo", dest="demo", action="store_false", help="turn demo mode off")
    mint = sub.add_parser("mint-token", help="print a host token for a person")
    mint.add_argument("--site", required=True)
    mint.add_argument("--region", required=True)
    mint.add_argument("--taxpayer", required=True)
    mint.add_argument("--name", required=True)
    mint.add_argument("--enterprise", default="演示企业有限公司")
    mint.add_argument("--sub")
    mint.add_argument(
        "--role",
        default="",
        help="the person's role in the enterprise (e.g. 开票员); a site may accept only some",
    )
    agent = sub.add_parser("create-agent", help="create a console account")
    agent.add_argument("--username", required=True)
    agent.add_argument(
        "--password",
        help="avoid: a command line is visible to every user (ps); without it the password is "
        "asked for, or read from the first line of stdin",
    )
    agent.add_argument("--centre", required=True)
    agent.add_argument("--role", default="agent", choices=("agent", "supervisor", "admin"))
    agent.add_argument("--name", help="display name (default: the username)")
    agent.add_argument(
        "--max-concurrent", type=int, default=5, help="conversations at once (default 5)"
    )
    for command in (serve, mint, agent):
        command.add_argument("--data-dir", default=os.environ.get("ZHENGNA_DATA_DIR", "var"))
    return parser


def _store(data_dir):
    from widget import config, open_store

    settings = config.load({"DATA_DIR": data_dir})
    return open_store(settings), settings


def mint_token(args, data_dir):
    """Print a host token signed with the site's active key."""
    from widget import tokens

    store, _ = _store(data_dir)
    site = store.directory.get_site(args.site)
    if site is None:
        sys.exit(f"no site {args.site!r} in {data_dir} (start the server once for the demo site)")
    if not tokens.valid_tin(args.taxpayer):
        sys.exit(f"{args.taxpayer!r} is not a valid 统一社会信用代码 or 纳税人识别号")
    if store.directory.get_region(args.region) is None:
        sys.exit(f"no region {args.region!r} is configured")
    key = next((k for k in store.directory.site_keys(args.site) if k["active"]), None)
    if key is None:
        sys.exit(f"site {args.site!r} has no active signing key")
    print(
        tokens.mint(
            args.site,
            key["kid"],
            key["secret"],
            sub=args.sub or tokens.default_sub(args.taxpayer, args.name),
            name=args.name,
            tin=args.taxpayer,
            enterprise=args.enterprise,
            region=args.region,
            lifetime=site["token_lifetime"],
            role=args.role.strip() or None,
        )
    )


def create_agent(args, data_dir):
    """Create a console account."""
    from widget import accounts

    password = args.password if args.password is not None else _read_password()
    store, _ = _store(data_dir)
    try:
        row = accounts.create_agent(
            store,
            args.username,
            password,
            args.centre,
            role=args.role,
            display_name=args.name,
            max_concurrent=args.max_concurrent,
        )
    except ValueError as exc:
        sys.exit(f"cannot create agent: {exc}")
    print(f"created {row['role']} {row['username']} in centre {row['centre_id']}")


def _read_password():
    """Return a password asked for on the terminal (twice), or the first line of stdin."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        sys.exit("cannot create agent: the two passwords differ")
    return first


def serve(args, data_dir):
    """Run the HTTP and WebSocket server until SIGTERM or SIGINT."""
    from widget import create_app, demo

    demo_on = _loopback(args.host) if args.demo is None else args.demo
    if demo_on and not _loopback(args.host):
        sys.exit(
            f"refusing --demo on {args.host}: the demo hands a signed token for any taxpayer and "
            "admin access to whoever can reach it; listen on 127.0.0.1 (or localhost) for the demo"
        )
    app = create_app({"DATA_DIR": data_dir, "DEMO": demo_on})
    app.extensions["zhengna"].service.knowledge.warm()
    gc.collect()
    # the matcher's index is built and never freed: keep it out of every later collection
    gc.freeze()
    # Collect the young generation every 10,000 new objects, not every 700: at 1,000
    # live conversations the default ran about 30 collections a second and a full one (40-55 ms,
    # the loop stopped) every few seconds; with these, GC time over a 30-s load fell from 840 to
    # 124 ms and p99 from 30 to 18 ms (BENCHMARKS.md, issue 13 session 7). Garbage that is not a
    # cycle is freed at once by its reference count either way.
    gc.set_threshold(10_000, 20, 10)
    z = app.extensions["zhengna"]
    z.sweeper.start()
    z.store.indexer.start()  # search indexing (SQLite: its own process) from where it stopped
    server = WSGIServer((args.host, args.port), app, log=None)
    # bound, so the worker knows where to send its events; serving starts once it is up
    server.init_socket()
    media_workers = _start_media_workers(app, server.server_port, data_dir)
    server.start()
    log.info(
        "Zhengna listening on http://%s:%d (data in %s, store %s, bus %s)",
        args.host,
        server.server_port,
        data_dir,
        z.store.engine.dialect.name,
        z.bus.name,
    )
    if demo_on:
        for line in demo.describe(z.demo_passwords):
            log.info("%s", line)
    stop = gevent.event.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(signum, stop.set)
    stop.wait()
    log.info("shutting down: closing connections")
    from widget.views.ws import shutdown_connections

    server.close()  # stop accepting
    shutdown_connections(app)
    z.sweeper.stop()
    for worker in media_workers:
        worker.stop()
    z.bus.close()
    z.store.dispose()
    server.stop(timeout=1)
    log.info("stopped")


def _start_media_workers(app, port, data_dir):
    """Start RTC_WORKERS media workers as child processes (RTC=child); return those that came up."""
    config = app.config
    if config["RTC"] != "child":
        return []
    from rtc.ports import free_port
    from widget.media import WorkerProcess

    secret = config["RTC_SECRET"] or secrets.token_urlsafe(24)
    config["RTC_SECRET"] = secret
    events_url = f"http://127.0.0.1:{port}/internal/rtc/events"
    ports = [
        config["RTC_PORT"] + i if config["RTC_PORT"] else free_port()
        for i in range(config["RTC_WORKERS"])
    ]
    procs = [
        WorkerProcess(
            Path(data_dir).resolve(),
            events_url,
            worker_port,
            secret,
            ice_servers=config["RTC_ICE_SERVERS"],
            loopback=config["RTC_LOOPBACK_ONLY"],
        )
        for worker_port in ports
    ]
    workers = app.extensions["zhengna"].calls.workers
    workers.secret = secret
    started = []
    for proc in procs:
        try:
            proc.wait_ready()
        except RuntimeError as exc:
            log.error("a media worker did not start: %s", exc)
            proc.stop()
            continue
        workers.add(proc.url)
        started.append(proc)
    if not started:
        log.error("video calls are off: no media worker started")
    return started


def _tighten(data_dir):
    """Take group and other access off the data dir and everything in it (older data dirs were
    created world-readable)."""
    for root, _dirs, files in os.walk(data_dir):
        for name in [root, *(os.path.join(root, f) for f in files)]:
            mode = os.lstat(name).st_mode
            if mode & 0o077 and not os.path.islink(name):
                os.chmod(name, mode & 0o700)


def main(argv=None):
    logging.basicConfig(
        level=os.environ.get("ZHENGNA_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv = ["serve", *argv]
    args = _parser().parse_args(argv)
    os.umask(0o077)  # the database, attachments and recordings: for this account only
    os.makedirs(args.data_dir, mode=0o700, exist_ok=True)
    _tighten(args.data_dir)
    {"serve": serve, "mint-token": mint_token, "create-agent": create_agent}[args.command](
        args, args.data_dir
    )


if __name__ == "__main__":
    main()
