"""axe-core scans: serious and critical violations fail the test."""

from pathlib import Path


def _load_axe(page, axe_path):
    """Put axe-core into the page by evaluating its source (an inline <script> tag would break the
    console's Content-Security-Policy, script-src 'self', which these pages must keep)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(Path(axe_path).read_text() + "\n;undefined")


def scan_widget(page, axe_path, state):
    """Run axe-core on the widget; return serious and critical violations."""
    _load_axe(page, axe_path)
    result = page.evaluate("""async () => {
        const r = await axe.run({include: [['#zhengna-root']]}, {resultTypes: ['violations']});
        return r.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          nodes: v.nodes.map((n) => n.target.join(' ') + ' ' + n.failureSummary),
        }));
      }""")
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"{state}: {bad}"
    return result


def scan_page(page, axe_path, where):
    """Run axe-core on the page; fail on serious and critical violations."""
    _load_axe(page, axe_path)
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
        }));
      }""")
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"{where}: {bad}"
