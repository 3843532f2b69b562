"""Checks keyturn's exports against docs/compliance.md §6 and prints what they hold.

Usage:
  exports.py csv FILE    RFC 4180 (CRLF after every record, the last one too; a field with a
                         comma, quote, CR or LF quoted, its quotes doubled; no other field quoted
                         is fine, an unquoted field with one of those is not), UTF-8 without a
                         byte-order mark, the header of §6 in order, 20 fields on every line, and
                         no field starting with = + - @ TAB or CR (formula injection: such a value
                         gets a leading '). Prints a JSON list of row dicts (Python's csv module).
  exports.py results-csv FILE
                         the same checks for a bulk run's results (docs/bulk.md §5): its nine
                         columns (account, region, key_id, key_arn, label, action, sent, outcome,
                         detail) in order. Prints a JSON list of row dicts.
  exports.py json FILE   validates against export-schema.json (JSON Schema 2020-12); prints the
                         document.

Exits 1 with a message naming the first violation.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

COLUMNS = [
    "account", "region", "key_id", "key_arn", "aliases", "description", "key_manager", "key_spec",
    "origin", "key_state", "multi_region", "auto_rotation", "rotation_period_days", "next_rotation",
    "on_demand_used", "on_demand_remaining", "last_rotation", "material_age_days", "verdict",
    "reasons",
]
RESULT_COLUMNS = ["account", "region", "key_id", "key_arn", "label", "action", "sent", "outcome", "detail"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SCHEMA = Path(__file__).with_name("export-schema.json")


def fail(message: str) -> None:
    print(f"exports.py: {message}", file=sys.stderr)
    sys.exit(1)


def strict_records(text: str) -> list[list[str]]:
    """Tokenises RFC 4180 strictly (section 2), so that what Python's lenient reader would accept
    is still checked: records end with CRLF, quotes only around whole fields."""
    records: list[list[str]] = []
    record: list[str] = []
    i, n, line = 0, len(text), 1
    while i < n:
        if text[i] == '"':
            # A quoted field: up to the closing quote; "" is one quote.
            j = i + 1
            value = []
            while True:
                if j >= n:
                    fail(f"line {line}: a quoted field is never closed")
                c = text[j]
                if c == '"':
                    if j + 1 < n and text[j + 1] == '"':
                        value.append('"')
                        j += 2
                        continue
                    j += 1
                    break
                if c == "\n":
                    line += 1
                value.append(c)
                j += 1
            field = "".join(value)
            i = j
        else:
            j = i
            while j < n and text[j] not in ',\r\n"':
                j += 1
            if j < n and text[j] == '"':
                fail(f"line {line}: a quote inside an unquoted field: {text[i:j + 1]!r}")
            field = text[i:j]
            i = j
        record.append(field)
        if i >= n:
            fail(f"line {line}: the last record does not end with CRLF")
        if text[i] == ",":
            i += 1
            if i >= n:
                fail(f"line {line}: the file ends after a comma")
            continue
        if text.startswith("\r\n", i):
            records.append(record)
            record = []
            i += 2
            line += 1
            continue
        if text[i] == "\n":
            fail(f"line {line}: a bare LF ends a record (CRLF wanted)")
        if text[i] == "\r":
            fail(f"line {line}: a bare CR ends a record (CRLF wanted)")
        fail(f"line {line}: unexpected {text[i]!r} after a field")
    return records


def check_csv(path: Path, columns: list[str] = COLUMNS) -> list[dict]:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        fail("the CSV starts with a UTF-8 byte-order mark")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        fail(f"the CSV is not UTF-8: {e}")
    if not text:
        fail("the CSV is empty")
    records = strict_records(text)
    if records[0] != columns:
        fail(f"the header is {records[0]}, not {columns}")
    for number, record in enumerate(records[1:], start=2):
        if len(record) != len(columns):
            fail(f"record {number} has {len(record)} fields, not {len(columns)}: {record}")
        for name, value in zip(columns, record):
            if value.startswith(FORMULA_STARTS):
                fail(f"record {number}, {name}: {value!r} starts like a formula (no leading ')")

    # What a consumer gets: Python's csv module, as the brief asks (utf-8, newline='').
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        parsed = list(reader)
    if parsed != records:
        fail("Python's csv module reads the file differently from RFC 4180")
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def check_json(path: Path) -> dict:
    try:
        import jsonschema
    except ImportError:
        fail("jsonschema is not installed (run with the repository's .venv python)")
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        fail("the JSON starts with a UTF-8 byte-order mark")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        fail(f"the JSON export does not parse: {e}")
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        shown = "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors[:10])
        fail(f"{len(errors)} schema violation(s): {shown}")
    return doc


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] not in ("csv", "results-csv", "json"):
        fail(__doc__.strip())
    path = Path(sys.argv[2])
    if not path.is_file():
        fail(f"no file {path}")
    kind = sys.argv[1]
    if kind == "json":
        out = check_json(path)
    else:
        out = check_csv(path, RESULT_COLUMNS if kind == "results-csv" else COLUMNS)
    json.dump(out, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
