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

# The self-test measures the spec pauses from here, not from process creation.
if os.environ.get('EXABGP_QA_TRACE'):
    sys.stderr.write('qa-start %.6f\n' % time.monotonic())
    sys.stderr.flush()

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


def send(*lines):
    """Write the lines as one flushed chunk (commands issued 'together')."""
    text = ''.join(line + '\n' for line in lines)
    try:
        sys.stdout.write(text)
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


class _Input:
    """The daemon's side of our stdin, read straight from the descriptor.

    Owning the buffer lets TAIL notice end of file while it pauses, and
    makes the WAIT quirk below explicit instead of a side effect of stdio.
    """

    def __init__(self, fd=0):
        self.fd = fd
        self.buffer = b''
        self.eof = False

    def ready(self, timeout):
        """Is the descriptor readable (data or end of file)?  Our buffer is not looked at."""
        try:
            readable, _, _ = select.select([self.fd], [], [], timeout)
        except (InterruptedError, ValueError, OSError):
            return False
        return bool(readable)

    def fill(self, timeout=None):
        """Wait up to `timeout` (None: forever) and read what the daemon wrote."""
        if self.eof:
            return
        if timeout is not None and not self.ready(timeout):
            return
        try:
            chunk = os.read(self.fd, 65536)
        except InterruptedError:
            return
        except OSError:
            chunk = b''
        if chunk:
            self.buffer += chunk
        else:
            self.eof = True

    def readline(self):
        """Blocking: the next line with its newline, '' once the daemon closed the pipe."""
        while True:
            cut = self.buffer.find(b'\n')
            if cut >= 0:
                line, self.buffer = self.buffer[:cut + 1], self.buffer[cut + 1:]
                return line.decode('utf-8', 'replace')
            if self.eof:
                line, self.buffer = self.buffer, b''
                return line.decode('utf-8', 'replace')
            self.fill()

    def closed(self):
        """Without blocking: take whatever is pending and tell whether the pipe was closed."""
        while not self.eof and self.ready(0):
            self.fill()
        return self.eof


_input = _Input()


def readline():
    """Blocking read of one line from the daemon ('' on end of file)."""
    try:
        return _input.readline()
    except KeyboardInterrupt:
        return ''


def closed():
    """Has the daemon closed our stdin?  (Never blocks; consumes pending input.)"""
    return _input.closed()


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

    Quirk kept on purpose: a line is taken only when the descriptor is
    readable, as the original helpers did (select on stdin, then a buffered
    readline).  Acks that arrive in one chunk are buffered, and the later
    ones are only taken once more data arrives (each arrival then releases
    everything buffered).  So a WAIT(2) after two commands written together
    usually runs its whole window, which paces the rib tests.
    """
    seen = 0
    start = time.monotonic()
    window = timeout * SCALE
    tick = 0.1 * SCALE
    while seen < count:
        if time.monotonic() - start >= window:
            return False
        if not _input.ready(tick):
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

    Each line read is followed by a pause of `step`; the read blocks, so the
    bound is only checked between lines.  End of file seen during a pause
    ends it at once (the lines still buffered cannot change the outcome:
    the helper exits 0 either way).  Exits 0.
    """
    start = time.monotonic()
    while parent_alive() and time.monotonic() - start < limit * SCALE:
        line = readline().strip()
        if not line or 'shutdown' in line:
            break
        until = time.monotonic() + step * SCALE
        while not _input.eof:
            left = until - time.monotonic()
            if left <= 0:
                break
            _input.fill(left)
        if _input.eof:
            break
    sys.exit(0)


def note(text):
    """Diagnostics go to stderr, never to the daemon."""
    try:
        sys.stderr.write(text + '\n')
        sys.stderr.flush()
    except OSError:
        pass
