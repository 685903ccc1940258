"""Shared plumbing for the functional-test API helpers in this folder.

Each helper is started by the daemon with its stdin/stdout wired to the
process API: a command is one line on stdout, the daemon answers on stdin
(plain `done` / `error`, or the JSON form `{"answer": ...}`).

The timings follow qa-harness spec section 7.  The environment variable
`EXABGP_QA_TIME_SCALE` (default 1.0) multiplies every pause, ack window and
poll interval; only the helpers' own self-test lowers it.
"""

import atexit
import json
import os
import select
import sys
import time

SCALE = 1.0
try:
    SCALE = float(os.environ.get('EXABGP_QA_TIME_SCALE', '1.0'))
except ValueError:
    pass
if SCALE <= 0:
    SCALE = 1.0

# The daemon that started us; if we are re-parented it is gone.
_PARENT = os.getppid()

# Text written "without flushing": it only reaches the daemon when we exit
# normally (not when killed), whatever buffering mode stdout is in.
_held = []


def parent_alive():
    ppid = os.getppid()
    return ppid != 1 and ppid == _PARENT


def pause(seconds):
    if seconds > 0:
        time.sleep(seconds * SCALE)


def _gone():
    """The daemon closed its end: leave quietly, nothing more can be delivered."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
    os._exit(0)


def send(*lines, flush=True):
    """Write the lines as one chunk (commands issued 'together')."""
    text = ''.join(line + '\n' for line in lines)
    try:
        sys.stdout.write(text)
        if flush:
            sys.stdout.flush()
    except (BrokenPipeError, OSError):
        _gone()


def commands(lines, gap):
    """One flushed command per line, sleeping `gap` seconds after each."""
    for line in lines:
        send(line)
        pause(gap)


def hold(line):
    """Queue a command that is only written at exit (never flushed before)."""
    _held.append(line + '\n')


@atexit.register
def _release():
    if not _held:
        return
    try:
        sys.stdout.write(''.join(_held))
        sys.stdout.flush()
    except (BrokenPipeError, OSError):
        pass
    _held.clear()


def readline():
    """Blocking read of one line from the daemon ('' on end of file)."""
    try:
        return sys.stdin.readline()
    except KeyboardInterrupt:
        return ''


def _answer(line):
    if line.startswith('{'):
        try:
            data = json.loads(line)
        except ValueError:
            return None
        if isinstance(data, dict):
            return data.get('answer')
        return None
    return line


def wait(count=1, timeout=2.0):
    """WAIT(n, t): collect `count` `done` acks within `timeout` seconds.

    Returns False at once on `error`, False when the window expires, exits 0
    on a bare `shutdown` (and, unlike the original helpers which spin until
    the window expires, at once on end of file: the daemon has gone).
    Anything else (events, `shutdown <pid> <ppid>`) is skipped.

    Readiness is tested on the file descriptor while lines are taken from
    the buffered stream, on purpose: acks that arrive in one chunk are
    buffered and the later ones are only noticed when more data arrives.
    The original helpers behave this way, which paces the rib tests (a
    WAIT(2) after two commands written together usually runs its window).
    """
    seen = 0
    start = time.monotonic()
    window = timeout * SCALE
    tick = 0.1 * SCALE
    while seen < count:
        if time.monotonic() - start >= window:
            return False
        try:
            ready, _, _ = select.select([sys.stdin], [], [], tick)
        except InterruptedError:
            continue
        if not ready:
            time.sleep(tick)
            continue
        raw = readline()
        if raw == '':
            sys.exit(0)
        answer = _answer(raw.strip())
        if answer == 'done':
            seen += 1
        elif answer == 'error':
            return False
        elif answer == 'shutdown':
            sys.exit(0)
    return True


def tail(limit=5.0, step=1.0):
    """TAIL(T, s): linger until EOF, a shutdown line, a blank line or T seconds.

    The read blocks, so the bound is only checked between lines.  Exits 0.
    """
    start = time.monotonic()
    try:
        while parent_alive() and time.monotonic() - start < limit * SCALE:
            line = readline().strip()
            if not line or 'shutdown' in line:
                break
            pause(step)
    except OSError:
        pass
    sys.exit(0)


def note(text):
    """Diagnostics go to stderr, never to the daemon."""
    try:
        sys.stderr.write(text + '\n')
        sys.stderr.flush()
    except OSError:
        pass
