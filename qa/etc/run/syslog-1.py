#!/usr/bin/env python3
"""syslog-1 (parsing suite only): logs each line from the daemon to syslog until end of file."""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import _qa  # noqa: E402

import syslog  # noqa: E402

syslog.openlog('ExaBGP')
while _qa.parent_alive():
    try:
        line = _qa.readline()
    except OSError:
        break
    if not line:
        break
    line = line.strip()
    if line:
        syslog.syslog(syslog.LOG_ALERT, 'INFO %-6d %s' % (os.getpid(), line))
