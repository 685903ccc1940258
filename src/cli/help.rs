//! `--help` texts, as ExaBGP's argparse prints them for a program named
//! `exabgp` on an 80-column output (mentions of Python adapted).

pub const MAIN_USAGE: &str = "\
usage: exabgp [-h] {version,cli,healthcheck,env,decode,server,validate} ...
";
pub const MAIN: &str = "\
usage: exabgp [-h] {version,cli,healthcheck,env,decode,server,validate} ...

The BGP swiss army knife of networking

positional arguments:
  {version,cli,healthcheck,env,decode,server,validate}
    version             report exabgp version
    cli                 control a running exabgp server instance
    healthcheck         monitor services and announce/withdraw routes
    env                 show exabgp configuration information
    decode              decode hex-encoded bgp packets
    server              start exabgp
    validate            validate configuration

options:
  -h, --help            show this help message and exit
";

pub const VERSION_USAGE: &str = "\
usage: exabgp version [-h]
";
pub const VERSION: &str = "\
usage: exabgp version [-h]

exabgp current version

options:
  -h, --help  show this help message and exit
";

pub const CLI_USAGE: &str = "\
usage: exabgp cli [-h] [--pipename PIPENAME] [command ...]
";
pub const CLI: &str = "\
usage: exabgp cli [-h] [--pipename PIPENAME] [command ...]

exabgp command line interface

positional arguments:
  command              command to run on the router

options:
  -h, --help           show this help message and exit
  --pipename PIPENAME  Name of the pipe
";

pub const HEALTHCHECK_USAGE: &str = "\
usage: exabgp healthcheck [-h] [--silent | --syslog-facility [FACILITY] |
                          --no-syslog] [--debug] [--no-ack] [--sudo]
                          [--name NAME] [--config FILE] [--pid FILE]
                          [--user USER] [--group GROUP] [--interval N]
                          [--fast-interval N] [--timeout N] [--rise N]
                          [--fall N] [--disable FILE] [--command CMD]
                          [--next-hop IP] [--ip IP] [--ip-ifname IP%IFNAME]
                          [--local-preference P] [--deaggregate-networks]
                          [--no-ip-setup] [--dynamic-ip-setup] [--label LABEL]
                          [--label-exact-match] [--start-ip N] [--up-metric M]
                          [--down-metric M] [--disabled-metric M]
                          [--increase M] [--community COMMUNITY]
                          [--extended-community EXTENDEDCOMMUNITY]
                          [--large-community LARGECOMMUNITY]
                          [--disabled-community DISABLEDCOMMUNITY]
                          [--as-path ASPATH] [--up-as-path ASPATH]
                          [--down-as-path ASPATH] [--disabled-as-path ASPATH]
                          [--withdraw-on-down] [--path-id PATHID]
                          [--neighbor NEIGHBOR] [--debounce] [--execute CMD]
                          [--up-execute CMD] [--down-execute CMD]
                          [--disabled-execute CMD]
";
pub const HEALTHCHECK: &str = "\
usage: exabgp healthcheck [-h] [--silent | --syslog-facility [FACILITY] |
                          --no-syslog] [--debug] [--no-ack] [--sudo]
                          [--name NAME] [--config FILE] [--pid FILE]
                          [--user USER] [--group GROUP] [--interval N]
                          [--fast-interval N] [--timeout N] [--rise N]
                          [--fall N] [--disable FILE] [--command CMD]
                          [--next-hop IP] [--ip IP] [--ip-ifname IP%IFNAME]
                          [--local-preference P] [--deaggregate-networks]
                          [--no-ip-setup] [--dynamic-ip-setup] [--label LABEL]
                          [--label-exact-match] [--start-ip N] [--up-metric M]
                          [--down-metric M] [--disabled-metric M]
                          [--increase M] [--community COMMUNITY]
                          [--extended-community EXTENDEDCOMMUNITY]
                          [--large-community LARGECOMMUNITY]
                          [--disabled-community DISABLEDCOMMUNITY]
                          [--as-path ASPATH] [--up-as-path ASPATH]
                          [--down-as-path ASPATH] [--disabled-as-path ASPATH]
                          [--withdraw-on-down] [--path-id PATHID]
                          [--neighbor NEIGHBOR] [--debounce] [--execute CMD]
                          [--up-execute CMD] [--down-execute CMD]
                          [--disabled-execute CMD]

Healthchecker for exabgp.

This program is to be used as a process for exabgp. It will announce
some VIP depending on the state of a check whose a third-party program
wrapped by this program.

To use, declare this program as a process in your
:file:`/etc/exabgp/exabgp.conf`::

    neighbor 192.0.2.1 {
       router-id 192.0.2.2;
       local-as 64496;
       peer-as 64497;
    }
    process watch-haproxy {
       run exabgp healthcheck --cmd \"curl -sf http://127.0.0.1/healthcheck\" --label haproxy;
    }
    process watch-mysql {
       run exabgp healthcheck --cmd \"mysql -u check -e 'SELECT 1'\" --label mysql;
    }

Use :option:`--help` to get options accepted by this program. A
configuration file is also possible. Such a configuration file looks
like this::

     debug
     name = haproxy
     interval = 10
     fast-interval = 1
     command = curl -sf http://127.0.0.1/healthcheck

The left-part of each line is the corresponding long option.

When using label for loopback selection, the provided value should
match the beginning of the label without the interface prefix. In the
example above, this means that you should have addresses on lo
labelled ``lo:haproxy1``, ``lo:haproxy2``, etc.

options:
  -h, --help            show this help message and exit
  --silent, -s          don't log to console
  --syslog-facility [FACILITY], -sF [FACILITY]
                        log to syslog using FACILITY, default FACILITY is
                        daemon
  --no-syslog           disable syslog logging
  --debug, -d           enable debugging
  --no-ack, -a          set for exabgp 3.4 or 4.x when exabgp.api.ack=false
  --sudo                use sudo to setup ip addresses
  --name NAME, -n NAME  name for this healthchecker
  --config FILE, -F FILE
                        read configuration from a file
  --pid FILE, -p FILE   write PID to the provided file
  --user USER           set user after setting ip addresses
  --group GROUP         set group after setting ip addresses

checking healthiness:
  --interval N, -i N    wait N seconds between each healthcheck (zero to exit
                        after first announcement)
  --fast-interval N, -f N
                        when a state change is about to occur, wait N seconds
                        between each healthcheck
  --timeout N, -t N     wait N seconds for the check command to execute
  --rise N              check N times before considering the service up
  --fall N              check N times before considering the service down
  --disable FILE        if FILE exists, the service is considered disabled
  --command CMD, --cmd CMD, -c CMD
                        command to use for healthcheck

advertising options:
  --next-hop IP, -N IP  self IP address to use as next hop
  --ip IP               advertise this IP address or network (CIDR notation)
  --ip-ifname IP%IFNAME
                        bind this IP address or network (CIDR) to the given
                        physical or logical interface (i.e. 192.165.14.1%eth0)
  --local-preference P  advertise with local preference P
  --deaggregate-networks
                        Deaggregate Networks specified in --ip
  --no-ip-setup         don't setup missing IP addresses
  --dynamic-ip-setup    delete setup ips on state down and disabled, then
                        restore them when up
  --label LABEL         use the provided label to match setup ip addresses
  --label-exact-match   use the provided label to exactly match setup ip
                        addresses, not a prefix match
  --start-ip N          index of the first IP in the list of IP addresses
  --up-metric M         first IP get the metric M when the service is up
  --down-metric M       first IP get the metric M when the service is down
  --disabled-metric M   first IP get the metric M when the service is disabled
  --increase M          for each additional IP address, increase metric value
                        by M
  --community COMMUNITY
                        announce IPs with the supplied community
  --extended-community EXTENDEDCOMMUNITY
                        announce IPs with the supplied extended community
  --large-community LARGECOMMUNITY
                        announce IPs with the supplied large community
  --disabled-community DISABLEDCOMMUNITY
                        announce IPs with the supplied community when disabled
  --as-path ASPATH      announce IPs with the supplied as-path
  --up-as-path ASPATH   announce IPs with the supplied as-path when the
                        service is up
  --down-as-path ASPATH
                        announce IPs with the supplied as-path when the
                        service is down
  --disabled-as-path ASPATH
                        announce IPs with the supplied as-path when the
                        service is disabled
  --withdraw-on-down    Instead of increasing the metric on health failure,
                        withdraw the route
  --path-id PATHID      path ID to advertise for the route
  --neighbor NEIGHBOR   advertise the route to the selected neigbors
  --debounce            announce only on state changes, instead of every
                        iteration

reporting:
  --execute CMD         execute CMD on state change
  --up-execute CMD      execute CMD when the service becomes available
  --down-execute CMD    execute CMD when the service becomes unavailable
  --disabled-execute CMD
                        execute CMD when the service is disabled
";

pub const ENV_USAGE: &str = "\
usage: exabgp env [-h] [-d] [-e]
";
pub const ENV: &str = "\
usage: exabgp env [-h] [-d] [-e]

exabgp environement values

options:
  -h, --help  show this help message and exit
  -d, --diff  show only the different from the defaults
  -e, --env   display using environment (not ini)
";

pub const DECODE_USAGE: &str = "\
usage: exabgp decode [-h] [-n] [-u] [-o] [-d] [-p] [-c CONFIGURATION]
                     [-f FAMILY] [-i]
                     payload
";
pub const DECODE: &str = "\
usage: exabgp decode [-h] [-n] [-u] [-o] [-d] [-p] [-c CONFIGURATION]
                     [-f FAMILY] [-i]
                     payload

positional arguments:
  payload               the BGP payload in hexadecimal

options:
  -h, --help            show this help message and exit
  -n, --nlri            the data is only the NLRI
  -u, --update          the data is an update message (does nothing)
  -o, --open            the data is an open message (does nothing)
  -d, --debug           report debug information
  -p, --pdb             fire the debugger on fault
  -c CONFIGURATION, --configuration CONFIGURATION
                        configuration file(s)
  -f FAMILY, --family FAMILY
                        family expected (format like \"ipv4 unicast\")
  -i, --path-information
                        decode path-information
";

pub const SERVER_USAGE: &str = "\
usage: exabgp server [-h] [-v] [-d] [-s SIGNAL] [-1] [-p] [-P] [-m]
                     [--profile PROFILE]
                     configuration [configuration ...]
";
pub const SERVER: &str = "\
usage: exabgp server [-h] [-v] [-d] [-s SIGNAL] [-1] [-p] [-P] [-m]
                     [--profile PROFILE]
                     configuration [configuration ...]

exabgp server

positional arguments:
  configuration         configuration file(s)

options:
  -h, --help            show this help message and exit
  -v, --verbose         toogle all logging
  -d, --debug           toogle all logging and debugging (implies -v, -p)
  -s SIGNAL, --signal SIGNAL
                        issue a SIGUSR1 to reload the configuration after
                        <time> seconds, only useful for code debugging
  -1, --once            only perform one attempt to connect to peers
  -p, --pdb             fire the debugger on critical logging, SIGTERM, and
                        exceptions (shortcut for exabgp.pdb.enable=true)
  -P, --passive         only accept incoming connections
  -m, --memory          display memory usage information on exit
  --profile PROFILE     enable profiling and set where the information should
                        be saved
";

pub const VALIDATE_USAGE: &str = "\
usage: exabgp validate [-h] [-n] [-r] [-v] [-p]
                       configuration [configuration ...]
";
pub const VALIDATE: &str = "\
usage: exabgp validate [-h] [-n] [-r] [-v] [-p]
                       configuration [configuration ...]

exabgp configuration validation

positional arguments:
  configuration   configuration file(s)

options:
  -h, --help      show this help message and exit
  -n, --neighbor  check the parsing of the neighbors
  -r, --route     check the parsing of the routes
  -v, --verbose   be verbose in the display
  -p, --pdb       fire the debugger on critical logging, SIGTERM, and
                  exceptions (shortcut for exabgp.pdb.enable=true)
";
