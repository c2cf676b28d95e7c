"""How heavy the widget is for a host page: the loader's gzipped size, the gzipped JavaScript
fetched from first paint to an open window, and the main-thread time the loader adds to a blank
page.

    python bench/widget_weight.py [--runs 15]

Starts its own server.py (demo data) and Debian's Chromium; prints figures, asserts nothing (not a
test). Budgets (issue 3): loader <= 4 KB gzipped, open window <= 35 KB gzipped JavaScript in total.
"""

import argparse
import gzip
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.support import ServerProcess, tin  # noqa: E402
from widget import assets  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
LONG_TASKS = """
    window.__long = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__long.push(e.duration);
    }).observe({type: 'longtask', buffered: true});
"""


def gz(data):
    return len(gzip.compress(data, 9))


def blank_page(server_url, with_loader, token):
    script = (
        f'<script src="{server_url}/widget.js" data-site="demo" data-token="{token}" async>'
        "</script>"
        if with_loader
        else ""
    )
    head = "<head><meta charset='utf-8'><title>blank</title></head>"
    return f"<!doctype html><html>{head}<body>{script}</body></html>"


def serving(html):
    """Return a route handler that answers with html."""
    return lambda route: route.fulfill(body=html, content_type="text/html")


def main_thread_cost(browser, server, runs):
    """Median script time, task time and total blocking time of a blank page, with and without the
    loader."""
    token = server.mint(tin(9_000_001))
    results = {}
    for with_loader in (False, True):
        script_ms, task_ms, tbt_ms = [], [], []
        for _ in range(runs):
            context = browser.new_context()
            context.add_init_script(LONG_TASKS)
            page = context.new_page()
            html = blank_page(server.url, with_loader, token)
            page.route(f"{server.url}/blank", serving(html))
            cdp = context.new_cdp_session(page)
            cdp.send("Performance.enable")
            page.goto(f"{server.url}/blank", wait_until="load")
            if with_loader:
                page.wait_for_function(
                    "() => window.Zhengna && document.querySelector('#zhengna-root')"
                )
            page.wait_for_timeout(300)  # let any trailing task finish before reading the counters
            metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
            script_ms.append(metrics["ScriptDuration"] * 1000)
            task_ms.append(metrics["TaskDuration"] * 1000)
            tbt_ms.append(sum(max(0.0, d - 50) for d in page.evaluate("window.__long")))
            context.close()
        results[with_loader] = (
            statistics.median(script_ms),
            statistics.median(task_ms),
            statistics.median(tbt_ms),
        )
    return results


def open_window_js(browser, server):
    """Every JavaScript response from navigation to an open, connected window: [(url, bytes,
    gzipped)]."""
    context = browser.new_context()
    page = context.new_page()
    fetched = []

    def on_response(response):
        url = response.url
        if url.endswith(".js") or "javascript" in (response.headers.get("content-type") or ""):
            body = response.body()
            fetched.append(
                (
                    url.replace(server.url, ""),
                    len(body),
                    gz(body),
                    response.headers.get("content-encoding", ""),
                )
            )

    page.on("response", on_response)
    page.goto(f"{server.url}/demo?taxpayer={tin(9_000_002)}")
    page.locator('[data-testid="zn-launcher"]').click()
    page.locator('[data-testid="zn-panel"][data-state="bot"]').wait_for()
    page.wait_for_load_state("networkidle")
    context.close()
    return fetched


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--runs", type=int, default=15, help="page loads per variant for the main-thread figure"
    )
    args = parser.parse_args()
    loader = ROOT / "static/js/widget.js"
    served = assets.served(str(loader))  # what a host page gets: comments and layout taken out
    print(
        f"loader static/js/widget.js: {loader.stat().st_size} B as written, {len(served.body)} B "
        f"served, {len(served.gzipped)} B gzipped (budget 4096)"
    )
    modules = sorted((ROOT / "static/js/zn").glob("*.js")) + sorted(
        (ROOT / "static/js/shared").glob("*.js")  # the base the widget shares with the console
    )
    served_modules = [assets.served(str(p)) for p in modules]
    print(
        f"modules static/js/zn/*.js and shared/*.js as served: {len(modules)} files, "
        f"{sum(len(m.gzipped) for m in served_modules)} B gzipped one by one, "
        f"{gz(b''.join(m.body for m in served_modules))} B gzipped together"
    )
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(
            Path(tmp) / "data", env={"ZHENGNA_HTTP_RATE_LIMIT": "100000 per minute"}
        )
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM)
                fetched = open_window_js(browser, server)
                total = sum(s[2] for s in fetched)
                print(
                    "JavaScript fetched from first paint to an open window: "
                    f"{len(fetched)} responses, {sum(s[1] for s in fetched)} B, "
                    f"{total} B gzipped (budget 35840)"
                )
                for url, size, packed, encoding in fetched:
                    sent_as = encoding or "identity"
                    print(f"  {url:32} {size:6} B  {packed:5} B gzipped  served {sent_as}")
                cost = main_thread_cost(browser, server, args.runs)
                base, with_loader = cost[False], cost[True]
                print(
                    f"blank host page, median of {args.runs} loads "
                    "(script ms / task ms / total blocking ms):"
                )
                print(f"  without the loader: {base[0]:.1f} / {base[1]:.1f} / {base[2]:.1f}")
                script, task, blocking = with_loader
                print(f"  with the loader:    {script:.1f} / {task:.1f} / {blocking:.1f}")
                print(
                    f"  the loader adds:    {with_loader[0] - base[0]:.1f} ms script, "
                    f"{with_loader[1] - base[1]:.1f} ms main-thread tasks, "
                    f"{with_loader[2] - base[2]:.1f} ms blocking time"
                )
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
