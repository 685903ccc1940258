#!/usr/bin/env python3
"""stderr-1 (parsing suite only): copies each line from the daemon to stderr until end of file."""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import _qa  # noqa: E402

import time  # noqa: E402

label = sys.argv[1] if len(sys.argv) > 1 else 'EXABGP PROCESS'
while _qa.parent_alive():
    try:
        line = _qa.readline()
    except OSError:
        break
    if not line:
        break
    line = line.strip()
    if line:
        _qa.note('%s %-8s %-6d %s' % (time.strftime('%a, %d %b %Y %H:%M:%S'), label, os.getpid(), line))
