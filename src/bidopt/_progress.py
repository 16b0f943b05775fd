"""Logging and progress reports of long calls.

bidopt logs to the standard :mod:`logging` logger ``"bidopt"``, which has only a
:class:`logging.NullHandler`: nothing is printed unless asked. Calls that can take more
than a couple of seconds (:func:`bidopt.grouping.group_keywords`,
:func:`bidopt.landscape.estimate_landscapes`, :func:`bidopt.channels.fit_response`, the
replays) report when they start, their main steps and when they finish, at level INFO.

Turn the reports on with :func:`show_progress` (prints to standard error), or with
logging as usual::

    import logging
    logging.basicConfig()
    logging.getLogger("bidopt").setLevel(logging.INFO)
"""

from __future__ import annotations

import contextvars
import functools
import logging
import sys
import time
from collections.abc import Callable
from typing import IO, ParamSpec, TypeVar

from bidopt.exceptions import InvalidInputError

__all__ = ["logged", "logger", "show_progress", "step"]

#: The library's logger (a NullHandler by default: silent unless configured).
logger = logging.getLogger("bidopt")
logger.addHandler(logging.NullHandler())

P = ParamSpec("P")
R = TypeVar("R")

#: The calls in progress in this context (outermost first) and when each started.
_running: contextvars.ContextVar[tuple[tuple[str, float], ...]] = contextvars.ContextVar(
    "bidopt_running", default=()
)
_handler: logging.Handler | None = None


def _seconds(start: float) -> str:
    return f"{time.perf_counter() - start:.1f} s"


def logged(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a public function so that it logs, at INFO, when it starts and finishes
    (with the time it took), or that it failed; :func:`step` inside it logs its steps."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if not logger.isEnabledFor(logging.INFO):
                return func(*args, **kwargs)
            running = _running.get()
            indent = "  " * len(running)
            start = time.perf_counter()
            token = _running.set((*running, (name, start)))
            logger.info("%s%s: started", indent, name)
            try:
                result = func(*args, **kwargs)
            except BaseException as exc:
                logger.info(
                    "%s%s: stopped after %s (%s)",
                    indent,
                    name,
                    _seconds(start),
                    type(exc).__name__,
                )
                raise
            finally:
                _running.reset(token)
            logger.info("%s%s: done in %s", indent, name, _seconds(start))
            return result

        return wrapper

    return decorate


def step(message: str, *args: object) -> None:
    """Log one step of the call in progress: ``"group_keywords: featurised (2.1 s)"``.

    ``message % args`` is formatted only when INFO is enabled (cheap when silent).
    """
    if not logger.isEnabledFor(logging.INFO):
        return
    running = _running.get()
    if running:
        name, start = running[-1]
        indent = "  " * (len(running) - 1)
        logger.info("%s%s: " + message + " (%s)", indent, name, *args, _seconds(start))
    else:
        logger.info(message, *args)


def show_progress(on: bool = True, *, stream: IO[str] | None = None) -> None:
    """Print bidopt's progress reports (logger ``"bidopt"``, level INFO) or stop.

    Off by default, in scripts and notebooks alike. The reports say when a long call
    (keyword grouping, landscape estimation, response-curve fitting, replays) starts, its
    main steps with the time since the start, and when it is done.

    Parameters
    ----------
    on : bool, default True
        True: print reports (adds one handler to the ``"bidopt"`` logger and sets its
        level to INFO). False: remove that handler and reset the level.
    stream : file-like, optional
        Where to print; default standard error.

    Examples
    --------
    >>> import bidopt
    >>> bidopt.show_progress()          # doctest: +SKIP
    >>> bidopt.show_progress(False)
    """
    global _handler
    if not isinstance(on, bool):
        raise InvalidInputError(f"`on` must be True or False. Got {on!r} instead.")
    if _handler is not None:
        logger.removeHandler(_handler)
        _handler = None
    if on:
        _handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
        _handler.setFormatter(logging.Formatter("bidopt %(asctime)s  %(message)s", "%H:%M:%S"))
        logger.addHandler(_handler)
        logger.setLevel(logging.INFO)
    else:
        logger.setLevel(logging.NOTSET)
