"""HTML building blocks of the reports: the page shell (inline CSS, no external
resources), fact lists, stat cards, escaped tables, and writing the file."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Final

import pandas as pd

from tradegraph import __version__
from tradegraph.core.errors import ValidationError

Formatter = Callable[[object], str]

_CSS: Final = """
*{box-sizing:border-box}
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
margin:0;padding:24px 32px;color:#1d2733;background:#fafbfc}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
.facts{color:#52606d;font-size:13px;margin:0 0 16px;display:flex;flex-wrap:wrap;gap:4px 18px}
.facts b{color:#1d2733;font-weight:600}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:8px}
.card{background:#fff;border:1px solid #e4e7eb;border-radius:6px;padding:8px 12px}
.card .label{font-size:12px;color:#52606d}.card .value{font-size:17px;font-weight:600}
.note{font-size:13px;color:#52606d;background:#fff8e1;border:1px solid #ffe082;
border-radius:6px;padding:6px 10px;margin:10px 0}
.panel{background:#fff;border:1px solid #e4e7eb;border-radius:6px;padding:6px;margin-top:8px}
.scroll{max-height:560px;overflow:auto;border:1px solid #e4e7eb;border-radius:6px}
table{border-collapse:collapse;font-size:12.5px;width:100%;background:#fff}
th,td{padding:4px 8px;border-bottom:1px solid #eef0f2;white-space:nowrap;text-align:right}
th{position:sticky;top:0;background:#f1f3f5;font-weight:600}
td.t,th.t{text-align:left}.pos{color:#1b7f5a}.neg{color:#c62828}
footer{margin-top:28px;font-size:12px;color:#7b8794}
"""


def fmt_number(value: object, digits: int = 4) -> str:
    """A number for a table cell (NaN as '-', thousands separators, ``digits`` significant)."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        if value == int(value) and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:,.{digits}g}" if abs(value) < 1e-3 else f"{value:,.{digits}f}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def fmt_pct(value: object) -> str:
    """A fraction as a percentage (0.0123 -> '1.23%')."""
    if isinstance(value, int | float) and math.isfinite(value):
        return f"{100 * value:,.2f}%"
    return fmt_number(value)


def facts(items: Iterable[tuple[str, str]]) -> str:
    """A line of ``label: value`` facts."""
    spans = "".join(f"<span>{escape(k)}: <b>{escape(v)}</b></span>" for k, v in items)
    return f'<div class="facts">{spans}</div>'


def cards(rows: Sequence[tuple[str, str]]) -> str:
    """Statistic cards (label above value)."""
    body = "".join(
        f'<div class="card"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div></div>'
        for label, value in rows
    )
    return f'<div class="cards">{body}</div>'


def note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'


def table(
    frame: pd.DataFrame,
    *,
    formats: Mapping[str, Formatter] | None = None,
    text_columns: Sequence[str] = (),
    signed: Sequence[str] = (),
    table_id: str | None = None,
) -> str:
    """``frame`` as an escaped HTML table. ``formats`` maps columns to formatters;
    ``signed`` columns are coloured by sign; ``text_columns`` are left-aligned."""
    formats = formats or {}
    columns = [str(c) for c in frame.columns]
    head = "".join(
        f'<th class="t">{escape(c)}</th>' if c in text_columns else f"<th>{escape(c)}</th>"
        for c in columns
    )
    rows = []
    for values in frame.itertuples(index=False, name=None):
        cells = []
        for column, value in zip(columns, values, strict=True):
            text = formats.get(column, fmt_number)(value)
            classes = []
            if column in text_columns:
                classes.append("t")
            if column in signed and isinstance(value, int | float) and value != 0:
                classes.append("pos" if value > 0 else "neg")
            attr = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{attr}>{escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    ident = f' id="{escape(table_id)}"' if table_id else ""
    return (
        f'<div class="scroll"><table{ident}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def page(title: str, body: Sequence[str]) -> str:
    """A complete, self-contained HTML document."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + f"\n<footer>tradegraph {escape(__version__)} · self-contained report: plotly.js is "
        "embedded, no network needed · zoom: drag or scroll, double-click to reset</footer>\n"
        "</body>\n</html>\n"
    )


def write_html(path: Path | str, html: str) -> Path:
    """Write ``html`` to ``path`` (creating parent folders); returns the absolute path."""
    target = Path(path).expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise ValidationError(
            f"Cannot write the report to {target}: {exc.strerror or exc}.",
            hint="Choose a writable path, e.g. --report reports/backtest.html.",
        ) from exc
    return target.resolve()


__all__ = [
    "cards",
    "facts",
    "fmt_number",
    "fmt_pct",
    "note",
    "page",
    "table",
    "write_html",
]
