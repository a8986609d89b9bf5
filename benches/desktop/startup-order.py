#!/usr/bin/env python3
"""Writes src-tauri/startup-order.ld: the functions the desktop app runs when it starts, for the
linker to put side by side.

Why: the kernel maps an executable's code in large blocks around each page a process touches
(64 KB and more), and the code Hearth's start runs is spread over its 24 MB of it, so 15.6 MiB
of that code stayed resident at rest for about 3 MiB that ran. With those functions in one
place, the blocks the start touches are mostly the ones it needs (docs/performance.md, "The
start's code in one place").

How: the release app runs once under Valgrind's callgrind (the app's own process; WebKit's
processes run natively) on a copy of the 1M-message workspace the at-rest benchmark uses, under
a private Xvfb and D-Bus session, for --seconds (60 by default: the window is up, the inbox
painted and the app at rest well before that, even under Valgrind). Every instruction it ran
in the app's binary is mapped to its function with `nm`, and each function (with every alias
LLVM or GCC gave the same code) becomes a pattern on its input section's name:

* Rust functions by their mangled path without the hash (`_ZN...17h*`): the hash changes with
  the toolchain, the path does not. A generic function's instantiations share its path, so
  those are named with their hash (`_ZN...17h0123456789abcdefE*`): by path alone, every
  instantiation of `Iterator::fold` and the like went in, and the section was three times the
  code that ran. A hash that no longer matches leaves its function where the linker puts it;
* C functions (SQLite) by name;
* the standard library's own functions (its v0 names, `_R...`, carry the toolchain's crate
  hashes) all go in, whether they ran or not: 0.5 MiB, most of which the start touches.

`src-tauri/build.rs` hands the file to the linker for release builds (an `INSERT BEFORE .text`
script: the linker's own layout stays as it is). Patterns that match nothing are no error, so
the file goes stale gracefully as the code changes: run this again when the figures in
docs/performance.md drift.

    python3 benches/desktop/startup-order.py [--hearth-bin BIN] [--db 1M.db] [--seconds 60]

It needs Valgrind (`apt install valgrind`). Unless --hearth-bin is given, it builds the app
linked without this file (HEARTH_STARTUP_ORDER=off): Valgrind names no object for the code in
the file's section, so a build that has it cannot be profiled.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as _dt
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("at_rest", HERE / "at-rest.py")
at_rest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(at_rest)

ROOT = at_rest.ROOT
OUT = ROOT / "src-tauri" / "startup-order.ld"
SECTION = ".text.hearth_start"


def executed_addresses(callgrind_out: Path, binary: Path) -> set[int]:
    """The addresses (in the binary's own numbering) of every instruction callgrind saw run in
    `binary` (the file written with --dump-instr=yes)."""
    names: dict[str, str] = {}
    name = binary.name
    mine = False
    last = 0
    found: set[int] = set()

    def object_name(rest: str) -> str:
        m = re.match(r"\((\d+)\)(?: (.*))?", rest)
        if not m:
            return rest
        if m.group(2) is not None:
            names[m.group(1)] = m.group(2)
        return names.get(m.group(1), "")

    with open(callgrind_out, errors="replace") as f:
        for line in f:
            first = line[:1]
            if first and first in "0123456789+-*":
                token = line.split(None, 1)[0]
                if token.startswith("0x"):
                    last = int(token, 16)
                elif token[0] == "+":
                    last += int(token[1:])
                elif token[0] == "-":
                    last -= int(token[1:])
                elif token != "*":
                    continue
                if mine:
                    found.add(last)
            elif line.startswith("ob="):
                mine = object_name(line[3:].strip()).endswith("/" + name)
            elif line.startswith("cob="):
                object_name(line[4:].strip())
    return found


def text_symbols(binary: Path) -> list[tuple[int, int, str]]:
    """Every function symbol of `binary`: start, size, name."""
    listing = subprocess.run(
        ["nm", "-S", "-n", "--defined-only", str(binary)],
        check=True, capture_output=True, text=True,
    ).stdout
    found = []
    for line in listing.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tTwW":
            found.append((int(parts[0], 16), int(parts[1], 16), parts[3]))
    return found


def functions_at(symbols: list[tuple[int, int, str]],
                 addresses: set[int]) -> tuple[set[str], int, int]:
    """Every function symbol (aliases included) whose code holds one of `addresses`, how many
    functions that is, and the size of their code in bytes."""
    by_start: dict[int, tuple[int, list[str]]] = {}
    for start, size, name in symbols:
        old_size, aliases = by_start.get(start, (0, []))
        aliases.append(name)
        by_start[start] = (max(size, old_size), aliases)
    starts = sorted(by_start)
    hit: set[int] = set()
    for a in addresses:
        i = bisect.bisect_right(starts, a) - 1
        if i >= 0 and a < starts[i] + by_start[starts[i]][0]:
            hit.add(starts[i])
    ran = {s for start in hit for s in by_start[start][1]}
    return ran, len(hit), sum(by_start[start][0] for start in hit)


RUST_HASH = re.compile(r"^(_ZN.*17h)([0-9a-f]{16})E(?:\.llvm\.\d+)?$")


def instantiations(symbols: list[tuple[int, int, str]]) -> dict[str, int]:
    """How many functions of the binary share each Rust path (the name without its hash): a
    generic function has one per set of types it was built for."""
    counts: dict[str, int] = {}
    for _, _, name in symbols:
        m = RUST_HASH.match(name)
        if m:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return counts


def pattern(symbol: str, shared: dict[str, int]) -> str | None:
    """The section-name pattern for `symbol`, or None for one that cannot be named the same way
    on another toolchain. A Rust function is named by its path without the hash, which holds
    across builds, unless other functions share that path (a generic's instantiations: by path
    alone, the section was 9.4 MB for 3.08 MiB that ran): then by its hash too, which holds
    as long as the toolchain and the types do, and matches nothing once they change (the
    function is then laid out as if unordered)."""
    m = RUST_HASH.match(symbol)
    if m:
        if shared.get(m.group(1), 0) > 1:
            return f"{m.group(1)}{m.group(2)}E*"
        return m.group(1) + "*"
    if symbol.startswith("_R"):
        return None
    m = re.match(r"^(.*)\.llvm\.\d+$", symbol)
    if m:
        return m.group(1) + "*"
    # a name the linker script's lexer would split (none seen; skipped rather than mangled)
    if re.search(r"[\s(),;\"'{}\[\]?]", symbol):
        return None
    return symbol


def commit() -> str:
    """The commit the app was built from (the working tree's)."""
    out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "an unknown commit"


def write_script(patterns: list[str], functions: int, size: int, binary: Path, seconds: int):
    lines = [
        "/* The functions the desktop app runs when it starts, side by side (see",
        "   benches/desktop/startup-order.py, which wrote this file, and docs/performance.md).",
        f"   Made on {_dt.date.today().isoformat()} at {commit()}: {functions} functions,"
        f" {size / 2**20:.2f} MiB of code, run in the first {seconds} s under callgrind.",
        "   Each function's section, as LLVM names it (`.text.NAME`, or `.text.unlikely.NAME`",
        "   for a cold one); the hash at the end of a Rust name is left open, unless other",
        "   functions share its path (a generic's instantiations): then it is named. The standard",
        "   library's functions (`_R` names, precompiled) all go in: 0.5 MiB, mostly run. */",
        "SECTIONS",
        "{",
        f"  {SECTION} : {{",
        "    *(.text.startup .text.startup.*)",
        "    *(.text._R* .text.unlikely._R*)",
    ]
    lines += [f"    *(.text.{p} .text.unlikely.{p})" for p in patterns]
    lines += ["  }", "}", "INSERT BEFORE .text;", ""]
    OUT.write_text("\n".join(lines))


def build_unordered() -> Path:
    """The release app linked without startup-order.ld (HEARTH_STARTUP_ORDER=off, which
    src-tauri/build.rs reads; only the link is redone), copied aside. The next ordinary build
    links it with the script again."""
    at_rest.run(["npm", "--prefix", ROOT / "ui", "run", "build"])
    at_rest.run(
        ["cargo", "build", "--release", "-p", "hearth-desktop",
         "--features", "hearth-desktop/custom-protocol", "--locked"],
        cwd=ROOT,
        env={**os.environ, "HEARTH_STARTUP_ORDER": "off"},
    )
    at_rest.WORK.mkdir(parents=True, exist_ok=True)
    copy = at_rest.WORK / "hearth-desktop-unordered"
    shutil.copyfile(at_rest.HEARTH_BIN, copy)
    copy.chmod(0o755)
    return copy


def has_section(binary: Path, name: str) -> bool:
    out = subprocess.run(["readelf", "-SW", str(binary)], capture_output=True, text=True)
    return any(f" {name} " in line for line in out.stdout.splitlines())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hearth-bin", type=Path, help="a release build of the app (default: build it)")
    ap.add_argument("--db", type=Path, help="the 1M-message workspace (default: at-rest.py's)")
    ap.add_argument("--seconds", type=int, default=60)
    args = ap.parse_args()

    if shutil.which("valgrind") is None:
        sys.exit("Valgrind is needed: apt install valgrind")
    if os.environ.get("HEARTH_IN_KEYRING_SESSION") != "1":
        # a private D-Bus session with GNOME Keyring, as the app runs in the benchmarks
        keyring = str(ROOT / "scripts" / "with-keyring")
        os.execv(keyring, [keyring, sys.executable, __file__, *sys.argv[1:]])
    binary = args.hearth_bin
    if binary is None:
        binary = build_unordered()
    binary = binary.resolve()
    if has_section(binary, SECTION):
        sys.exit(
            f"{binary} already has its start's code in {SECTION}: Valgrind names no object for the"
            " code in it, so what ran there would go unseen. Give a build made with"
            " HEARTH_STARTUP_ORDER=off, or no --hearth-bin (this script then makes one)."
        )
    db = at_rest.prepare_db(args.db)
    out = at_rest.WORK / "startup.callgrind"
    xvfb, display = at_rest.start_xvfb()
    try:
        env = {**os.environ, "DISPLAY": display, "NO_AT_BRIDGE": "1", "GDK_BACKEND": "x11",
               "HEARTH_DB": str(db)}
        env.pop("WAYLAND_DISPLAY", None)
        at_rest.say(f"Running {binary.name} under callgrind for {args.seconds} s")
        app = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--dump-instr=yes", "--trace-children=no",
             f"--callgrind-out-file={out}", str(binary)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(args.seconds)
        app.send_signal(signal.SIGTERM)  # callgrind writes its profile as the app ends
        try:
            app.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(app.pid, signal.SIGKILL)
            sys.exit("the app did not end within 2 minutes of SIGTERM; no profile")
        # WebKit's processes end with their app; anything left of the session goes with it
        try:
            os.killpg(app.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    finally:
        xvfb.terminate()
    if not out.exists():
        sys.exit(f"callgrind wrote no profile at {out}")

    addresses = executed_addresses(out, binary)
    every = text_symbols(binary)
    ran, functions, size = functions_at(every, addresses)
    shared = instantiations(every)
    patterns = sorted({p for s in ran if (p := pattern(s, shared)) is not None})
    if not patterns:
        sys.exit(f"no function of {binary.name} ran under callgrind: nothing written")
    write_script(patterns, functions, size, binary, args.seconds)
    at_rest.say(
        f"{len(addresses)} instructions in {functions} functions ({size / 2**20:.2f} MiB of code) "
        f"ran; {len(patterns)} patterns written to {OUT.relative_to(ROOT)}"
    )
    if args.hearth_bin is None:
        at_rest.say(
            f"{at_rest.HEARTH_BIN.relative_to(ROOT)} is the build without it until the next"
            " `cargo build --release` (at-rest.py without --no-build makes one)"
        )


if __name__ == "__main__":
    main()
