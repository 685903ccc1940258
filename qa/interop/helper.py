#!/usr/bin/env python3
"""API process used by the interop tests (qa/interop/main.rs).

The daemon under test starts it as `helper.py RECEIVED COMMANDS`:
- every line the daemon writes to our stdin (JSON messages) is appended to RECEIVED;
- every complete line the test appends to COMMANDS is forwarded to the daemon on stdout.
It exits when the daemon closes our stdin.
"""

import os
import select
import sys


def main():
    if len(sys.argv) != 3:
        sys.stderr.write('usage: helper.py RECEIVED COMMANDS\n')
        return 2
    received, commands = sys.argv[1], sys.argv[2]
    offset = 0
    pending = b''
    stdin = sys.stdin.fileno()
    with open(received, 'ab') as out:
        while True:
            ready, _, _ = select.select([stdin], [], [], 0.2)
            if ready:
                data = os.read(stdin, 65536)
                if not data:
                    return 0
                out.write(data)
                out.flush()
            try:
                with open(commands, 'rb') as f:
                    f.seek(offset)
                    chunk = f.read()
            except FileNotFoundError:
                chunk = b''
            if chunk:
                offset += len(chunk)
                pending += chunk
                # forward only whole lines: the test may be mid-write
                *lines, pending = pending.split(b'\n')
                for line in lines:
                    if line.strip():
                        sys.stdout.buffer.write(line + b'\n')
                sys.stdout.buffer.flush()


if __name__ == '__main__':
    sys.exit(main())
