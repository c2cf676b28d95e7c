"""Server-drawn SVG bar charts for the reports page (each also shown as a table beside it)."""

from xml.sax.saxutils import escape, quoteattr

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 28, 44  # room for the value axis, the legend and the labels
COLOURS = ("#1f5fa8", "#3c8d3f", "#b3261e")  # blue, green, red: 4.5:1 or more on white


def _nice_top(value: float) -> float:
    """Return the top of the value axis: four equal steps of 1, 2 or 5 times a power of ten."""
    step = 1.0
    while step * 4 < value:
        for factor in (2, 2.5, 2):  # 1 -> 2 -> 5 -> 10 -> 20 ...
            step *= factor
            if step * 4 >= value:
                break
    return step * 4


def bars(title: str, labels: list[str], series: list[tuple[str, list[float]]]) -> str:
    """Return an SVG of grouped bars: one group per label, one bar per series, with a legend."""
    top = _nice_top(max((v for _, values in series for v in values), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group = plot_w / max(1, len(labels))
    bar = max(1.0, group * 0.8 / max(1, len(series)))
    every = max(1, round(len(labels) / 12))  # at most about a dozen labels under the axis
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label={quoteattr(title)}>',
        f"<title>{escape(title)}</title>",
        '<rect width="100%" height="100%" fill="#fff"/>',
    ]
    for i in range(5):  # gridlines with their values
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#333">{value:g}</text>'
        )
    for g, label in enumerate(labels):
        x0 = LEFT + g * group + group * 0.1
        for s, (_, values) in enumerate(series):
            height = plot_h * values[g] / top
            parts.append(
                f'<rect x="{x0 + s * bar:.1f}" y="{TOP + plot_h - height:.1f}" '
                f'width="{bar:.1f}" height="{height:.1f}" fill="{COLOURS[s % len(COLOURS)]}"/>'
            )
        if g % every == 0:
            parts.append(
                f'<text x="{LEFT + g * group + group / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'font-size="11" text-anchor="middle" fill="#333">{escape(label)}</text>'
            )
    for s, (name, _) in enumerate(series):
        x = LEFT + s * 150
        parts.append(
            f'<rect x="{x}" y="8" width="12" height="12" fill="{COLOURS[s % len(COLOURS)]}"/>'
            f'<text x="{x + 16}" y="18" font-size="12" fill="#222">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
