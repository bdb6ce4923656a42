"""Inputs and helpers for the `dropkit sql` tests (test_sql_duckdb.py, test_sql_spark.py).

These tests need only the `dropkit` binary: it writes the SQL (`dropkit sql`) and gives the
answers the SQL must reproduce (`dropkit hash`). The inputs are the official vectors and
100,000 generated values per kind, made to hit every corner of the rules: Unicode whitespace,
mixed case, letters engines lowercase differently, non-ASCII text, hyphens, leading zeros, too
short and too long values.
"""

from __future__ import annotations

import csv
import io
import random
import subprocess
import sys
from typing import Dict, List, Optional, Sequence, Tuple

from vectors import COMPOSITE_VECTORS, FIELD_VECTORS

#: The column the values are stored in: a name that needs quoting in every dialect.
COLUMN = 'Raw "value" `x`'

#: The kinds `dropkit sql` writes, with the `dropkit hash` kind that answers them.
KINDS = ["email", "phone", "dob", "zip", "maid", "ctvid", "vin", "name"]

#: How many generated values per kind (the issue asks for 100,000).
GENERATED = 100_000

# Pieces values are made of. No line breaks: `dropkit hash` reads one value per line.
PIECES = [
    "a", "B", "z", "Q", "x", "E", "f", "0", "0", "00", "1", "9", "5", "-", "-", " ", "\t",
    "\x0b", "\x0c", "\x85", "\xa0", "\u1680", "\u2003", "\u2028", "\u2029", "\u202f", "\u3000",
    "\u200b", "\ufeff", "@", ".", "+", "_", "'", '"', "\\", "%", ",", "É", "é", "ß", "İ", "ı",
    "Σ", "ΑΣ", "ς", "Ω", "Ж", "ж", "Ǆ", "ǅ", "ẞ", "Ⅻ", "Ａ", "Ⓐ", "Ა", "ა", "\U00010570",
    "\U00010d50", "\U00016ea0", "\ua7c0", "김", "東京", "١٢", "😀", "\u0301", "ﬁ",
]
AN = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
HEX = "0123456789abcdefABCDEF"


def _text(rng: random.Random, max_pieces: int) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, max_pieces)))


def _chars(rng: random.Random, n: int, alphabet: str) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _noise(rng: random.Random) -> str:
    return rng.choice(PIECES) if rng.random() < 0.33 else ""


def generated_value(rng: random.Random, kind: str) -> str:
    """One value shaped like `kind`'s (a template with noise), or free random text."""
    if rng.random() < 0.33:
        return _text(rng, 24)
    if kind == "email":
        core = (
            _chars(rng, rng.randint(1, 8), AN) + _noise(rng) + rng.choice([".", "+tag", "", "É", "Σ"])
            + "@" + _text(rng, 4) + "." + rng.choice(["com", "COM", "fr", "Σ"])
        )
    elif kind == "phone":
        core = (
            rng.choice(["+1", "", "+84", "00"]) + "(" + _chars(rng, rng.randint(0, 3), "0123456789")
            + ")" + _noise(rng) + _chars(rng, rng.randint(0, 4), "0123456789") + "-"
            + _chars(rng, rng.randint(0, 5), "0123456789")
        )
    elif kind == "zip":
        core = (
            "0" * rng.randint(0, 3) + _chars(rng, rng.randint(0, 7), AN) + _noise(rng)
            + rng.choice(["", "-1234", "-", " 1A1"])
        )
    elif kind == "maid":
        s = _chars(rng, rng.randint(28, 35), HEX)
        if rng.random() < 0.5:
            s = s[:8] + "-" + s[8:12] + "-" + s[12:]
        core = _noise(rng) + s + _noise(rng)
    elif kind == "vin":
        core = _chars(rng, rng.randint(14, 19), AN) + _noise(rng)
    elif kind == "ctvid":
        core = _chars(rng, rng.randint(5, 34), AN) + rng.choice(["_", "", "-"]) + _noise(rng)
    elif kind == "dob":
        y, m, d = _chars(rng, 4, "0123456789"), rng.randint(0, 13), rng.randint(0, 32)
        core = rng.choice(
            [f"{y}-{m:02}-{d:02}", f"{y}{m:02}{d:02}", f"{_noise(rng)}{y}-{m:02}-{d:02}{_noise(rng)}",
             f"{y}/{m:02}/{d:02}", f"19{rng.randint(0, 99):02}-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}"]
        )
    else:  # name
        core = _chars(rng, rng.randint(1, 8), AN) + rng.choice(["", " ", "-", "'", "É", "ß", ","]) + _chars(
            rng, rng.randint(0, 5), AN
        )
    if rng.random() < 0.25:
        core = rng.choice(PIECES) + core + rng.choice(PIECES)
    return core


def values_for(kind: str, seed: int = 2026) -> List[str]:
    """The official vectors of `kind` first, then GENERATED values."""
    field_kinds = {"name": ("first_name", "last_name")}.get(kind, (kind,))
    vectors = [v[1] for v in FIELD_VECTORS if v[0] in field_kinds]
    rng = random.Random(f"{seed}-{kind}")
    return vectors + [generated_value(rng, kind) for _ in range(GENERATED)]


def every_code_point(step: int = 1) -> List[str]:
    """`X{c}Σ` for every code point c (every `step`th one) but the surrogates and line breaks."""
    out = []
    for cp in range(0, 0x110000, step):
        if 0xD800 <= cp <= 0xDFFF or cp in (0x0A, 0x0D):
            continue
        out.append(f"X{chr(cp)}Σ")
    return out


def cased_code_points() -> List[str]:
    """`X{c}Σ` for the code points whose case or whitespace matters: every character Python
    knows as cased or whitespace, every character of the blocks where Unicode added case pairs
    recently (which this Python may not know yet), and every 97th other one."""
    recent = [(0x1C80, 0x1CBF), (0x2C2F, 0x2C2F), (0xA7B8, 0xA7FF), (0x10570, 0x105BF),
              (0x10D40, 0x10D8F), (0x16E40, 0x16EDF), (0x0130, 0x0130), (0x03A3, 0x03A3)]
    out = []
    for cp in range(1, 0x110000):
        if 0xD800 <= cp <= 0xDFFF or cp in (0x0A, 0x0D):
            continue
        c = chr(cp)
        if (
            c.lower() != c or c.upper() != c or c.isspace() or cp % 97 == 0
            or any(a <= cp <= b for a, b in recent)
        ):
            out.append(f"X{c}Σ")
    return out


def cli_answers(binary: str, kind: str, values: Sequence[str]) -> List[Tuple[Optional[str], Optional[str]]]:
    """`dropkit hash KIND` over values: (standardized, hash), or (None, None) where it refuses."""
    data = "".join(f"{v}\n" for v in values).encode()
    run = subprocess.run([binary, "hash", kind], input=data, capture_output=True, check=True)
    lines = run.stdout.decode().split("\n")
    assert lines[-1] == "", "no final newline"
    lines = lines[:-1]
    assert len(lines) == len(values), f"{kind}: {len(lines)} answers for {len(values)} values"
    out: List[Tuple[Optional[str], Optional[str]]] = []
    for line in lines:
        text, hashed = line.split("\t", 1)
        out.append((None, None) if text == "ERROR" else (text, hashed))
    return out


def composite_answers(binary: str, kind: str, rows: Sequence[Sequence[str]]) -> List[Optional[str]]:
    """`dropkit hash ndz|namevin` over CSV records: the composite hash, or None."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    run = subprocess.run([binary, "hash", kind], input=buf.getvalue().encode(), capture_output=True, check=True)
    lines = run.stdout.decode().splitlines()
    assert len(lines) == len(rows)
    return [None if l.startswith("ERROR\t") else l.split("\t", 1)[1] for l in lines]


def people(seed: int = 7, n: int = 20_000) -> List[Tuple[str, str, str, str, str]]:
    """(first, last, dob, zip, vin) rows: the official composite vectors, then generated ones."""
    rng = random.Random(seed)
    rows = [
        ("Danielle", "Johnson", "1985-07-04", "91790", "1HGCM82633A004352"),
        ("Eve", "Genesis", "19850704", "91790", "1HGCM82633A004352"),
    ]
    for _ in range(n):
        dob = (
            generated_value(rng, "dob") if rng.random() < 0.25
            else f"19{rng.randint(0, 99):02}-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}"
        )
        rows.append((generated_value(rng, "name"), generated_value(rng, "name"), dob,
                     generated_value(rng, "zip"), generated_value(rng, "vin")))
    return rows


def expected_composites(binary: str, rows) -> Dict[str, List[Optional[str]]]:
    """What `dropkit sql --ascii-names` must give: dropkit's hash where both names are ASCII,
    NULL where either is not (SQL cannot standardize it) or dropkit refuses the record."""
    ndz = composite_answers(binary, "ndz", [r[:4] for r in rows])
    name_vin = composite_answers(binary, "namevin", [(r[0], r[1], r[4]) for r in rows])
    ascii_ok = [r[0].isascii() and r[1].isascii() for r in rows]
    return {
        "ndz": [h if ok else None for h, ok in zip(ndz, ascii_ok)],
        "namevin": [h if ok else None for h, ok in zip(name_vin, ascii_ok)],
    }


def sql(binary: str, dialect: str, kind: str, columns: Sequence[str], standardize: bool = False) -> str:
    """`dropkit sql`'s expression (names allowed as ASCII-only)."""
    args = [binary, "sql", kind, "--dialect", dialect, "--ascii-names"]
    for c in columns:
        args += ["--column", c]
    if standardize:
        args.append("--standardize")
    run = subprocess.run(args, capture_output=True, check=True)
    return run.stdout.decode().strip()


def expected_for(binary: str, kind: str, values: Sequence[str]):
    """dropkit's answers, with names that are not ASCII answered NULL (`--ascii-names`)."""
    answers = cli_answers(binary, kind, values)
    if kind == "name":
        answers = [a if v.isascii() else (None, None) for a, v in zip(answers, values)]
    return answers


def differences(kind: str, values, got, want, limit: int = 20) -> str:
    """A readable list of the first rows where SQL and dropkit differ ('' when none)."""
    wrong = [f"{v!r}: SQL {g!r}, dropkit {w!r}" for v, g, w in zip(values, got, want) if g != w]
    if not wrong:
        return ""
    return f"{kind}: {len(wrong)} of {len(values)} differ:\n" + "\n".join(wrong[:limit])


def refused_kinds(binary: str) -> List[Tuple[str, int, str]]:
    """(kind, exit code, stderr) of `dropkit sql` for names without --ascii-names."""
    out = []
    for kind, columns in [("name", ["n"]), ("ndz", ["f", "l", "d", "z"]), ("namevin", ["f", "l", "v"])]:
        args = [binary, "sql", kind, "--dialect", "duckdb"]
        for c in columns:
            args += ["--column", c]
        run = subprocess.run(args, capture_output=True)
        out.append((kind, run.returncode, run.stderr.decode() + run.stdout.decode()))
    return out


if __name__ == "__main__":  # pragma: no cover - a look at the inputs
    for k in KINDS:
        print(k, values_for(k)[:8], file=sys.stderr)
