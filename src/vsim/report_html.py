"""HTML pieces of vsim's reports: tables, embedded plots, collapsible text, numbers."""

from __future__ import annotations

import base64
import hashlib
import html
import io
import math
from pathlib import Path

import pandas as pd

from vsim.loading import ScenarioError

MAX_ROWS = 60  # rows of a table shown in a report


def read_table_file(path: Path) -> pd.DataFrame:
    """A Parquet or CSV table file."""
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    # labels stay text: a scenario named "2024" is a label, not a number
    return pd.read_csv(path, dtype={"scenario": str, "intervention": str})


def find_table(name: str, folder: Path) -> pd.DataFrame | None:
    """The folder's table ``name`` (Parquet or CSV), or None."""
    for suffix in (".parquet", ".csv"):
        path = folder / f"{name}{suffix}"
        if path.exists():
            return read_table_file(path)
    return None


def html_table(df: pd.DataFrame, caption: str = "", max_rows: int = MAX_ROWS) -> str:
    """A table as HTML (its first ``max_rows`` rows), with an optional caption."""
    shown = df.head(max_rows)
    more = (f"<p class='note'>first {max_rows} of {len(df):,} rows</p>"
            if len(df) > max_rows else "")
    cap = f"<h3>{html.escape(caption)}</h3>" if caption else ""
    return cap + shown.to_html(index=False, float_format=_table_number, border=0,
                               na_rep="") + more


def _table_number(value: float) -> str:
    """Numbers in a report table: whole with separators from 1,000 (never 7.49e+05)."""
    if not math.isfinite(value):
        return "∞" if value > 0 else ("−∞" if value < 0 else "")
    return f"{value:,.0f}" if abs(value) >= 1_000 else f"{value:,.3g}"


def embed_png(path_or_fig) -> str:
    """A PNG file or a matplotlib figure as an embedded image."""
    if isinstance(path_or_fig, Path):
        data = path_or_fig.read_bytes()
    else:
        buf = io.BytesIO()
        path_or_fig.savefig(buf, format="png", dpi=100)
        data = buf.getvalue()
    return f"<img src='data:image/png;base64,{base64.b64encode(data).decode()}'>"


def text_or_note(path: Path) -> str:
    """A text file's contents; ScenarioError naming the file if it is missing or unreadable."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(str(path.parent), [f"{path.name} is missing"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), [f"cannot be read as text ({exc})"]) from None


def file_sha256(path: Path) -> str:
    """The sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def details_html(summary: str, text: str) -> str:
    """Collapsible preformatted text."""
    return (f"<details><summary>{html.escape(summary)}</summary>"
            f"<pre>{html.escape(text)}</pre></details>")


def format_value(value) -> str:
    """A number for a report table ('–' when missing or not finite)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:,.4g}"


def format_interval(mean, low, high) -> str:
    """``mean [low, high]``."""
    return f"{format_value(mean)} [{format_value(low)}, {format_value(high)}]"
