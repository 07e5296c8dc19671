"""List and fill the English catalogue's untranslated and fuzzy entries.

Japanese is the source language and English the one catalogue; after ``make messages`` new strings
arrive with an empty ``msgstr`` and changed ones come back ``#, fuzzy`` with the old translation, which
gettext then ignores. This tool reads the ``.po`` file itself (no polib/babel in the project) so a
translator can see exactly what is left and write translations back in batches:

    python scripts/po_todo.py list [--json]           # what is empty or fuzzy
    python scripts/po_todo.py apply translations.json # {"msgid": "msgstr" | ["singular", "plural"]}

``apply`` only touches the entries named in the JSON file, writes their ``msgstr``, drops the fuzzy
flag and the ``#|`` previous-msgid lines, and refuses a translation whose placeholders differ from the
source's.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PO = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdif]|%[sdif]|\{[^{}]*\}")


@dataclass
class Entry:
    """One catalogue entry, with the raw lines kept so untouched entries are written back unchanged."""

    lines: list[str]
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    obsolete: bool = False

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def empty(self) -> bool:
        return not self.msgstr or any(value == "" for value in self.msgstr.values())

    def needs_work(self) -> bool:
        return not self.is_header and not self.obsolete and (self.fuzzy or self.empty)


def _unquote(text: str) -> str:
    body = text.strip()
    if not (body.startswith('"') and body.endswith('"')):
        raise ValueError(f"not a quoted PO string: {text!r}")
    body = body[1:-1]
    out = []
    i = 0
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            out.append(escapes.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")
    return f'"{escaped}"'


def parse_block(lines: list[str]) -> Entry:
    """Parses one blank-line separated block of a PO file."""
    entry = Entry(lines=lines)
    current: tuple[str, int | None] | None = None
    for raw in lines:
        line = raw
        if line.startswith("#~"):
            entry.obsolete = True
            line = line[2:].lstrip()
            if not line:
                continue
        elif line.startswith("#,"):
            entry.flags.extend(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        elif line.startswith("#"):
            continue
        if line.startswith('"'):
            if current is None:
                raise ValueError(f"continuation without keyword: {raw!r}")
            _append(entry, current, _unquote(line))
            continue
        keyword, _, rest = line.partition(" ")
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if match:
            current = ("msgstr", int(match.group(1)))
        elif keyword in {"msgctxt", "msgid", "msgid_plural", "msgstr"}:
            current = (keyword, 0 if keyword == "msgstr" else None)
        else:
            raise ValueError(f"unknown PO line: {raw!r}")
        _start(entry, current)
        _append(entry, current, _unquote(rest))
    return entry


def _start(entry: Entry, current: tuple[str, int | None]) -> None:
    name, index = current
    if name == "msgstr":
        entry.msgstr[index or 0] = ""
    elif name == "msgctxt":
        entry.msgctxt = ""
    elif name == "msgid_plural":
        entry.msgid_plural = ""


def _append(entry: Entry, current: tuple[str, int | None], text: str) -> None:
    name, index = current
    if name == "msgstr":
        entry.msgstr[index or 0] += text
    elif name == "msgctxt":
        entry.msgctxt = (entry.msgctxt or "") + text
    elif name == "msgid":
        entry.msgid += text
    else:
        entry.msgid_plural = (entry.msgid_plural or "") + text


def read_po(path: Path) -> list[Entry]:
    """Returns every entry of the catalogue, header first."""
    blocks: list[list[str]] = [[]]
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [parse_block(block) for block in blocks if block]


def pending(path: Path = DEFAULT_PO) -> list[Entry]:
    """Entries whose msgstr is empty or marked fuzzy (the header excluded)."""
    return [entry for entry in read_po(path) if entry.needs_work()]


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def _render(entry: Entry, translation: str | list[str]) -> list[str]:
    """The entry's lines with the new msgstr, without the fuzzy flag or previous-msgid comments."""
    out = []
    for line in entry.lines:
        if line.startswith("msgstr"):
            break  # msgstr lines (and their continuations) always end an entry
        if line.startswith("#|"):
            continue
        if line.startswith("#,"):
            flags = [flag for flag in entry.flags if flag != "fuzzy"]
            if flags:
                out.append("#, " + ", ".join(flags))
            continue
        out.append(line)
    if entry.msgid_plural is not None:
        forms = translation if isinstance(translation, list) else [translation, translation]
        out.extend(f"msgstr[{i}] {_quote(text)}" for i, text in enumerate(forms))
    else:
        if isinstance(translation, list):
            raise ValueError(f"plural given for a singular entry: {entry.msgid!r}")
        out.append(f"msgstr {_quote(translation)}")
    return out


def apply(path: Path, translations: dict[str, str | list[str]]) -> tuple[int, list[str]]:
    """Writes the given translations into the catalogue; returns (entries written, problems)."""
    text = path.read_text(encoding="utf-8")
    blocks = text.split("\n\n")
    problems = []
    written = 0
    seen = set()
    for i, block in enumerate(blocks):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        entry = parse_block(lines)
        if entry.is_header or entry.obsolete or entry.msgid not in translations:
            continue
        translation = translations[entry.msgid]
        seen.add(entry.msgid)
        forms = translation if isinstance(translation, list) else [translation]
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        wanted = placeholders(entry.msgid)
        if any(not form.strip() for form in forms):
            problems.append(f"empty translation: {entry.msgid!r}")
            continue
        if any(placeholders(form) != wanted for form in forms) and not (
            entry.msgid_plural
            and any(placeholders(form) == placeholders(src) for form in forms for src in sources)
        ):
            problems.append(f"placeholders differ: {entry.msgid!r} -> {forms!r}")
            continue
        if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", "".join(forms)):
            problems.append(f"Japanese left in translation: {entry.msgid!r} -> {forms!r}")
            continue
        blocks[i] = "\n".join(_render(entry, translation))
        written += 1
    problems.extend(f"not in catalogue: {msgid!r}" for msgid in translations if msgid not in seen)
    path.write_text("\n\n".join(blocks), encoding="utf-8")
    return written, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--po", type=Path, default=DEFAULT_PO)
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list")
    listing.add_argument("--json", action="store_true")
    filling = sub.add_parser("apply")
    filling.add_argument("translations", type=Path)
    args = parser.parse_args(argv)

    if args.command == "list":
        todo = pending(args.po)
        if args.json:
            rows = [
                {
                    "msgid": e.msgid,
                    "msgid_plural": e.msgid_plural,
                    "fuzzy": e.fuzzy,
                    "old": e.msgstr.get(0, ""),
                    "refs": " ".join(line[2:].strip() for line in e.lines if line.startswith("#:")),
                }
                for e in todo
            ]
            json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
            print()
        else:
            for e in todo:
                state = "fuzzy" if e.fuzzy else "empty"
                print(f"[{state}] {e.msgid!r}" + (f" (plural {e.msgid_plural!r})" if e.msgid_plural else ""))
            print(f"{len(todo)} entries need a translation", file=sys.stderr)
        return 1 if todo else 0

    translations = json.loads(args.translations.read_text(encoding="utf-8"))
    written, problems = apply(args.po, translations)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{written} entries written", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
