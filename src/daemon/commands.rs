//! Helper commands acted upon (api.md §2): the API's parser with the
//! configuration's route grammar as its `RouteParser`, then each command
//! applied to the RIBs or the reactor, and the answer written back.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::api::ack::Acks;
use crate::api::command::{self, Action, Command, RouteKind, RouteParser};
use crate::api::selector::Selector;
use crate::api::{line, reply};
use crate::bgp::iana::{Afi, Family};
use crate::bgp::message::{Message, RouteRefresh};
use crate::bgp::notify::{code, Notify};
use crate::config::route::{
    parse_flow_block, parse_route_into, remember_static_line, static_route_fast, Route, RouteContext, RouteKind as Grammar, RouteWords};
use crate::config::syntax::Document;
use crate::reactor::{PeerId, ProcessId};
use crate::rib::Change;

use super::routing::Ribs;
use super::stats::{Stats, KINDS};
use super::state::{Request, State};

/// The configuration grammar behind `announce …` / `withdraw …`. The line
/// document and the route context live as long as the daemon: buffers are
/// reused, and the context's cache of recent attribute sets makes a feed
/// of lines sharing attributes parse only the prefix of each.
#[derive(Debug)]
pub struct ConfigRoutes {
    doc: Document,
    ctx: RouteContext,
    /// The vector the last command's routes came in, given back once they
    /// were applied.
    spare: Vec<Route>,
}

impl Default for ConfigRoutes {
    fn default() -> ConfigRoutes {
        ConfigRoutes { doc: Document::line_buffer("api"), ctx: RouteContext::default(), spare: Vec::new() }
    }
}

/// Attribute sets kept shared between API lines before the interner starts
/// over (helpers writing a different set on every line must not grow it
/// without bound; sharing only saves memory and hashing).
const INTERNED_MAX: usize = 4096;

impl RouteParser for ConfigRoutes {
    type Output = Vec<Route>;

    fn parse(&mut self, kind: RouteKind, action: Action, text: &str) -> Result<Vec<Route>, String> {
        let ctx = &mut self.ctx;
        ctx.action = match action {
            Action::Announce => crate::bgp::message::update::Action::Announce,
            Action::Withdraw => crate::bgp::message::update::Action::Withdraw,
        };
        if ctx.interner.len() > INTERNED_MAX {
            ctx.interner = crate::config::route::AttributeInterner::new();
        }
        if kind == RouteKind::Route {
            // A line repeating an attribute set seen before needs no lexing.
            let mut routes = std::mem::take(&mut self.spare);
            routes.clear();
            if static_route_fast(text, ctx, &mut routes) {
                return Ok(routes);
            }
            self.spare = routes;
        }
        self.doc.set_line(text).map_err(|e| e.to_string())?;
        let node = self.doc.root().next().ok_or_else(|| "nothing to parse".to_string())?;
        let mut words = RouteWords::all(node);
        let grammar = match kind {
            RouteKind::Route => Grammar::Static,
            RouteKind::Attributes => Grammar::StaticAttributes,
            RouteKind::Vpls => Grammar::Vpls,
            RouteKind::Flow => {
                if node.is_section() {
                    return parse_flow_block(node, ctx).map(|r| vec![r]).map_err(|e| e.to_string());
                }
                // One-line form: `route <components and actions…>`.
                if words.peek().is_some_and(|w| w.text() == "route") {
                    words.next();
                }
                Grammar::Flow
            }
            RouteKind::Ipv4 | RouteKind::Ipv6 => {
                let afi = if kind == RouteKind::Ipv4 { Afi::IPV4 } else { Afi::IPV6 };
                let safi = words.next().ok_or_else(|| "a sub-family was expected".to_string())?;
                let afi_name = if afi == Afi::IPV4 { "ipv4" } else { "ipv6" };
                match safi.text() {
                    "mup" => Grammar::Mup(afi),
                    "mcast-vpn" => Grammar::McastVpn(afi),
                    name => {
                        let family = Family::from_names(afi_name, name)
                            .ok_or_else(|| format!("unknown sub-family {name}"))?;
                        if name == "flow" || name == "flow-vpn" {
                            Grammar::AnnounceFlow(family)
                        } else {
                            Grammar::Announce(family)
                        }
                    }
                }
            }
            // `announce operational` is parsed by `api::operational`.
            RouteKind::Operational => return Err("not a route".to_string()),
        };
        let mut routes = std::mem::take(&mut self.spare);
        routes.clear();
        parse_route_into(grammar, &mut words, ctx, &mut routes).map_err(|e| e.to_string())?;
        if kind == RouteKind::Route {
            remember_static_line(text, ctx);
        }
        Ok(routes)
    }
}

/// Replies to commands read together are written this far apart: ExaBGP
/// answers each command as it runs it, so a helper reads them one by one,
/// and helpers that count acks per read (the qa ones) depend on it.
const PACE: Duration = Duration::from_millis(10);
/// Past this many replies waiting for one helper, write them all at once
/// (bulk API use must not be slowed down).
const PACED_MAX: usize = 8;

/// A value per helper: helpers are few, so a vector scanned in place is
/// cheaper on every line than hashing the id.
#[derive(Debug)]
struct PerProcess<T>(Vec<(ProcessId, T)>);

impl<T> Default for PerProcess<T> {
    fn default() -> PerProcess<T> {
        PerProcess(Vec::new())
    }
}

impl<T> PerProcess<T> {
    fn get(&self, process: ProcessId) -> Option<&T> {
        self.0.iter().find(|(p, _)| *p == process).map(|(_, v)| v)
    }

    /// The value for `process`, made first if missing (`None` never
    /// happens: the value was just pushed).
    fn get_or_insert_with(&mut self, process: ProcessId, make: impl FnOnce() -> T) -> Option<&mut T> {
        if !self.0.iter().any(|(p, _)| *p == process) {
            self.0.push((process, make()));
        }
        self.0.iter_mut().find(|(p, _)| *p == process).map(|(_, v)| v)
    }

    fn insert(&mut self, process: ProcessId, value: T) {
        match self.0.iter_mut().find(|(p, _)| *p == process) {
            Some((_, v)) => *v = value,
            None => self.0.push((process, value)),
        }
    }

    fn remove(&mut self, process: ProcessId) {
        self.0.retain(|(p, _)| *p != process);
    }
}

/// Per-helper command state.
#[derive(Debug, Default)]
pub struct Commands {
    acks: PerProcess<Acks>,
    routes: ConfigRoutes,
    line: String,
    out: String,
    /// Replies waiting for their time, in order.
    paced: VecDeque<(ProcessId, String, Instant)>,
    /// When the last reply to each helper was written (or is due).
    last: PerProcess<Instant>,
    /// Buffers of replies written after waiting, for the next replies to
    /// wait (bulk API use would allocate one per line otherwise).
    spare: Vec<String>,
}

impl Commands {
    /// A helper left or was restarted: its ack setting starts over.
    pub fn forget(&mut self, process: ProcessId) {
        self.acks.remove(process);
        self.last.remove(process);
        self.paced.retain(|p| p.0 != process);
    }

    /// When the next paced reply is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.paced.front().map(|p| p.2)
    }

    /// Write the replies that are due; `true` while some wait.
    pub fn pump(&mut self, state: &mut State) -> bool {
        let now = Instant::now();
        while let Some((_, _, due)) = self.paced.front() {
            if *due > now {
                break;
            }
            if let Some((process, text, _)) = self.paced.pop_front() {
                write_reply(state, process, &text);
                self.recycle(text);
            }
        }
        !self.paced.is_empty()
    }

    /// Keep a written reply's buffer for a later one.
    fn recycle(&mut self, mut text: String) {
        if self.spare.len() < PACED_MAX {
            text.clear();
            self.spare.push(text);
        }
    }

    /// Write `self.out` for `process` now, or after the replies before it.
    fn emit(&mut self, state: &mut State, process: ProcessId) {
        if self.out.is_empty() {
            return;
        }
        let now = Instant::now();
        let waiting = self.paced.iter().filter(|p| p.0 == process).count();
        if waiting >= PACED_MAX {
            // Flush this helper's queue in order, then this reply.
            let mut rest = VecDeque::new();
            for (p, text, due) in self.paced.drain(..) {
                if p == process {
                    write_reply(state, p, &text);
                    if self.spare.len() < PACED_MAX {
                        let mut text = text;
                        text.clear();
                        self.spare.push(text);
                    }
                } else {
                    rest.push_back((p, text, due));
                }
            }
            self.paced = rest;
            write_reply(state, process, &self.out);
            self.last.insert(process, now);
            return;
        }
        match self.last.get(process) {
            Some(&last) if waiting > 0 || now < last + PACE => {
                let due = last + PACE;
                let text = std::mem::replace(&mut self.out, self.spare.pop().unwrap_or_default());
                self.paced.push_back((process, text, due));
                self.last.insert(process, due);
            }
            _ => {
                write_reply(state, process, &self.out);
                self.last.insert(process, now);
            }
        }
    }

    /// One line from `process`.
    pub fn handle(&mut self, ribs: &mut Ribs, stats: &mut Stats, state: &mut State, process: ProcessId, raw: &str) {
        line::normalise(raw, &mut self.line);
        if self.line.is_empty() {
            return;
        }
        let default = state.env.api.ack;
        let Some(acks) = self.acks.get_or_insert_with(process, || Acks::new(default)) else { return };
        self.out.clear();
        // The helper's name is only looked up when something prints it.
        let name = |state: &State| state.helper(process).map(|h| h.process.name.clone()).unwrap_or_default();
        log::debug!(target: "processes", "command from process {} : {}", name(state), self.line);
        match command::parse(&self.line, &mut self.routes) {
            Err(e) => {
                log::warn!(target: "processes", "command from process {} not understood: {} ({})", name(state), self.line, e);
                reply::error(acks, &mut self.out);
            }
            Ok(cmd) => {
                let version = if matches!(cmd, Command::Version) { crate::cli::version::version() } else { String::new() };
                if reply::control(&cmd, acks, &version, &mut self.out) {
                    match cmd {
                        Command::Shutdown => state.request(Request::Shutdown),
                        Command::Reload => state.request(Request::Reload),
                        Command::Restart => state.request(Request::Restart),
                        _ => {}
                    }
                } else {
                    let ok = execute(ribs, stats, state, process, cmd, &mut self.out, &mut self.routes.spare);
                    let ack = if ok { acks.done() } else { acks.error() };
                    self.out.push_str(ack.unwrap_or(""));
                }
            }
        }
        self.emit(state, process);
    }
}

/// Every line of a reply, empty ones included (`show neighbor
/// extensive`); a final newline ends the last one.
fn write_reply(state: &mut State, process: ProcessId, out: &str) {
    let text = out.strip_suffix('\n').unwrap_or(out);
    if text.is_empty() {
        return;
    }
    for reply in text.split('\n') {
        state.reactor.write_process(process, reply);
    }
}

/// Whether `selector` picks `peer` (its key is only built for a selector).
fn picks(selector: &Selector, peer: &super::state::Peer) -> bool {
    selector.is_empty() || selector.matches(&peer.neighbor.name())
}

/// Every peer `selector` picks, established ones only when `established`.
fn selected(state: &State, selector: &Selector, established: bool) -> Vec<PeerId> {
    state
        .peers
        .values()
        .filter(|p| !p.retired && (!established || p.established) && picks(selector, p))
        .map(|p| p.id)
        .collect()
}

/// Act on a command that needs the daemon; `true` for `done`.
#[allow(clippy::too_many_arguments)]
fn execute(
    ribs: &mut Ribs,
    stats: &mut Stats,
    state: &mut State,
    process: ProcessId,
    cmd: Command<Vec<Route>>,
    out: &mut String,
    spare: &mut Vec<Route>,
) -> bool {
    match cmd {
        Command::Teardown { selector, subcode } => {
            if selector.is_empty() {
                return true;
            }
            for id in selected(state, &selector, true) {
                state.reactor.stop_peer(id, Some(Notify::new(code::CEASE, subcode)), true);
            }
            true
        }
        Command::FlushAdjRibOut { selector } => {
            let ids = selected(state, &selector, true);
            for &id in &ids {
                let refresh = state.peers.get(&id).is_some_and(|p| p.neighbor.capability.route_refresh);
                if let Some(rib) = ribs.of(state, id) {
                    rib.out.resend(refresh, None);
                }
            }
            !ids.is_empty()
        }
        Command::ClearAdjRib { selector, rib } => {
            let ids = selected(state, &selector, false);
            for &id in &ids {
                if let Some(r) = ribs.of(state, id) {
                    match rib {
                        command::Rib::In => r.inn.clear(),
                        command::Rib::Out => r.out.withdraw(None),
                    }
                }
            }
            !ids.is_empty()
        }
        Command::Eor { selector, family } => {
            let ids = selected(state, &selector, true);
            for &id in &ids {
                if let Some(r) = ribs.of(state, id) {
                    r.out.queue_eor(family);
                }
            }
            !ids.is_empty()
        }
        Command::RouteRefresh { selector, family } => {
            let ids = selected(state, &selector, true);
            let mut sent = false;
            for id in ids {
                let has = state
                    .peers
                    .get(&id)
                    .and_then(|p| p.negotiated.as_ref())
                    .is_some_and(|n| n.families.contains(&family));
                if has {
                    let message = Message::RouteRefresh(RouteRefresh { afi: family.afi, safi: family.safi, subtype: 0 });
                    sent |= state.reactor.send_message(id, &message);
                }
            }
            sent
        }
        Command::Routes { selector, action, routes, .. } => {
            // The peers `process` owns that `selector` picks, walked in
            // place (no list of ids per line).
            let mut any = false;
            let mut interner = crate::config::route::AttributeInterner::new();
            let state: &State = state;
            for peer in state.peers.values() {
                if peer.retired || !peer.helpers.contains(&process) || !picks(&selector, peer) {
                    continue;
                }
                any = true;
                let neighbor = &peer.neighbor;
                let Some(rib) = ribs.of(state, peer.id) else { continue };
                for route in &routes {
                    if !neighbor.families.contains(&route.nlri.family()) {
                        log::error!(
                            target: "configuration",
                            "the route family ({}) is not configured on neighbor {}",
                            route.nlri.family(),
                            neighbor.name()
                        );
                        continue;
                    }
                    let mut change = if matches!(route.nexthop, crate::config::route::NextHopSpec::SelfAfi(_)) {
                        let mut route = route.clone();
                        if let Err(e) = route.resolve(neighbor, &mut interner) {
                            log::warn!(target: "processes", "{}", e);
                            continue;
                        }
                        super::routing::route_change(&route)
                    } else {
                        super::routing::route_change(route)
                    };
                    if action == Action::Withdraw {
                        change.action = crate::bgp::message::update::Action::Withdraw;
                    }
                    add(rib, change);
                }
            }
            if !any {
                return false;
            }
            // The vector serves the next command.
            let mut routes = routes;
            routes.clear();
            *spare = routes;
            true
        }
        Command::Operational { selector, message } => {
            // ExaBGP queues it on every owned peer with the family configured;
            // it goes out only where the `operational` capability is
            // configured (now, or once the session is up), else it is dropped.
            let Some(family) = message.family() else { return false };
            let mut any = false;
            let ids: Vec<PeerId> = state
                .peers
                .values()
                .filter(|p| !p.retired && p.helpers.contains(&process) && picks(&selector, p))
                .map(|p| p.id)
                .collect();
            for id in ids {
                any = true;
                let Some(peer) = state.peers.get(&id) else { continue };
                let neighbor = &peer.neighbor;
                if !neighbor.families.contains(&family) {
                    log::error!(
                        target: "configuration",
                        "the route family ({family}) is not configured on neighbor {}",
                        neighbor.name()
                    );
                    continue;
                }
                if !neighbor.capability.operational {
                    log::debug!(target: "processes", "operational capability off for {}: message dropped", neighbor.name());
                    continue;
                }
                let ours = neighbor.router_id.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED);
                let message = crate::api::operational::with_router_id(&message, ours);
                let established = peer.established;
                let Some(rib) = ribs.of(state, id) else { continue };
                if message.what() == crate::bgp::message::operational::what::ASM {
                    rib.asm.retain(|m| m.family() != Some(family));
                    rib.asm.push(message.clone());
                }
                if !established {
                    rib.operational.push(message);
                    continue;
                }
                state.reactor.send_message(id, &Message::Operational(message));
            }
            any
        }
        Command::Watchdog { action, name: watchdog } => {
            let dog = watchdog
                .unwrap_or_else(|| state.helper(process).map(|h| h.process.name.clone()).unwrap_or_default());
            let ids: Vec<PeerId> = state.peers.keys().copied().collect();
            for id in ids {
                if let Some(r) = ribs.of(state, id) {
                    match action {
                        Action::Announce => r.out.announce_watchdog(&dog),
                        Action::Withdraw => r.out.withdraw_watchdog(&dog),
                    }
                }
            }
            true
        }
        Command::ShowAdjRib(show) => {
            show_adj_rib(ribs, state, &show, out);
            true
        }
        Command::ShowNeighbor { view, limit } => {
            show_neighbor(stats, state, view, limit.as_deref(), out);
            true
        }
        _ => true,
    }
}

/// An API change into the adj-rib-out (withdrawals go through `add_to_rib`
/// too, as ExaBGP injects them).
fn add(rib: &mut super::routing::PeerRib, change: Change) {
    rib.out.add_to_rib(change, false);
}

/// `show neighbor summary|extensive|configuration|json` (api.md §2.10).
fn show_neighbor(stats: &mut Stats, state: &State, view: command::NeighborView, limit: Option<&str>, out: &mut String) {
    use crate::api::show;
    use command::NeighborView;
    let peers: Vec<&super::state::Peer> = state.peers.values().filter(|p| !p.retired).collect();
    match view {
        NeighborView::Summary => {
            out.push_str(show::SUMMARY_HEADER);
            out.push('\n');
            for p in peers {
                if limit.is_some_and(|l| l != p.neighbor.peer_address.to_string()) {
                    continue;
                }
                let s = stats.get(p.id);
                let state_name = state.reactor.peer_state(p.id).map_or("IDLE", |x| x.name());
                show::summary_row(
                    &show::SummaryRow {
                        peer: p.neighbor.peer_address,
                        peer_as: p.neighbor.peer_as,
                        duration: s.duration(),
                        state: state_name,
                        sent_updates: s.sent[3],
                        received_updates: s.received[3],
                    },
                    out,
                );
            }
        }
        NeighborView::Extensive | NeighborView::Json => {
            // `json` lists every peer; `extensive` those whose key contains the limit.
            let shown: Vec<&super::state::Peer> = peers
                .into_iter()
                .filter(|p| view == NeighborView::Json || limit.is_none_or(|l| p.neighbor.name().contains(l)))
                .collect();
            let texts: Vec<DetailText> = shown.iter().map(|p| detail_strings(p)).collect();
            let details: Vec<_> = shown.iter().zip(&texts).map(|(p, t)| detail(stats, state, p, t)).collect();
            if view == NeighborView::Json {
                show::neighbors_json(&details, out);
            } else {
                for d in &details {
                    show::extensive(d, out);
                }
            }
        }
        NeighborView::Configuration => {
            // Every configured neighbor whose name contains the limit.
            for p in peers.into_iter().filter(|p| limit.is_none_or(|l| p.neighbor.name().contains(l))) {
                crate::api::show_config::neighbor(&p.neighbor, out);
                out.push('\n');
            }
        }
        NeighborView::Usage => {
            for line in crate::api::show_config::USAGE {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
}

/// The strings a `NeighborDetail` borrows.
struct DetailText {
    local_address: String,
    local_id: String,
    /// ExaBGP shows its own router-id as the peer's once the OPEN is in.
    peer_id: Option<String>,
}

fn detail_strings(p: &super::state::Peer) -> DetailText {
    let local_id = p.neighbor.router_id.map_or_else(|| "None".to_string(), |a| a.to_string());
    DetailText {
        local_address: p.neighbor.local_address.map_or_else(|| "None".to_string(), |a| a.to_string()),
        peer_id: p.negotiated.as_ref().map(|_| local_id.clone()),
        local_id,
    }
}

fn detail<'a>(
    stats: &mut Stats,
    state: &State,
    p: &super::state::Peer,
    text: &'a DetailText,
) -> crate::api::show::NeighborDetail<'a> {
    use crate::api::show::{FamilyDetail, NeighborDetail};
    let s = stats.get(p.id).clone();
    let negotiated = p.negotiated.as_deref();
    let n = &p.neighbor;
    let cap = |local: bool, remote: Option<bool>| (Some(local), remote);
    let capabilities = vec![
        ("asn4", cap(n.capability.asn4, negotiated.map(|x| x.asn4))),
        ("route-refresh", cap(n.capability.route_refresh, None)),
        ("multi-session", cap(n.capability.multi_session, None)),
        ("operational", cap(n.capability.operational, None)),
        ("add-path", cap(!n.addpaths.is_empty(), None)),
        ("extended-message", cap(n.capability.extended_message, None)),
        ("graceful-restart", cap(n.capability.graceful_restart.is_some(), None)),
    ];
    let capabilities = capabilities.into_iter().map(|(name, (l, r))| (name, l, r)).collect();
    let families = n
        .families
        .iter()
        .map(|f| FamilyDetail {
            family: *f,
            local: Some(true),
            remote: negotiated.map(|x| x.families.contains(f)),
            send_addpath: negotiated.map(|x| x.addpath_send.contains(f)),
            receive_addpath: negotiated.map(|x| x.addpath_receive.contains(f)),
        })
        .collect();
    let mut messages: Vec<(&str, u64, u64)> = Vec::new();
    for (i, kind) in KINDS.iter().enumerate() {
        messages.push((kind, s.sent.get(i).copied().unwrap_or(0), s.received.get(i).copied().unwrap_or(0)));
    }
    messages.push(("total", s.sent.iter().sum(), s.received.iter().sum()));
    let state_name = state.reactor.peer_state(p.id).map_or("IDLE", |x| x.name());
    NeighborDetail {
        peer_address: n.peer_address,
        local_address: &text.local_address,
        local_as: n.local_as.or(negotiated.map(|x| x.local_as)).unwrap_or(0),
        peer_as: n.peer_as.or(negotiated.map(|x| x.peer_as)).unwrap_or(0),
        local_id: &text.local_id,
        peer_id: text.peer_id.as_deref(),
        local_hold: n.hold_time,
        peer_hold: negotiated.map(|x| x.hold_time),
        state: state_name,
        duration: s.duration(),
        down: s.down(),
        capabilities,
        families,
        messages,
    }
}

/// Whether `family` is listed by `show adj-rib … <filter>`.
fn family_shown(filter: command::RibFamily, family: Family) -> bool {
    use crate::bgp::iana::Safi;
    match filter {
        command::RibFamily::All => true,
        command::RibFamily::Inet => {
            (family.afi == Afi::IPV4 || family.afi == Afi::IPV6)
                && matches!(family.safi, Safi::UNICAST | Safi::MULTICAST | Safi::NLRI_MPLS | Safi::MPLS_VPN)
        }
        command::RibFamily::Flow => matches!(family.safi, Safi::FLOW | Safi::FLOW_VPN),
        command::RibFamily::L2vpn => matches!(family.safi, Safi::VPLS | Safi::EVPN),
    }
}

/// `show adj-rib in|out [extensive] [json] [family] [peer]` (api.md §2.10).
fn show_adj_rib(ribs: &mut Ribs, state: &State, show: &command::ShowAdjRib, out: &mut String) {
    use std::fmt::Write;
    ribs.sync(state);
    for entry in state.peers.values().filter(|p| !p.retired) {
        let key = entry.neighbor.name();
        if !show.selects(&key) {
            continue;
        }
        let Some(rib) = ribs.peers.get(&entry.id) else { continue };
        let changes: Vec<&Change> = match show.rib {
            command::Rib::In => rib.inn.cached_changes(None).collect(),
            command::Rib::Out => rib.out.cached_changes(None).collect(),
        };
        let who = if show.extensive { key.clone() } else { entry.neighbor.peer_address.to_string() };
        let mut json = crate::api::show::AdjRibJson::new(entry.neighbor.peer_address);
        for change in changes {
            let family = change.family();
            if !family_shown(show.family, family) {
                continue;
            }
            if show.json {
                let mut prefix = String::new();
                let _ = write!(prefix, "{}", change.nlri.text(None));
                json.push(&prefix, family, out);
            } else {
                crate::api::show::adj_rib_line(&who, &change.nlri, change.nexthop, &change.attributes, show.extensive, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Command<Vec<Route>>, command::CommandError> {
        let mut normal = String::new();
        line::normalise(line, &mut normal);
        command::parse(&normal, &mut ConfigRoutes::default())
    }

    fn routes(line: &str) -> Vec<Route> {
        match parse(line) {
            Ok(Command::Routes { routes, .. }) => routes,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn route_forms_use_the_configuration_grammar() {
        let r = routes("announce route 10.0.0.0/22 next-hop 1.2.3.4 split /24");
        assert_eq!(r.len(), 4);
        assert_eq!(r[3].nlri.to_string(), "10.0.3.0/24");
        let r = routes("announce attributes med 100 next-hop 101.1.101.1 nlri 1.0.0.1/32 1.0.0.2/32");
        assert_eq!(r.len(), 2);
        let r = routes("announce ipv6 unicast fc00:1::/64 next-hop 2001::11 local-preference 200");
        assert_eq!(r[0].nlri.family(), Family::IPV6_UNICAST);
        let r = routes("announce flow route { match { source 10.0.0.1/32; } then { discard; } }");
        assert_eq!(r[0].nlri.family(), Family::IPV4_FLOW);
        let r = routes("announce flow route destination 133.130.1.19/32 discard");
        assert_eq!(r[0].nlri.family(), Family::IPV4_FLOW);
        // Withdrawals need no next-hop.
        let r = routes("withdraw route 1.1.0.0/24");
        assert_eq!(r.len(), 1);
    }

    /// Lines repeating an attribute set take the fast path; what they give
    /// (routes or errors) is what a fresh parser gives.
    #[test]
    fn repeated_lines_parse_like_fresh_ones() {
        let rests = [
            "next-hop 1.2.3.4 med 3 community [ 65000:3 ]",
            "next-hop 1.2.3.4 med 4",
            "next-hop self",
            "next-hop 1.2.3.4 split /26",
            "next-hop 1.2.3.4 label 100",
            "med 5",
            "next-hop 1.2.3.4 med x",
            "next-hop 2001::1 local-preference 20",
        ];
        let prefixes = ["10.0.0.0/24", "10.0.1.0/24", "10.0.1.1/24", "2001:db8::/32", "224.1.0.0/16", "10.0.0.0/33", "x"];
        let mut shared = ConfigRoutes::default();
        for round in 0..3 {
            for (i, rest) in rests.iter().enumerate() {
                for (j, prefix) in prefixes.iter().enumerate() {
                    let action = if (i + j + round) % 3 == 0 { Action::Withdraw } else { Action::Announce };
                    let text = format!("{prefix} {rest}");
                    let got = shared.parse(RouteKind::Route, action, &text);
                    let want = ConfigRoutes::default().parse(RouteKind::Route, action, &text);
                    assert_eq!(got, want, "{text} {action:?}");
                }
            }
        }
    }

    #[test]
    fn selectors_are_kept() {
        match parse("neighbor 127.0.0.1 local-as 1 announce route 1.2.0.0/22 next-hop 1.1.1.1") {
            Ok(Command::Routes { selector, .. }) => {
                assert!(selector.matches("neighbor 127.0.0.1 local-ip 127.0.0.1 local-as 1 peer-as 1 router-id 1.2.3.4 family-allowed in-open"));
                assert!(!selector.matches("neighbor 127.0.0.2 local-ip 127.0.0.1 local-as 1 peer-as 1 router-id 1.2.3.4 family-allowed in-open"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_routes_are_errors() {
        assert!(parse("announce route 10.0.0.0/24 next-hop 1.2.3.4 med x").is_err());
        assert!(parse("announce ipv4 nonsense 10.0.0.0/24").is_err());
        assert!(parse("announce operational asm afi ipv9 safi unicast advisory \"x\"").is_err());
        assert!(parse("announce operational asm afi ipv4 safi unicast advisory \"x\"").is_ok());
    }

    #[test]
    fn show_filters_families() {
        assert!(family_shown(command::RibFamily::Inet, Family::IPV6_UNICAST));
        assert!(!family_shown(command::RibFamily::Inet, Family::IPV4_FLOW));
        assert!(family_shown(command::RibFamily::Flow, Family::IPV4_FLOW));
        assert!(family_shown(command::RibFamily::All, Family::IPV4_FLOW));
    }
}
