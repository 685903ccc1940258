//! What the daemon knows besides the reactor: which configured neighbor
//! each peer runs, which `process` each helper is, and what the hooks asked
//! for. Hooks ([`super::hooks`]) see all of it.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::bgp::negotiated::Negotiated;
use crate::config::{Configuration, Neighbor, Process};
use crate::environment::Environment;
use crate::reactor::{PeerId, ProcessId, Reactor};

/// A configured neighbor the reactor runs.
#[derive(Debug)]
pub struct Peer {
    pub id: PeerId,
    /// `Neighbor::index()`: how reloads recognise it.
    pub key: String,
    pub neighbor: Neighbor,
    /// Helpers its `api` blocks name (refreshed on reload).
    pub helpers: Vec<ProcessId>,
    /// The agreement of the current session (from its OPENs).
    pub negotiated: Option<Rc<Negotiated>>,
    pub established: bool,
    /// Removed by a reload: it is stopping and leaves when it finished.
    pub retired: bool,
}

/// A running `process`.
#[derive(Debug)]
pub struct Helper {
    pub id: ProcessId,
    pub process: Process,
}

/// Whole-daemon actions a hook (API command) may ask for; applied between
/// turns, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// API `shutdown`: as SIGTERM.
    Shutdown,
    /// API `reload`: as SIGUSR1.
    Reload,
    /// As SIGUSR2 (helpers restarted too).
    FullReload,
    /// API `restart`: as SIGALRM.
    Restart,
}

/// The daemon's tables and its reactor.
pub struct State {
    pub reactor: Reactor,
    pub env: Environment,
    pub peers: BTreeMap<PeerId, Peer>,
    pub helpers: Vec<Helper>,
    /// The configuration in force (the last one that loaded).
    pub configuration: Option<Configuration>,
    pub(crate) requests: Vec<Request>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("peers", &self.peers.len())
            .field("helpers", &self.helpers.len())
            .finish()
    }
}

impl State {
    pub fn new(reactor: Reactor, env: Environment) -> State {
        State {
            reactor,
            env,
            peers: BTreeMap::new(),
            helpers: Vec::new(),
            configuration: None,
            requests: Vec::new(),
        }
    }

    /// Ask the daemon for a whole-daemon action after this turn.
    pub fn request(&mut self, request: Request) {
        self.requests.push(request);
    }

    pub fn helper(&self, id: ProcessId) -> Option<&Helper> {
        self.helpers.iter().find(|h| h.id == id)
    }

    pub fn helper_named(&self, name: &str) -> Option<&Helper> {
        self.helpers.iter().find(|h| h.process.name == name)
    }

    /// The live (not retired) peer running the neighbor with this key.
    pub fn peer_by_key(&self, key: &str) -> Option<PeerId> {
        self.peers
            .values()
            .find(|p| !p.retired && p.key == key)
            .map(|p| p.id)
    }

    /// The helpers `neighbor`'s `api` blocks name, as running now.
    pub fn helpers_of(&self, neighbor: &Neighbor) -> Vec<ProcessId> {
        let defined: Vec<Process> = self.helpers.iter().map(|h| h.process.clone()).collect();
        neighbor
            .api_processes(&defined)
            .into_iter()
            .filter_map(|name| self.helper_named(name).map(|h| h.id))
            .collect()
    }
}
