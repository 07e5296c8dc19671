"""Reading the cells of an xlsx with python-calamine, in this process or in a memory-capped child.

No Django here: this file also runs as a script in a child process (``python extract.py <in> <out>``),
started by :func:`read_xlsx_sandboxed` with ``RLIMIT_AS`` set, so a workbook that still manages to
blow up while being parsed kills only that child, never the worker or the web server (issue 8: one
1.5 MB file held a worker at 3.5 GB for 200 s). The child writes each sheet's rows as a stream of
pickled chunks into its own file; the parent reads them back lazily, so neither side holds two copies.

calamine's habits (see STACK.md): integers come back as floats, empty cells as ``''``, merged ranges
hold their value only in the top-left cell, and ``iter_rows`` keeps leading empty rows but drops
leading empty columns (merged ranges are shifted by the sheet's start column to match).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHUNK_ROWS = 2000
#: Exit code of the child when it ran out of memory (its address space is capped).
EXIT_MEMORY = 75
#: Exit code of the child when calamine could not read the file.
EXIT_UNREADABLE = 76


@dataclass
class RawSheet:
    """One sheet as read: its name, whether Excel shows it, merged header ranges and its rows."""

    name: str
    visible: bool
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    rows: Iterator[tuple[int, list[Any]]] = field(default_factory=lambda: iter(()))


class Unreadable(Exception):
    """calamine could not read the workbook (garbage that passed the container checks)."""


class OutOfMemory(Exception):
    """The child process hit its memory cap while reading."""


def _sheets(workbook) -> Iterator[tuple[str, bool, list, Iterator[tuple[int, list[Any]]]]]:
    import python_calamine as pc

    for meta in workbook.sheets_metadata:
        if meta.typ != pc.SheetTypeEnum.WorkSheet:
            continue
        sheet = workbook.get_sheet_by_name(meta.name)
        start_col = sheet.start[1] if sheet.start else 0
        merged = [
            ((r0, c0 - start_col), (r1, c1 - start_col))
            for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])
        ]
        rows = ((i, list(row)) for i, row in enumerate(sheet.iter_rows(), start=1))
        yield meta.name, meta.visible == pc.SheetVisibleEnum.Visible, merged, rows


def read_xlsx(source: str | os.PathLike | bytes) -> list[RawSheet]:
    """Read in this process (small files, already bounded by the container checks)."""
    import python_calamine as pc

    try:
        if isinstance(source, bytes):
            import io

            workbook = pc.CalamineWorkbook.from_filelike(io.BytesIO(source))
        else:
            workbook = pc.CalamineWorkbook.from_path(str(source))
        return [RawSheet(n, v, m, r) for n, v, m, r in _sheets(workbook)]
    except Exception as exc:  # noqa: BLE001 - calamine raises its own hierarchy and ValueError
        raise Unreadable(str(exc)) from exc


def read_xlsx_sandboxed(path: str | os.PathLike, *, memory_bytes: int, timeout: float) -> list[RawSheet]:
    """Read in a child process whose address space is capped at ``memory_bytes``; rows stream back."""
    out = Path(tempfile.mkdtemp(prefix="saiteki-import-"))

    def limit() -> None:  # runs in the child before exec
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    try:
        proc = subprocess.run(  # noqa: S603 - our own interpreter and script, fixed arguments
            [sys.executable, "-I", str(Path(__file__)), str(path), str(out)],
            preexec_fn=limit,  # noqa: PLW1509 - no threads are started before the fork here
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        _remove(out)
        raise OutOfMemory("timeout") from exc
    if proc.returncode == EXIT_UNREADABLE:
        _remove(out)
        raise Unreadable(proc.stderr.decode(errors="replace")[-500:])
    if proc.returncode != 0:
        # MemoryError, or killed by the kernel when an allocation failed outside Python's reach.
        _remove(out)
        raise OutOfMemory(proc.stderr.decode(errors="replace")[-500:])
    with (out / "manifest.pickle").open("rb") as fh:
        manifest = pickle.load(fh)  # noqa: S301 - written by our own child process just now
    sheets = [
        RawSheet(name, visible, merged, _stream(out / f"{i}.pickle"))
        for i, (name, visible, merged) in enumerate(manifest)
    ]
    # The files are unlinked once open (POSIX): nothing is left behind, whoever stops reading.
    return sheets


def _stream(path: Path) -> Iterator[tuple[int, list[Any]]]:
    with path.open("rb") as fh:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        with contextlib.suppress(FileNotFoundError, OSError):
            if not any(path.parent.iterdir()):
                path.parent.rmdir()
        while True:
            try:
                chunk = pickle.load(fh)  # noqa: S301 - our own child's output
            except EOFError:
                return
            yield from chunk


def _remove(folder: Path) -> None:
    for p in folder.glob("*"):
        with contextlib.suppress(OSError):
            p.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()


def _child(source: str, out: str) -> int:
    import python_calamine as pc

    try:
        workbook = pc.CalamineWorkbook.from_path(source)
        manifest = []
        for i, (name, visible, merged, rows) in enumerate(_sheets(workbook)):
            manifest.append((name, visible, merged))
            with open(os.path.join(out, f"{i}.pickle"), "wb") as fh:
                chunk: list = []
                for item in rows:
                    chunk.append(item)
                    if len(chunk) >= CHUNK_ROWS:
                        pickle.dump(chunk, fh, protocol=pickle.HIGHEST_PROTOCOL)
                        chunk = []
                if chunk:
                    pickle.dump(chunk, fh, protocol=pickle.HIGHEST_PROTOCOL)
        with open(os.path.join(out, "manifest.pickle"), "wb") as fh:
            pickle.dump(manifest, fh)
    except MemoryError:
        return EXIT_MEMORY
    except Exception as exc:  # noqa: BLE001 - anything calamine raises means "unreadable"
        sys.stderr.write(str(exc))
        return EXIT_UNREADABLE
    return 0


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1], sys.argv[2]))
