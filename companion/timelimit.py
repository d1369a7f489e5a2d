r"""Calling a student's function under a time limit, and describing what it did as plain
data.

``run_case`` calls the function once and returns an ``Outcome``: a status (``returned``,
``raised``, ``timeout``, ``crashed``...), the type of the result or of the exception,
the exception's message, and the result as an array of float64 with its dtype and shape.
An outcome holds no object of the student's, so it can cross from the student's kernel
to the grader as JSON (``to_dict``/``from_dict``, which trusts nothing it reads).

**How a case is stopped.** On Linux the call runs in a forked copy of the process, which
is killed when it has not answered within the time limit. That stops every endless loop:
in Python, inside numpy or torch (C code, which neither Ctrl-C nor a signal handler
interrupts before it returns), or one that swallows exceptions with ``except Exception``
or a bare ``except``; a function that exits or crashes takes down only the copy, and
nothing it changes reaches the checker. The copy first limits every thread pool to one
thread: GNU OpenMP, which torch uses, deadlocks in a forked child that uses its pool.
Where fork is not safe to use (macOS, Windows), the call runs in the process itself
under ``signal.setitimer``, whose handler raises a ``BaseException`` that ``except
Exception`` does not catch: that stops loops in Python code, though not a long call into
C code nor a loop with a bare ``except`` inside.
"""

from __future__ import annotations

import faulthandler
import io
import json
import os
import select
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

__all__ = ["Outcome", "run_case", "run_with_alarm", "type_name"]

_MAX_VALUES = 10_000  # a larger result is reported by its shape only
_MAX_BYTES = 1 << 26
_STATUSES = (
    "returned",
    "raised",
    "timeout",
    "crashed",
    "missing",
    "not_callable",
    "signature",
)


@dataclass
class Outcome:
    """What one call of the student's function did, as plain data: ``status`` (see
    ``_STATUSES``), the type of the result or exception, a detail (an exception's
    message), the result's dtype and shape, the result as float64 (``value``), and what
    it printed."""

    status: str
    kind: str = ""
    detail: str = ""
    dtype: str = ""
    shape: tuple[int, ...] | None = None
    value: np.ndarray | None = None
    printed: str = ""

    def to_dict(self) -> dict:
        data = {
            k: getattr(self, k)
            for k in ("status", "kind", "detail", "dtype", "printed")
        }
        data["shape"] = None if self.shape is None else list(self.shape)
        data["value"] = None if self.value is None else self.value.tolist()
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Outcome:
        """Rebuild an outcome, trusting nothing: ``ValueError`` unless it is well
        formed."""
        try:
            if not isinstance(data, dict) or data.get("status") not in _STATUSES:
                raise ValueError("no valid status")
            texts = {k: data.get(k, "") for k in ("kind", "detail", "dtype", "printed")}
            if not all(isinstance(v, str) for v in texts.values()):
                raise ValueError("a text field is not a string")
            shape, value = data.get("shape"), data.get("value")
            if shape is not None:
                if not (
                    isinstance(shape, list)
                    and len(shape) <= 32
                    and all(type(n) is int and n >= 0 for n in shape)
                ):
                    raise ValueError("invalid shape")
                shape = tuple(shape)
            if value is not None:
                value = np.array(value, dtype=float)
                if value.shape != shape:
                    raise ValueError("value and shape disagree")
        except (TypeError, OverflowError) as exc:
            raise ValueError(str(exc)) from None
        texts = {k: v[:4000] for k, v in texts.items()}
        return cls(data["status"], shape=shape, value=value, **texts)


# ------------------------------------------------------------------------------ running
class _TimeUp(BaseException):
    """Raised into the student's code when its time is up; ``except Exception`` misses
    it."""


def type_name(value: Any) -> str:
    kind = type(value)
    module = kind.__module__.split(".")[0]
    return (
        kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"
    )


def _outcome_of(value: Any, printed: str) -> Outcome:
    """Describe a returned value by its type, dtype, shape and, if numbers, its float64
    copy."""
    out = Outcome(
        "returned",
        type_name(value),
        dtype=str(getattr(value, "dtype", "")),
        printed=printed[-2000:],
    )
    if value is None:
        return out
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            array = np.asarray(value, dtype=float)
        out.shape = tuple(int(n) for n in array.shape)
        out.value = array if array.size <= _MAX_VALUES else None
    except Exception as exc:  # not numbers: say why (a tensor that requires grad...)
        out.detail = f"{type_name(exc)}: {exc}"[:2000]
    return out


def _call(function: Callable, args: tuple) -> Outcome:
    """Call ``function(*args)`` with floating-point problems raised, capturing its
    output."""
    printed = io.StringIO()
    try:
        with (
            redirect_stdout(printed),
            redirect_stderr(printed),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("error", RuntimeWarning)
            with np.errstate(
                over="raise", invalid="raise", divide="raise", under="ignore"
            ):
                value = function(*args)
    except _TimeUp:
        raise
    except BaseException as exc:  # SystemExit and KeyboardInterrupt are reported too
        return Outcome(
            "raised",
            type_name(exc),
            str(exc)[:2000],
            printed=printed.getvalue()[-2000:],
        )
    return _outcome_of(value, printed.getvalue())


def _one_thread() -> None:
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except Exception:  # only a precaution: run with the pools as they are
        pass


def _child(function: Callable, args: tuple, read_end: int, write_end: int) -> NoReturn:
    try:
        os.close(read_end)
        faulthandler.disable()  # a crash is reported as one, without a stack dump
        _one_thread()
        try:
            payload = json.dumps(_call(function, args).to_dict()).encode()
        except BaseException as exc:  # the child must always answer
            payload = json.dumps(
                Outcome("crashed", detail=type_name(exc)).to_dict()
            ).encode()
        view = memoryview(payload)
        while view:
            view = view[os.write(write_end, view) :]
    finally:
        os._exit(0)


def _read(fd: int, deadline: float) -> tuple[bytes, bool]:
    """Everything the child writes, and whether it finished before ``deadline``."""
    chunks: list[bytes] = []
    size = 0
    while (remaining := deadline - time.monotonic()) > 0:
        if not select.select([fd], [], [], remaining)[0]:
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk or size > _MAX_BYTES:
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), False


def _reap(pid: int, deadline: float) -> int:
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.002)
    os.kill(pid, signal.SIGKILL)
    return os.waitpid(pid, 0)[1]


def _run_forked(function: Callable, args: tuple, time_limit: float) -> Outcome:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        _child(function, args, read_end, write_end)
    os.close(write_end)
    deadline, finished = time.monotonic() + time_limit, False
    try:
        data, finished = _read(read_end, deadline)
    finally:
        os.close(read_end)
        status = _reap(pid, deadline + 1.0 if finished else 0.0)
    if not finished:
        return Outcome("timeout", detail=f"{time_limit:g}")
    try:
        return Outcome.from_dict(json.loads(data.decode()))
    except ValueError:
        if os.WIFSIGNALED(status):
            name = signal.Signals(os.WTERMSIG(status)).name
            return Outcome("crashed", detail=f"the process was killed by {name}")
        return Outcome(
            "crashed",
            detail=f"the process exited with code {os.waitstatus_to_exitcode(status)}",
        )


def run_with_alarm(function: Callable, args: tuple, time_limit: float) -> Outcome:
    armed = [True]

    def stop(signum: int, frame: Any) -> None:
        if armed[0]:
            raise _TimeUp

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(
        signal.ITIMER_REAL, time_limit, 0.05
    )  # again every 50 ms if caught
    try:
        try:
            return _call(function, args)
        finally:
            armed[0] = False
    except _TimeUp:
        return Outcome("timeout", detail=f"{time_limit:g}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_case(function: Callable, args: tuple, time_limit: float) -> Outcome:
    """Call ``function(*args)`` under the time limit (see the module); describe it."""
    if sys.platform.startswith("linux"):
        return _run_forked(function, args, time_limit)
    if (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    ):
        return run_with_alarm(function, args, time_limit)
    return _call(function, args)  # pragma: no cover - no way to stop a loop here
