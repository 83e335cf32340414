"""Run one (problem, library) pair in a fresh worker process, with a timeout.

The worker prints a JSON line when its data are loaded (``load_slack``
seconds allowed) and one per fit.  A fit that prints nothing within
``timeout`` seconds is killed (with its process group, so R goes too) and
recorded as ``> 600 s``.  Peak memory is ``ru_maxrss`` of the worker as
reported by ``wait4``, which includes its waited-for children (Rscript).
"""

from __future__ import annotations

import json
import os
import queue
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import adapters

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Record:
    """Summary of the repeats of one library on one problem.

    Attributes
    ----------
    problem, library : str
    status : str
        ``ok``, ``> 600 s`` (timeout), ``error``, ``cannot express``, ``out of memory``,
        ``not available``.
    seconds : float
        Median wall seconds of the fit call over the completed repeats.
    seconds_all : list of float
        Every completed fit; the first includes one-time lazy imports.
    loglik : float
    fixef : dict
    converged : bool or None
    peak_mb : float
        Peak resident memory of the worker process (MB), NaN if unknown.
    error : str
    """

    problem: str
    library: str
    status: str = "ok"
    seconds: float = float("nan")
    seconds_all: list = field(default_factory=list)
    loglik: float = float("nan")
    fixef: dict = field(default_factory=dict)
    converged: bool | None = None
    peak_mb: float = float("nan")
    error: str = ""


def _limit_memory(max_bytes: int | None) -> None:
    if max_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))


def _spawn(library: str, problem: str, repeats: int, max_bytes: int | None):
    cmd = [sys.executable, "-m", "benchmarks.worker", library, problem, str(repeats)]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True,
                            preexec_fn=lambda: _limit_memory(max_bytes))  # noqa: PLW1509 - a limit for the child alone; its pump threads start after


def _pump(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _collect(proc, timeout: float, load_slack: float) -> tuple[list[dict], bool]:
    """JSON lines of the worker; True if a fit ran past ``timeout``."""
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
    threading.Thread(target=proc.stderr.read, daemon=True).start()  # drain
    outs, wait = [], timeout + load_slack
    while True:
        try:
            line = lines.get(timeout=wait)
        except queue.Empty:
            os.killpg(proc.pid, signal.SIGKILL)
            return outs, True
        if line is None:
            return outs, False
        if line.strip().startswith("{"):
            out = json.loads(line)
            if "loaded" not in out:
                outs.append(out)
            wait = timeout


def _reap(proc) -> tuple[int, float]:
    """Exit status and peak resident MB (``ru_maxrss`` is in kB on Linux)."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss / 1024.0


def summarize(problem: str, library: str, outs: list[dict],
              timed_out: float | None = None) -> Record:
    """Median over the completed fits; the status of the last line otherwise.

    ``timed_out`` is the timeout in seconds if the last fit ran past it.
    """
    good = [o for o in outs if o.get("status") == "ok"]
    rec = Record(problem, library)
    if good:
        last = good[-1]
        rec.seconds_all = [o["seconds"] for o in good]
        rec.seconds = statistics.median(rec.seconds_all)
        rec.loglik, rec.fixef, rec.converged = last["loglik"], last["fixef"], last["converged"]
    if len(good) < len(outs):
        rec.status, rec.error = outs[-1]["status"], outs[-1]["error"]
    if timed_out is not None:
        rec.status = rec.status if good else f"> {timed_out:g} s"
        rec.error = f"fit {len(good) + 1} ran past the timeout"
    return rec


def run_one(library: str, problem: str, repeats: int = 3, timeout: float = 600.0,
            max_bytes: int | None = None, load_slack: float = 300.0) -> Record:
    """Fit ``problem`` ``repeats`` times with ``library`` in a fresh process."""
    started = time.perf_counter()
    proc = _spawn(library, problem, repeats, max_bytes)
    outs, timed_out = _collect(proc, timeout, load_slack)
    code, peak_mb = _reap(proc)
    rec = summarize(problem, library, outs, timeout if timed_out else None)
    rec.peak_mb = peak_mb
    if timed_out and getattr(adapters.load(library), "PEAK_IN_CHILD", False):
        rec.peak_mb = float("nan")  # the killed grandchild (R) was never reaped
    if not outs and not timed_out:
        killed = code < 0 and -code == signal.SIGKILL
        rec.status = "out of memory" if killed else "error"
        rec.error = f"worker exited with {code} after {time.perf_counter() - started:.0f} s"
    return rec
