#!/usr/bin/env python3
"""Self-test of the API helper programs in qa/etc/run/.

Each helper is started (directly, so its shebang and exec bit are exercised)
under a fake daemon that acts like ExaBGP's process API: it answers every
command with `done` (honouring disable-ack / silence-ack / enable-ack), can
feed scripted events, and finally closes the helper's stdin (or sends a
shutdown line first).  The commands the helper wrote must equal the list
from qa-harness spec section 7.2, must not arrive earlier than the spec's
pauses allow, and the helper must exit promptly once its stdin is closed.

    python3 qa/helpers/selftest.py [-s SCALE] [-j JOBS] [-v] [NAME ...]

SCALE (default 0.2) is exported as EXABGP_QA_TIME_SCALE and multiplies all
helper pauses and ack windows; the helpers default to 1.0 (spec timings).
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = os.path.join(ROOT, 'etc', 'run')
ETC = os.path.join(ROOT, 'etc')

SHUTDOWN_JSON = ('{ "exabgp": "5.0.0", "time": 1.0, "host" : "h", "pid" : 1000, "ppid" : 1, '
                 '"type": "notification", "notification": "shutdown" }')
SHUTDOWN_TEXT = 'shutdown 1000 1'


class Case:
    """One helper run.

    expected:   the exact commands (stdout lines) the helper must write.
    at_least:   for each command, the minimum number of spec seconds since the
                helper started before it may arrive (sum of the pauses and of
                the ack windows that must expire before it).
    initial:    lines the daemon writes as soon as the helper starts.
    after:      {command: [lines]} extra lines written after that command's ack.
    acks:       'normal' (ExaBGP rules), 'always' (ignores disable/silence),
                'json' (JSON answers), 'error' (answers `error`), 'none'.
    close_at:   close stdin once this many commands arrived (default: all).
    settle:     spec seconds to wait before closing when close_at is reached.
    ending:     'close', or 'shutdown' (JSON shutdown line, then close),
                or 'self' (the helper must exit without being told).
    rc:         expected exit status (None: not checked).
    late:       commands (by index) that must only arrive after stdin closed.
    """

    def __init__(self, name, script, expected, at_least=None, initial=(), after=None, acks='normal',
                 close_at=None, settle=0.0, ending='close', rc=0, late=(), check=None):
        self.name = name
        self.script = script
        self.expected = list(expected)
        self.at_least = list(at_least) if at_least is not None else None
        self.initial = list(initial)
        self.after = after or {}
        self.acks = acks
        self.close_at = len(self.expected) if close_at is None else close_at
        self.settle = settle
        self.ending = ending
        self.rc = rc
        self.late = set(late)
        self.check = check


def cumulative(*steps):
    """at_least from the spec timeline: numbers are pauses, None marks a command."""
    out, now = [], 0.0
    for step in steps:
        if step is None:
            out.append(now)
        else:
            now += step
    return out


C = None  # a command in cumulative()

# --- the expected command texts (qa-harness spec 7.2) -------------------------------------

ANNOUNCE = ['announce route 1.1.0.0/24 next-hop 101.1.101.1', 'announce route 1.2.0.0/25 next-hop 101.1.101.1']

ANNOUNCEMENT = [
    'announce route 1.0.0.0/21 next-hop 101.1.101.1 med 200 community [2:1] split /23',
    'neighbor 127.0.0.1 announce route 1.1.0.0/16 next-hop 101.1.101.1',
    'neighbor 127.0.0.1 local-as 1 announce route 1.2.0.0/22 next-hop 101.1.101.1 split /24',
    'neighbor 127.0.0.1 peer-as 1 announce route 1.3.0.0/24 next-hop 101.1.101.1 split /25',
    'neighbor 127.0.0.1 local-ip 127.0.0.1 announce route 1.4.0.0/16 next-hop 101.1.101.1 med 200',
    'neighbor 127.0.0.1 router-id 1.2.3.4 announce route 1.5.0.0/16 next-hop 101.1.101.1 community [2:1]',
    'neighbor absentone local-as 1 peer-as 1 local-ip 127.0.0.1 router-id 1.2.3.4 announce route 9.9.9.9/21 '
    'next-hop 101.1.101.1 med 200 community [2:1]',
    'neighbor 127.0.0.1 local-as 1 peer-as 1 local-ip 127.0.0.1 router-id 1.2.3.4 announce route 1.6.0.0/21 '
    'next-hop 101.1.101.1 med 200 community [2:1]',
    'neighbor 127.0.0.1 local-as 2 peer-as 3 local-ip 127.0.0.1 router-id 1.2.3.4 announce route 1.8.0.0/21 '
    'next-hop 101.1.101.1 med 200 large-community [2914:1:0]',
]

ATTR_PATH = ('neighbor 127.0.0.1 announce attributes path-information %s next-hop 10.11.12.13 community [14:15] '
             'local-preference 16 nlri 16.17.18.19/32 20.21.22.23/32')

FLOW_A = 'flow route { match { source 170.170.170.170/32; destination 170.170.170.170/32; } then { rate-limit 1; } }'
FLOW_B = 'flow route { match { source 187.187.187.187/32; destination 187.187.187.187/32; } then { rate-limit 2; } }'
FLOW_C = 'flow route { match { source 204.204.204.204/32; destination 187.187.187.187/32; } then { rate-limit 3; } }'

EORS = ['announce eor', 'announce eor ipv6 unicast', 'announce eor ipv4 unicast']

FAST = [
    'announce route 1.1.0.0/24 next-hop 101.1.101.1',
    'announce route 1.1.0.0/25 next-hop 101.1.101.1',
    'withdraw route 1.1.0.0/24 next-hop 101.1.101.1',
    'announce route 1.1.0.0/25 next-hop 101.1.101.1',
    'announce route 2.2.0.0/25 next-hop 101.1.101.1',
    'announce route 2.2.0.0/24 next-hop 101.1.101.1',
    'withdraw route 2.2.0.0/25 next-hop 101.1.101.1',
    'announce route 0.0.0.0/0  next-hop 1.101.1.101',
]

FLOW_MERGE = [
    'announce flow route { match { source 4.4.4.4/32; } then { rate-limit 0; } }',
    'announce flow route { match { source 5.5.5.5/32; } then { discard; } }',
    'announce flow route { match { source 6.6.6.6/32; } scope { interface-set [ non-transitive:input:3405770241:1 ]; } '
    'then { discard; } }',
    'announce flow route { match { source 7.7.7.7/32; } scope { interface-set [ non-transitive:input:3405770241:1 '
    'transitive:output:254:254 ]; } then { discard; } }',
    'announce flow route { match { source 8.8.8.8/32; } then { discard; } scope { interface-set '
    '[ non-transitive:input:3405770241:1 transitive:output:254:254 ]; } }',
    'announce flow route { match { source 9.9.9.9/32; } then { discard; } scope { interface-set '
    '[ non-transitive:input:3405770241:1 transitive:output:254:254 ]; } }',
    'announce flow route { match { source 10.10.10.10/32; } scope { interface-set [ transitive:input-output:1234:10 '
    'transitive:input:1234:10 transitive:output:0:0]; } then { discard; } }',
    'announce flow route destination 133.130.1.219/32 discard interface-set [ transitive:input:1234:10]',
    'announce flow route destination 133.130.1.19/32 interface-set [ transitive:input:1234:10 ] discard',
]

FLOW_1 = ('announce flow route { match { source 0.0.0.0/32; destination 0.0.0.0/32; destination-port =3128; '
          'protocol tcp; } then { rate-limit 0; } }')
FLOW_1W = ('withdraw flow route { match { source 0.0.0.0/32; destination 0.0.0.0/32; destination-port =3128; '
           'protocol tcp; } }')
FLOW_2 = ('announce flow route { match { source 255.255.255.255/32; destination 255.255.255.255/32; } '
          'then { rate-limit 65535; } }')

IPV4 = [
    '%s ipv4 unicast 10.0.1.0/24 next-hop 10.0.1.254 local-preference 200',
    '%s ipv4 mup mup-isd 10.0.1.0/24 rd 100:100 next-hop 2001::1 extended-community [ target:10:10 ] '
    'bgp-prefix-sid-srv6 ( l3-service 2001:db8:1:1:: 0x48 [64,24,16,0,0,0] )',
]
IPV6 = [
    '%s ipv6 unicast fc00:1::/64 next-hop 2001::11 local-preference 200',
    '%s ipv6 mup mup-isd 2001::/64 rd 100:100 next-hop 2001::2 extended-community [ target:10:10 ] '
    'bgp-prefix-sid-srv6 ( l3-service 2001:db8:1:1:: 0x47 [64,24,16,0,0,0] )',
]

MULTISESSION = [
    'announce' + ' ' * 78 + 'route 1.0.0.0/24 next-hop 101.1.101.1 med 200 community [2:1]',
    'neighbor 127.0.0.1 announce' + ' ' * 59 + 'route 1.1.0.0/24 next-hop 101.1.101.1',
    'neighbor 127.0.0.1 local-as 1 family-allowed ipv4-unicast announce' + ' ' * 20
    + 'route 1.2.0.0/24 next-hop 101.1.101.1',
    'neighbor 127.0.0.1 local-as 1 family-allowed in-open announce' + ' ' * 25 + 'route 9.9.9.9/24 next-hop 101.1.101.1',
    'neighbor 127.0.0.1 local-as 1 peer-as 1 local-ip 127.0.0.1 router-id 1.2.3.4 announce route 1.3.0.0/24 '
    'next-hop 101.1.101.1',
]

MVPN = [
    'ipv4 mcast-vpn shared-join rp 10.99.199.1 group 239.251.255.228 rd 65000:99999 source-as 65000 '
    'next-hop 10.10.6.3 extended-community [ target:192.168.94.12:5 ]',
    'ipv4 mcast-vpn source-join source 10.99.12.2 group 239.251.255.228 rd 65000:99999 source-as 65000 '
    'next-hop 10.10.6.3 extended-community [ target:192.168.94.12:5 ]',
    'ipv6 mcast-vpn shared-join rp fd00::1 group ff0e::1 rd 65000:99999 source-as 65000 '
    'next-hop 10.10.6.3 extended-community [ target:192.168.94.12:5 ]',
    'ipv6 mcast-vpn source-join source fd12::2 group ff0e::1 rd 65000:99999 source-as 65000 '
    'next-hop 10.10.6.3 extended-community [ target:192.168.94.12:5 ]',
    'ipv6 mcast-vpn source-ad source fd12::4 group ff0e::1 rd 65000:99999 next-hop 10.10.6.4 '
    'extended-community [ target:65000:99999 ]',
    'ipv4 mcast-vpn source-ad source 10.99.12.4 group 239.251.255.228 rd 65000:99999 next-hop 10.10.6.4 '
    'extended-community [ target:65000:99999 ]',
]

NEXTHOP_SELF = [
    'neighbor 127.0.0.1 announce route 1.1.0.0/16 next-hop self',
    'announce route 2.2.0.0/16 next-hop self',
    'announce route 2.2.0.1/32 next-hop 127.0.0.1',
    'announce route 2.2.0.1/32 next-hop self',
    'announce route 2.2.0.1/32 next-hop self',
    'announce route 3.3.0.3/32 next-hop self',
]

NEXTHOP = 'neighbor 127.0.0.1 announce route 2605::2/128 next-hop %s local-preference 500'

RIB = [
    'announce route 192.168.0.0/32 next-hop 10.0.0.0',
    'clear adj-rib out',
    'announce route 192.168.0.1/32 next-hop 10.0.0.1',
    'clear adj-rib out',
    'announce route 192.168.0.2/32 next-hop 10.0.0.2',
    'announce route 192.168.0.3/32 next-hop 10.0.0.3',
    'flush adj-rib out',
    'announce route 192.168.0.4/32 next-hop 10.0.0.4',
    'flush adj-rib out',
    'clear adj-rib out',
    'announce route 192.168.0.5/32 next-hop 10.0.0.5',
]

RR = [
    'announce route 192.168.0.0/32 next-hop 10.0.0.0',
    'announce route 192.168.0.1/32 next-hop 10.0.0.1',
    'announce route-refresh ipv4 unicast',
]
RR_POISON = 'announce route 255.255.255.255/32 next-hop 255.255.255.255'


def rr_event(prefix):
    return ('{ "exabgp": "5.0.0", "time": 1.0, "host" : "h", "pid" : 1000, "ppid" : 1, "counter": 5, '
            '"type": "update", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.1" }, '
            '"asn": { "local": 1, "peer": 1 } , "direction": "receive", "message": { "update": '
            '{ "attribute": { "origin": "igp", "local-preference": 100 }, "announce": { "ipv4 unicast": '
            '{ "10.0.0.1": [ { "nlri": "%s" } ] } } } } } }' % prefix)


VPLS = [
    'neighbor 127.0.0.1 announce vpls endpoint 5 base 10702 offset 1 size 8 rd 192.168.201.1:123 '
    'next-hop 192.168.201.1 origin igp as-path [ 30740 30740 30740 30740 30740 30740 30740 ] local-preference 100 '
    'med 2000 community [ 54591:123] extended-community [ target:54591:6 l2info:19:0:1500:111] '
    'originator-id 192.168.22.1 cluster-list [ 3.3.3.3 192.168.201.1 ]',
    'neighbor 127.0.0.1 withdraw vpls endpoint 5 base 10702 offset 1 size 8 rd 192.168.201.1:123 '
    'next-hop 192.168.201.1',
]

VPNV4 = ('neighbor 127.0.0.1 %s route 1.4.0.0/16 rd 65000:1 next-hop 101.1.101.1 community 100:1 '
         'extended-community 0x0002FDE900000001 label 1000')

CHECK_LINE = ('neighbor 127.0.0.1 receive update announced 0.0.0.0/32 next-hop 127.0.0.1 origin igp '
              'local-preference 100')

OPEN_EVENT = ('{ "exabgp": "5.0.0", "time": 1.0, "host" : "h", "pid" : 1000, "ppid" : 1, "counter": 1, '
              '"type": "open", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.1" }, '
              '"asn": { "local": 1, "peer": 1 } , "direction": "send", "message": { "category": 1, '
              '"header": "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", "body": "", "open": { "version": 4, "asn": 1, '
              '"hold_time": 180, "router_id": "1.2.3.4", "capabilities": { } } } } }')

KEEPALIVE_EVENT = ('{ "exabgp": "5.0.0", "time": 1.0, "host" : "h", "pid" : 1000, "ppid" : 1, "counter": 2, '
                   '"type": "keepalive", "neighbor": { "address": { "local": "127.0.0.1", "peer": "127.0.0.1" } } }')
DEFAULT_EVENT = ('{ "exabgp": "5.0.0", "time": 1.0, "host" : "h", "pid" : 1000, "ppid" : 1, "counter": 3, '
                 '"type": "update", "neighbor": { "message": { "update": { "announce": { "ipv4 unicast": '
                 '{ "127.0.0.1": [ { "nlri": "0.0.0.0/32" } ] } } } } } }')


def watchdog_check(commands):
    """conf-watchdog toggles forever: announce, withdraw, announce, ..."""
    if len(commands) < 6:
        return 'only %d commands' % len(commands)
    for index, line in enumerate(commands):
        want = 'announce watchdog dnsr' if index % 2 == 0 else 'withdraw watchdog dnsr'
        if line != want:
            return 'command %d is %r, expected %r' % (index, line, want)
    return None


def cases():
    w = 'withdraw'
    a = 'announce'
    return [
        Case('api-ack-control', 'api-ack-control.run',
             ['announce route 1.1.0.0/24 next-hop 101.1.101.1', 'disable-ack',
              'announce route 1.2.0.0/24 next-hop 101.1.101.1', 'enable-ack',
              'announce route 1.3.0.0/24 next-hop 101.1.101.1'],
             cumulative(0.2, C, 0.1, C, 0.1, C, 0.1, 1.0, C, 0.1, C)),
        Case('api-ack-control/acked-while-disabled', 'api-ack-control.run',
             ['announce route 1.1.0.0/24 next-hop 101.1.101.1', 'disable-ack',
              'announce route 1.2.0.0/24 next-hop 101.1.101.1'],
             acks='always', ending='self', rc=1),
        Case('api-ack-control/error', 'api-ack-control.run',
             ['announce route 1.1.0.0/24 next-hop 101.1.101.1'], acks='error', ending='self', rc=1),
        Case('api-ack-control/json-acks', 'api-ack-control.run',
             ['announce route 1.1.0.0/24 next-hop 101.1.101.1', 'disable-ack',
              'announce route 1.2.0.0/24 next-hop 101.1.101.1', 'enable-ack',
              'announce route 1.3.0.0/24 next-hop 101.1.101.1'], acks='json'),
        Case('api-add-remove', 'api-add-remove.run',
             ['announce route 1.1.0.0/24 next-hop 101.1.101.1', 'announce route 1.1.0.0/25 next-hop 101.1.101.1',
              'withdraw route 1.1.0.0/24', 'withdraw route 1.1.0.0/25 next-hop 0.0.0.0'],
             cumulative(C, C, 0.2, C, C)),
        Case('api-announce', 'api-announce.run', ANNOUNCE, cumulative(C, 0.1, C)),
        Case('api-announce-star', 'api-announce-star.run', ['neighbor * ' + x for x in ANNOUNCE],
             cumulative(C, 0.1, C)),
        Case('api-announcement', 'api-announcement.run', ANNOUNCEMENT,
             cumulative(0.2, *([C, 0.1] * 9))[:9]),
        Case('api-api.receive', 'api-api.receive.run', ['announce route 6.6.6.0/24 next-hop 1.1.1.1'],
             cumulative(2.0, C), initial=[KEEPALIVE_EVENT, 'done', DEFAULT_EVENT], ending='shutdown', rc=1),
        Case('api-api.receive/unexpected', 'api-api.receive.run', ['announce route 6.6.6.0/24 next-hop 9.9.9.9'],
             initial=['something unexpected'], ending='self', rc=1),
        Case('api-api.nothing', 'api-api.nothing.run', [], initial=[SHUTDOWN_JSON], ending='self', rc=1),
        Case('api-api.nothing/data', 'api-api.nothing.run', ['announce route 6.6.6.0/24 next-hop 9.9.9.9'],
             initial=[KEEPALIVE_EVENT]),
        Case('api-attributes-path', 'api-attributes-path.run', [ATTR_PATH % '1.2.3.4', ATTR_PATH % '4.3.2.1'],
             cumulative(C, 0.2, C)),
        Case('api-attributes-vpn', 'api-attributes-vpn.run',
             ['announce attribute route-distinguisher 63333:100 label [ 110 ] next-hop 10.0.99.12 origin igp '
              'as-path [100, 500] local-preference 100 extended-community 0:0 originator-id 10.0.99.12 '
              'nlri 128.0.64.0/18 128.0.0.0/18']),
        Case('api-attributes', 'api-attributes.run',
             ['announce attributes med 100 next-hop 101.1.101.1 nlri 1.0.0.1/32 1.0.0.2/32',
              'announce attributes local-preference 200 as-path [ 1 2 3 4 ] next-hop 202.2.202.2 '
              'nlri 2.0.0.1/32 2.0.0.2/32'],
             cumulative(C, 0.2, C)),
        Case('api-broken-flow', 'api-broken-flow.run',
             [a + ' ' + FLOW_A, w + ' ' + FLOW_A, a + ' ' + FLOW_C, a + ' ' + FLOW_B, a + ' ' + FLOW_A,
              w + ' ' + FLOW_A, a + ' ' + FLOW_A, w + ' ' + FLOW_A],
             cumulative(0.9, C, 0.1, C, 0.4, C, 0.1, C, 0.1, C, 0.4, C, 0.4, C, 0.4, C)),
        Case('api-check', 'api-check.run', ['neighbor 127.0.0.1 announce route 1.2.3.4 next-hop 5.6.7.8'],
             initial=['neighbor 127.0.0.1 receive update start', 'neighbor 127.0.0.1 receive update route eor 1/1 '
                      '(ipv4 unicast)', CHECK_LINE, 'neighbor 127.0.0.1 receive update end']),
        Case('api-check/wrong', 'api-check.run',
             ['neighbor 127.0.0.1 announce route 0.0.0.0/0 next-hop 255.255.255.255'],
             initial=['neighbor 127.0.0.1 receive update announced 9.9.9.9/32 next-hop 127.0.0.1'],
             ending='self', rc=1),
        Case('api-eor', 'api-eor.run', EORS, cumulative(2, C, 0.1, C, 0.1, C)),
        Case('api-manual-eor', 'api-manual-eor.run', EORS, cumulative(1, C, 0.1, C, 0.1, C)),
        Case('api-fast', 'api-fast.run', FAST, cumulative(0.2, C, C, C, C, 0.2, C, C, C, 0.2, C), acks='none'),
        Case('api-flow-merge', 'api-flow-merge.run', FLOW_MERGE, [2.0] * 9),
        Case('api-flow', 'api-flow.run', [FLOW_1W, FLOW_1, FLOW_2, FLOW_1, FLOW_2, FLOW_1W, FLOW_1], [0.2] * 7),
        Case('api-ipv4', 'api-ipv4.run', [x % a for x in IPV4] + [x % w for x in IPV4],
             cumulative(3, C, 0.2, C, 0.2, C, 0.2, C)),
        Case('api-ipv6', 'api-ipv6.run', [x % a for x in IPV6] + [x % w for x in IPV6],
             cumulative(0.2, C, 0.2, C, 0.2, C, 0.2, C)),
        Case('api-multi-neighbor', 'api-multi-neighbor.run',
             ['neighbor 127.0.0.1 announce route 1.1.0.0/24 next-hop 101.1.101.1',
              'neighbor 127.0.0.1 router-id 1.2.3.4, neighbor 127.0.0.1 announce route 1.1.0.0/25 '
              'next-hop 101.1.101.1',
              'withdraw route 1.1.0.0/24 next-hop 101.1.101.1'],
             cumulative(C, 0.2, C, 0.2, C), acks='none'),
        Case('api-multiple-public', 'api-multiple-public.run',
             ['announce route 1.1.1.1/32 next-hop 127.0.0.1', 'announce route 3.3.3.3/32 next-hop 127.0.0.1'],
             cumulative(C, 0.2, C)),
        Case('api-multiple-private', 'api-multiple-private.run',
             ['announce route 2.2.2.2/32 next-hop 127.0.0.1', 'shutdown'], cumulative(C, 1, C),
             after={'shutdown': ['shutdown in progress']}),
        Case('api-multisession', 'api-multisession.run', MULTISESSION, cumulative(C, 0.2, C, 0.2, C, 0.2, C, 0.2, C)),
        Case('api-mvpn', 'api-mvpn.run', [a + ' ' + r for r in MVPN] + [w + ' ' + r for r in MVPN],
             cumulative(2, *([C, 0.1] * 6), 5, *([C, 0.1] * 6))[:12]),
        Case('api-nexthop-self', 'api-nexthop-self.run', NEXTHOP_SELF, cumulative(*([C, 0.2] * 6))[:6]),
        Case('api-nexthop', 'api-nexthop.run', [NEXTHOP % '2001::1', NEXTHOP % '2001::2', NEXTHOP % '2001::1'],
             cumulative(C, 0.2, C, 0.2, C), acks='none'),
        Case('api-no-respawn-1', 'api-no-respawn-1.run', ['announce route 1.1.1.1/32 next-hop 11.11.11.11'],
             ending='self'),
        Case('api-no-respawn-2', 'api-no-respawn-2.run',
             ['announce route 2.2.2.2/32 next-hop 22.22.22.22', 'announce route 3.3.3.3/32 next-hop 33.33.33.33'],
             cumulative(0.2, C, 0.2, C)),
        Case('api-notification', 'api-notification.run', ['announce route 1.2.3.4 next-hop 5.6.7.8'],
             close_at=0, settle=1.0, late=[0]),
        Case('api-open', 'api-open.run', ['announce route 1.1.1.1/32 next-hop 101.1.101.1 med 200'],
             initial=[OPEN_EVENT]),
        Case('api-open/not-open', 'api-open.run', [], initial=[KEEPALIVE_EVENT], ending='self', rc=1),
        Case('api-open/not-json', 'api-open.run', [], initial=['neighbor 127.0.0.1 send open version 4'],
             ending='self', rc=1),
        Case('api-reload', 'api-reload.run', ['announce route 3.0.0.0/24 next-hop 4.0.0.0'], cumulative(2, C)),
        # (whether a WAIT(2) after two commands written together runs its whole window depends on
        # whether the two acks are read in one chunk, so only the initial pause is a sure floor)
        Case('api-rib', 'api-rib.run', RIB, [1.0] * len(RIB)),
        Case('api-rr-rib', 'api-rr-rib.run', RIB, [1.0] * len(RIB)),
        Case('api-rr', 'api-rr.run', RR + ['announce route 192.168.0.2/32 next-hop 10.0.0.1'],
             cumulative(0.2, C, 0.2, C, 0.2, C, 0.2, C),
             after={'announce route-refresh ipv4 unicast': [rr_event('192.168.0.0/32'), rr_event('192.168.0.1/32')]}),
        Case('api-rr/no-replay', 'api-rr.run',
             RR + ['debug {"nlri": "10.0.0.0/8"}', '', 'debug {"nlri": "10.0.0.0/8"}', '', RR_POISON],
             after={'announce route-refresh ipv4 unicast': ['{"nlri": "10.0.0.0/8"}', '{"nlri": "10.0.0.0/8"}']}),
        Case('api-silence-ack', 'api-silence-ack.run',
             ['announce route 2.1.0.0/24 next-hop 102.1.102.1', 'silence-ack',
              'announce route 2.2.0.0/24 next-hop 102.1.102.1', 'enable-ack',
              'announce route 2.3.0.0/24 next-hop 102.1.102.1'],
             cumulative(0.2, C, 0.1, C, 0.1, 1.0, C, 0.1, 1.0, C, 0.1, C)),
        Case('api-silence-ack/acked-while-silent', 'api-silence-ack.run',
             ['announce route 2.1.0.0/24 next-hop 102.1.102.1', 'silence-ack'],
             acks='always', ending='self', rc=1),
        Case('api-teardown', 'api-teardown.run',
             ['announce route 1.1.0.0/16 next-hop 1.1.1.1', 'neighbor 127.0.0.1 teardown 4',
              'announce route 2.2.0.0/16 next-hop 2.2.2.2', 'neighbor 127.0.0.1 teardown 4',
              'announce route 3.3.0.0/16 next-hop 3.3.3.3'],
             cumulative(C, 1, C, 2.5, C, 1, C, 2.5, C)),
        Case('api-vpls', 'api-vpls.run', VPLS, cumulative(0.2, C, 0.2, C)),
        Case('api-vpnv4', 'api-vpnv4.run', [VPNV4 % a, VPNV4 % w], cumulative(0.2, C, 0.2, C)),
        Case('conf-watchdog', 'watchdog.run', [], close_at=6, check=watchdog_check),
        Case('api-blocklist', 'api-blocklist.run', [], close_at=0, settle=0.5),
        Case('api-blocklist/shutdown', 'api-blocklist.run', [], initial=[SHUTDOWN_TEXT], ending='self'),
        Case('stderr-1', 'stderr-1.py', [], close_at=0, settle=0.5, initial=['hello']),
        Case('syslog-1', 'syslog-1.py', [], close_at=0, settle=0.5),
    ]


class FakeDaemon:
    """The daemon side of one helper's pipes."""

    def __init__(self, case, scale, launcher):
        self.case = case
        self.scale = scale
        self.launcher = launcher
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.received = []  # (seconds since start, closed?, line)
        self.acking = True
        self.closed = False
        self.stderr = b''

    def _write(self, lines):
        if self.closed:
            return
        try:
            for line in lines:
                # one write per line, as the daemon answers commands one by one
                self.proc.stdin.write((line + '\n').encode())
                self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass

    def _respond(self, line):
        """ExaBGP's ack rules (api spec 3) plus the case's scripted extras."""
        mode = self.case.acks
        out = []
        if mode != 'none' and line:
            word = 'done'
            if mode == 'error':
                word = 'error'
            answer = word if mode != 'json' else json.dumps({'answer': word, 'message': 'command completed'})
            if mode == 'always':
                out.append(answer)
            elif line == 'silence-ack':
                self.acking = False
            elif line == 'disable-ack':
                out.append(answer)
                self.acking = False
            elif line == 'enable-ack':
                self.acking = True
                out.append(answer)
            else:
                if line == 'shutdown':
                    out.extend(self.case.after.get(line, []))
                if self.acking:
                    out.append(answer)
        if line != 'shutdown':
            out.extend(self.case.after.get(line, []))
        self._write(out)

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors='replace').rstrip('\n')
            with self.lock:
                self.received.append((time.monotonic() - self.start, self.closed, line))
                self.arrived.notify_all()
                self._respond(line)
        with self.lock:
            self.arrived.notify_all()

    def _drain(self):
        self.stderr = self.proc.stderr.read()

    def close(self):
        with self.lock:
            if self.case.ending == 'shutdown':
                self._write([SHUTDOWN_JSON])
            self.closed = True
            try:
                self.proc.stdin.close()
            except OSError:
                pass

    def run(self):
        """Returns a list of failure strings (empty when the case passed)."""
        case = self.case
        env = dict(os.environ, EXABGP_QA_TIME_SCALE=repr(self.scale), EXABGP_QA_TRACE='1')
        self.start = time.monotonic()
        self.proc = subprocess.Popen(self.launcher(os.path.join(RUN, case.script)), cwd=ETC, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        reader = threading.Thread(target=self._read, daemon=True)
        drainer = threading.Thread(target=self._drain, daemon=True)
        reader.start()
        drainer.start()
        with self.lock:
            self._write(case.initial)

        failures = []
        # Generous bound: the whole spec timeline of the longest helper is ~15 s.
        budget = 20 * self.scale + 10
        with self.lock:
            deadline = time.monotonic() + budget
            while len(self.received) < case.close_at and self.proc.poll() is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    failures.append('only %d of %d commands within %.1fs' % (len(self.received), case.close_at, budget))
                    break
                self.arrived.wait(min(left, 0.05))
        # a short grace lets unexpected extra commands show up before the pipe is closed
        time.sleep(case.settle * self.scale + 0.2)

        if case.ending == 'self':
            try:
                self.proc.wait(timeout=5 * self.scale + 3)
            except subprocess.TimeoutExpired:
                failures.append('did not exit on its own')
        self.close()
        closed_at = time.monotonic()
        try:
            self.proc.wait(timeout=self.scale * 2 + 2)
        except subprocess.TimeoutExpired:
            failures.append('still running %.1fs after stdin was closed' % (time.monotonic() - closed_at))
            self.proc.kill()
            self.proc.wait()
        reader.join(2)
        drainer.join(2)

        with self.lock:
            got = [line for _, _, line in self.received]
            if case.check is not None:
                problem = case.check(got)
                if problem:
                    failures.append(problem)
            elif got != case.expected:
                failures.append('commands differ:\n      got      %r\n      expected %r' % (got, case.expected))
            if case.at_least is not None and case.check is None:
                # measured from the helper's own start when it reports it (python start-up excluded)
                origin = 0.0
                for word in self.stderr.decode(errors='replace').split('\n'):
                    if word.startswith('qa-start '):
                        origin = float(word.split()[1]) - self.start
                for index, (when, _, line) in enumerate(self.received[:len(case.at_least)]):
                    floor = case.at_least[index] * self.scale
                    when -= origin
                    if when + 0.002 < floor:
                        failures.append('command %d arrived after %.3fs, spec pauses need >= %.3fs'
                                        % (index, when, floor))
            for index, (_, after_close, line) in enumerate(self.received):
                if case.check is None and (index in case.late) != after_close:
                    failures.append('command %d %r arrived %s stdin was closed'
                                    % (index, line, 'before' if index in case.late else 'after'))
        if case.rc is not None and self.proc.returncode != case.rc:
            failures.append('exit status %s, expected %s' % (self.proc.returncode, case.rc))
        if b'Traceback' in self.stderr:
            failures.append('traceback on stderr:\n' + self.stderr.decode(errors='replace'))
        return failures


def configured_programs():
    """Every `run ./run/...` helper named by a config next to qa/etc/run (when the configs are there)."""
    names = set()
    if not os.path.isdir(ETC):
        return names
    for conf in sorted(os.listdir(ETC)):
        if not conf.endswith('.conf'):
            continue
        with open(os.path.join(ETC, conf)) as handle:
            for line in handle:
                words = line.split()
                if len(words) >= 2 and words[0] == 'run' and words[1].startswith('./run/'):
                    names.add(words[1].rstrip(';')[len('./run/'):])
    return names


def reference_launcher(scale):
    """Runs an original helper with a clock compressed by `scale` (for --compare)."""
    shim = (
        'import sys, time, runpy\n'
        's = %r\n'
        'real_sleep, real_time, origin = time.sleep, time.time, time.time()\n'
        'time.sleep = lambda x: real_sleep(x * s)\n'
        'time.time = lambda: origin + (real_time() - origin) / s\n'
        'path = sys.argv.pop(1)\n'
        'sys.argv[0] = path\n'
        'runpy.run_path(path, run_name="__main__")\n' % scale
    )
    return lambda path: [sys.executable, '-c', shim, path]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('-s', '--scale', type=float, default=0.2, help='time scale for the helpers (default 0.2)')
    parser.add_argument('-j', '--jobs', type=int, default=6, help='helpers run concurrently (default 6)')
    parser.add_argument('-v', '--verbose', action='store_true')
    parser.add_argument('--compare', metavar='DIR',
                        help='run the helpers found in DIR (e.g. the original ones) instead of qa/etc/run')
    parser.add_argument('names', nargs='*', help='only the cases whose name starts with one of these')
    args = parser.parse_args()

    global RUN
    launcher = lambda path: [path]  # noqa: E731
    if args.compare:
        RUN = os.path.abspath(args.compare)
        launcher = reference_launcher(args.scale)

    selected = [c for c in cases() if not args.names or any(c.name.startswith(n) for n in args.names)]
    passed = failed = 0
    results = []

    # Static checks: every program exists and is executable; configs' programs are all covered.
    wanted = {c.script for c in cases()} | configured_programs()
    for script in sorted(wanted):
        path = os.path.join(RUN, script)
        name = 'exists+executable %s' % script
        if os.path.isfile(path) and os.access(path, os.X_OK):
            passed += 1
            results.append((name, []))
        else:
            failed += 1
            results.append((name, ['missing or not executable']))

    def run(case):
        started = time.monotonic()
        problems = FakeDaemon(case, args.scale, launcher).run()
        return case, problems, time.monotonic() - started

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for case, problems, took in pool.map(run, selected):
            results.append(('%s (%.1fs)' % (case.name, took), problems))
            if problems:
                failed += 1
            else:
                passed += 1

    for name, problems in results:
        if problems:
            print('FAIL %s' % name)
            for problem in problems:
                print('    ' + problem)
        elif args.verbose:
            print('ok   %s' % name)
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
