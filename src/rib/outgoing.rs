//! The adj-rib-out of one neighbor (ExaBGP's `rib/outgoing.py`) and the
//! cursor that turns it into UPDATE messages.
//!
//! Pending changes are filed by attribute set, then family, then route key,
//! each level in first-insertion order like ExaBGP's dicts; that order is
//! the order of the UPDATEs on the wire. A route replaced before it was sent
//! stays in its old attribute bucket too (ExaBGP only cancels the latest
//! one on withdraw), so both go out, as they do with ExaBGP.
//!
//! The session layer pulls messages with `next_messages`: a "round" (one
//! ExaBGP `updates()` generator) takes every pending change at once; each
//! bucket is packed when reached and its messages are handed out `budget`
//! at a time, so nothing is encoded twice and nothing is lost when the
//! socket pushes back.

use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

use bytes::{BufMut, BytesMut};

use crate::bgp::attribute::Attributes;
use crate::bgp::iana::{Family, MessageType};
use crate::bgp::message::refresh::{self, RouteRefresh};
use crate::bgp::message::update::{pack_eor, Action, Packer, RouteRef, HEADER_LEN};
use crate::bgp::negotiated::Negotiated;

use super::cache::Cache;
use super::change::{AttrKey, Change, RouteKey};
use super::ordered::OrderedMap;
use super::pyset;

/// Pending changes of one attribute set: per family, by route key.
type FamilyBuckets = Vec<(Family, OrderedMap<RouteKey, Change>)>;

/// The routes tagged with one watchdog name: announced (`+`) and held
/// back (`-`).
#[derive(Debug, Default)]
struct Watchdog {
    announced: OrderedMap<RouteKey, Change>,
    withdrawn: OrderedMap<RouteKey, Change>,
}

/// One `Update` of ExaBGP's `updates()`: routes sharing attributes.
#[derive(Debug)]
struct Unit {
    attributes: Rc<Attributes>,
    changes: Vec<Change>,
    /// Packed together (grouped families) or one UPDATE per route.
    grouped: bool,
}

#[derive(Debug)]
enum Phase {
    /// Packing the attribute buckets taken when the round began.
    Buckets { units: Vec<Unit>, unit: usize, offset: usize },
    /// Done with the buckets: the route-refresh part comes next.
    Refresh,
    /// Re-sending after a refresh request; `families` get BoRR/EoRR (RFC 7313).
    Resend { families: Vec<Family>, changes: Vec<Change>, next: usize },
}

pub struct AdjRibOut {
    cache: Cache,
    /// Route key -> attributes of the latest pending change (`_new_nlri`).
    new_nlri: HashMap<RouteKey, AttrKey>,
    /// Attribute set -> family -> route key -> change (`_new_attr_af_nlri`).
    /// Buckets are never removed one by one, so slots are stable until the
    /// map is taken by a round.
    buckets: OrderedMap<AttrKey, (Rc<Attributes>, FamilyBuckets)>,
    /// The attributes of the last change filed and their bucket slot: a
    /// bulk load hands the same `Rc` again and again, so no hashing.
    last_bucket: Option<(Rc<Attributes>, usize)>,
    /// Families to frame with BoRR/EoRR, in insertion order (a Python set:
    /// put in set order when sent).
    refresh_families: Vec<Family>,
    refresh_changes: Vec<Change>,
    watchdogs: HashMap<String, Watchdog>,

    // The cursor.
    round: Option<Phase>,
    staged: BytesMut,
    staged_pos: usize,
    include_withdraw: bool,
    send_eor: bool,
    command_eors: VecDeque<Family>,
    packer: Packer,
    scratch: Vec<u8>,
    group_updates: bool,
}

impl std::fmt::Debug for AdjRibOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdjRibOut")
            .field("cached", &self.cache.len())
            .field("pending", &self.new_nlri.len())
            .field("round", &self.round.is_some())
            .field("staged", &(self.staged.len() - self.staged_pos))
            .finish()
    }
}

impl AdjRibOut {
    /// `adj_rib_out`: the neighbor's setting (keep what was sent, so it can
    /// be re-sent); `families`: the neighbor's configured families.
    pub fn new(adj_rib_out: bool, families: Vec<Family>) -> AdjRibOut {
        AdjRibOut {
            cache: Cache::new(adj_rib_out, families),
            new_nlri: HashMap::new(),
            buckets: OrderedMap::new(),
            last_bucket: None,
            refresh_families: Vec::new(),
            refresh_changes: Vec::new(),
            watchdogs: HashMap::new(),
            round: None,
            staged: BytesMut::new(),
            staged_pos: 0,
            include_withdraw: false,
            send_eor: false,
            command_eors: VecDeque::new(),
            packer: Packer::new(),
            scratch: Vec::with_capacity(64),
            group_updates: true,
        }
    }

    /// The neighbor's `group-updates` (default true): routes sharing
    /// attributes go in one UPDATE, for the families ExaBGP groups.
    pub fn set_group_updates(&mut self, group: bool) {
        self.group_updates = group;
    }

    pub fn families(&self) -> &[Family] {
        &self.cache.families
    }

    /// A configuration reload changed the neighbor's families: forget the
    /// routes of the families gone (ExaBGP's `RIB.__init__` on a cached name).
    pub fn set_families(&mut self, families: Vec<Family>) {
        self.cache.delete_cached_family(&families);
        self.cache.families = families;
    }

    fn key(&mut self, change: &Change) -> RouteKey {
        change.key(&mut self.scratch)
    }

    // ===== what ExaBGP's OutgoingRIB offers =====

    /// Whether changes wait to be sent (`pending()`).
    pub fn pending(&self) -> bool {
        !self.new_nlri.is_empty() || !self.refresh_changes.is_empty()
    }

    /// Drop everything pending, including a round in progress: the routes
    /// stay in the cache and are re-sent by `replace_restart` once a new
    /// session is up (`reset()`, called when the session goes down).
    pub fn reset(&mut self) {
        self.refresh_families.clear();
        self.refresh_changes.clear();
        self.new_nlri.clear();
        self.buckets.clear();
        self.last_bucket = None;
        self.round = None;
        self.staged.clear();
        self.staged_pos = 0;
    }

    /// Back to square one: nothing pending, nothing remembered (`clear()`).
    pub fn clear(&mut self) {
        self.cache.clear_cache();
        self.reset();
    }

    /// Queue an announce, unless the identical route was already sent
    /// (`add_to_rib`). `force` skips that check.
    pub fn add_to_rib(&mut self, change: Change, force: bool) {
        let key = self.key(&change);
        if !force && self.cache.in_cache(&change, &key) {
            return;
        }
        self.update_rib(change, key);
    }

    /// Queue a withdraw, cancelling a pending announce of the same route
    /// (`del_from_rib`). The withdraw keeps `change`'s attributes, which
    /// decide its bucket.
    pub fn del_from_rib(&mut self, mut change: Change) {
        let key = self.key(&change);
        let family = change.family();
        if let Some(prev) = self.new_nlri.get(&key).cloned() {
            if let Some((_, families)) = self.buckets.get_mut(&prev) {
                if let Some((_, routes)) = families.iter_mut().find(|(f, _)| *f == family) {
                    routes.remove(&key);
                }
            }
        }
        change.action = Action::Withdraw;
        self.update_rib(change, key);
    }

    fn update_rib(&mut self, change: Change, key: RouteKey) {
        let family = change.family();
        self.cache.update_cache(&change, &key);
        self.new_nlri.insert(key.clone(), AttrKey(change.attributes.clone()));
        let slot = match &self.last_bucket {
            Some((rc, slot)) if Rc::ptr_eq(rc, &change.attributes) => *slot,
            _ => {
                let attributes = change.attributes.clone();
                let slot =
                    self.buckets.slot_or_insert_with(AttrKey(attributes.clone()), || (attributes.clone(), Vec::new()));
                self.last_bucket = Some((attributes, slot));
                slot
            }
        };
        let Some((_, families)) = self.buckets.slot_mut(slot) else { return };
        let routes = match families.iter().position(|(f, _)| *f == family) {
            Some(i) => &mut families[i].1,
            None => {
                families.push((family, OrderedMap::new()));
                match families.last_mut() {
                    Some(last) => &mut last.1,
                    None => return,
                }
            }
        };
        routes.insert(key, change);
    }

    /// The pending changes, latest per route (`queued_changes()`), in
    /// bucket order (ExaBGP lists them in order of last change).
    pub fn queued_changes(&self) -> impl Iterator<Item = &Change> + '_ {
        let mut scratch = Vec::new();
        self.buckets
            .values()
            .flat_map(|(attributes, families)| families.iter().map(move |(_, routes)| (attributes, routes)))
            .flat_map(|(attributes, routes)| routes.values().map(move |c| (attributes, c)))
            .filter(move |(attributes, c)| {
                let key = c.key(&mut scratch);
                self.new_nlri.get(&key).is_some_and(|a| Rc::ptr_eq(&a.0, attributes) || a.0 == **attributes)
            })
            .map(|(_, c)| c)
    }

    /// What was sent and not withdrawn (`cached_changes()`), for
    /// `show adj-rib out`: all configured families when `families` is `None`.
    pub fn cached_changes<'a>(&'a self, families: Option<&[Family]>) -> impl Iterator<Item = &'a Change> + 'a {
        self.cache.cached_changes(families, false)
    }

    /// Queue again everything sent, for `families` (all when `None`), as
    /// the answer to a ROUTE-REFRESH or `flush adj-rib out`; `enhanced`
    /// frames it with BoRR/EoRR (RFC 7313 §4) (`resend()`).
    pub fn resend(&mut self, enhanced: bool, family: Option<Family>) {
        let requested = match family {
            None => pyset::set_order(self.cache.families.iter().copied()),
            Some(f) => pyset::intersection(&[f], &self.cache.families),
        };
        if enhanced {
            for f in &requested {
                if !self.refresh_families.contains(f) {
                    self.refresh_families.push(*f);
                }
            }
        }
        let changes: Vec<Change> = self.cache.cached_changes(Some(&requested), false).cloned().collect();
        self.refresh_changes.extend(changes);
    }

    /// Withdraw every route sent, for `families` (all when `None` or
    /// empty): `clear adj-rib out` (`withdraw()`).
    pub fn withdraw(&mut self, families: Option<&[Family]>) {
        let requested = match families {
            Some(list) if !list.is_empty() => pyset::intersection(list, &self.cache.families),
            _ => pyset::set_order(self.cache.families.iter().copied()),
        };
        let changes: Vec<Change> = self.cache.cached_changes(Some(&requested), true).cloned().collect();
        for change in changes {
            self.del_from_rib(change);
        }
    }

    /// A new session: queue the whole adj-rib-out again, and withdraw what
    /// the previous configuration had and the current one does not
    /// (`replace_restart`). Call after `session_up`.
    pub fn replace_restart(&mut self, previous: &[Change], current: &[Change]) {
        let mut gone = self.index(previous);
        for change in current {
            let key = self.key(change);
            gone.remove(&key);
        }
        let order = pyset::set_order(self.cache.families.iter().copied());
        let changes: Vec<Change> = self.cache.cached_changes(Some(&order), false).cloned().collect();
        for change in changes {
            self.add_to_rib(change, true);
        }
        for change in gone.drain_values() {
            self.del_from_rib(change);
        }
    }

    /// A configuration reload: announce the routes new in `current`,
    /// withdraw those gone (`replace_reload`). Like ExaBGP, a route kept
    /// with other attributes is not re-announced.
    pub fn replace_reload(&mut self, previous: &[Change], current: &[Change]) {
        let mut gone = self.index(previous);
        for change in current {
            let key = self.key(change);
            if gone.remove(&key).is_none() {
                self.add_to_rib(change.clone(), true);
            }
        }
        for change in gone.drain_values() {
            self.del_from_rib(change);
        }
    }

    fn index(&mut self, changes: &[Change]) -> OrderedMap<RouteKey, Change> {
        let mut map = OrderedMap::new();
        for change in changes {
            let key = self.key(change);
            map.insert(key, change.clone());
        }
        map
    }

    /// A configured route, maybe tagged with a watchdog name; `withdrawn`
    /// (the route's `withdraw` flag) holds it back until the watchdog is
    /// announced (`add_to_rib_watchdog`).
    pub fn add_to_rib_watchdog(&mut self, change: Change, watchdog: Option<&str>, withdrawn: bool) {
        if let Some(name) = watchdog {
            let key = self.key(&change);
            let dog = self.watchdogs.entry(name.to_string()).or_default();
            if withdrawn {
                dog.withdrawn.insert(key, change);
                return;
            }
            dog.announced.insert(key, change.clone());
        }
        self.add_to_rib(change, false);
    }

    /// `announce watchdog <name>`: announce the routes held back.
    pub fn announce_watchdog(&mut self, name: &str) {
        let Some(mut dog) = self.watchdogs.remove(name) else { return };
        for mut change in dog.withdrawn.drain_values() {
            change.action = Action::Announce;
            let key = self.key(&change);
            self.add_to_rib(change.clone(), false);
            dog.announced.insert(key, change);
        }
        self.watchdogs.insert(name.to_string(), dog);
    }

    /// `withdraw watchdog <name>`: withdraw the routes announced.
    pub fn withdraw_watchdog(&mut self, name: &str) {
        let Some(mut dog) = self.watchdogs.remove(name) else { return };
        for change in dog.announced.drain_values() {
            let key = self.key(&change);
            self.del_from_rib(change.clone());
            dog.withdrawn.insert(key, change);
        }
        self.watchdogs.insert(name.to_string(), dog);
    }

    // ===== the cursor =====

    /// A session reached Established. The first round leaves withdrawals
    /// out (the peer has nothing to withdraw yet), then End-of-RIB goes out
    /// for every negotiated family unless `manual_eor`. Changes queued while
    /// the session was down stay queued (as with ExaBGP); follow with
    /// `replace_restart` to queue the adj-rib-out again.
    pub fn session_up(&mut self, manual_eor: bool) {
        // Messages staged for the previous session are not for this one.
        self.round = None;
        self.staged.clear();
        self.staged_pos = 0;
        self.include_withdraw = false;
        self.send_eor = !manual_eor;
    }

    /// `announce eor <afi> <safi>`: sent once no round is in progress.
    pub fn queue_eor(&mut self, family: Family) {
        self.command_eors.push_back(family);
    }

    /// Whether `next_messages` has something to give.
    pub fn has_messages(&self) -> bool {
        self.staged_pos < self.staged.len()
            || self.round.is_some()
            || self.pending()
            || self.send_eor
            || !self.command_eors.is_empty()
    }

    /// Append to `out` at most `budget` complete messages (UPDATEs, EoRs,
    /// ROUTE-REFRESH BoRR/EoRR); returns how many. What is not taken stays
    /// here, already encoded, for the next call.
    pub fn next_messages(&mut self, neg: &Negotiated, budget: usize, out: &mut BytesMut) -> usize {
        let mut sent = 0;
        while sent < budget {
            if self.pop_staged(out) {
                sent += 1;
                continue;
            }
            if !self.advance(neg) {
                break;
            }
        }
        sent
    }

    /// Move one staged message to `out`.
    fn pop_staged(&mut self, out: &mut BytesMut) -> bool {
        let rest = self.staged.get(self.staged_pos..).unwrap_or(&[]);
        let Some(len) = rest.get(16..18).map(|l| u16::from_be_bytes([l[0], l[1]]) as usize) else {
            self.staged.clear();
            self.staged_pos = 0;
            return false;
        };
        let Some(message) = rest.get(..len.max(HEADER_LEN)) else {
            self.staged.clear();
            self.staged_pos = 0;
            return false;
        };
        out.extend_from_slice(message);
        self.staged_pos += message.len();
        if self.staged_pos >= self.staged.len() {
            self.staged.clear();
            self.staged_pos = 0;
        }
        true
    }

    /// Stage the next piece of work; false when there is none.
    fn advance(&mut self, neg: &Negotiated) -> bool {
        if let Some(phase) = self.round.take() {
            self.round = self.step(phase, neg);
            if self.round.is_none() {
                // ExaBGP sends withdrawals from its second round on.
                self.include_withdraw = true;
            }
            return true;
        }
        if self.pending() {
            self.round = Some(self.begin_round());
            return true;
        }
        if self.send_eor {
            self.send_eor = false;
            if neg.families.is_empty() {
                // Without families there is no End-of-RIB: a KEEPALIVE says
                // the same (ExaBGP's new_eors).
                self.staged.put_bytes(0xff, 16);
                self.staged.put_u16(HEADER_LEN as u16);
                self.staged.put_u8(MessageType::KEEPALIVE.0);
            }
            for &family in &neg.families {
                pack_eor(family, &mut self.staged);
            }
            return true;
        }
        if let Some(family) = self.command_eors.pop_front() {
            pack_eor(family, &mut self.staged);
            return true;
        }
        false
    }

    /// Take every pending change (`updates()`: new changes queue anew).
    fn begin_round(&mut self) -> Phase {
        let grouped = self.group_updates;
        self.new_nlri.clear();
        self.last_bucket = None;
        let mut units = Vec::with_capacity(self.buckets.len());
        for (attributes, families) in self.buckets.drain_values() {
            for (family, mut routes) in families {
                if routes.is_empty() {
                    continue;
                }
                let changes: Vec<Change> = routes.drain_values().collect();
                units.push(Unit { attributes: attributes.clone(), changes, grouped: grouped && groups(family) });
            }
        }
        Phase::Buckets { units, unit: 0, offset: 0 }
    }

    /// Stage the messages of one `Update`; the phase that follows, if any.
    fn step(&mut self, phase: Phase, neg: &Negotiated) -> Option<Phase> {
        match phase {
            Phase::Buckets { units, unit, offset } => {
                let Some(u) = units.get(unit) else { return Some(Phase::Refresh) };
                let end = if u.grouped { u.changes.len() } else { (offset + 1).min(u.changes.len()) };
                if u.grouped {
                    // One slice per bucket, not per route.
                    let refs: Vec<RouteRef<'_>> =
                        u.changes.get(offset..end).unwrap_or(&[]).iter().map(Change::route_ref).collect();
                    self.packer.pack_routes(&u.attributes, &refs, neg, self.include_withdraw, &mut self.staged);
                } else if let Some(c) = u.changes.get(offset) {
                    let one = [c.route_ref()];
                    self.packer.pack_routes(&u.attributes, &one, neg, self.include_withdraw, &mut self.staged);
                }
                if end >= u.changes.len() {
                    Some(Phase::Buckets { units, unit: unit + 1, offset: 0 })
                } else {
                    Some(Phase::Buckets { units, unit, offset: end })
                }
            }
            Phase::Refresh => {
                let families = pyset::set_order(self.refresh_families.drain(..));
                let changes = std::mem::take(&mut self.refresh_changes);
                if families.is_empty() && changes.is_empty() {
                    return None;
                }
                for &f in &families {
                    pack_refresh(RouteRefresh::new(f, refresh::BEGIN), &mut self.staged);
                }
                Some(Phase::Resend { families, changes, next: 0 })
            }
            Phase::Resend { families, changes, next } => {
                if let Some(c) = changes.get(next) {
                    self.packer.pack_routes(
                        &c.attributes,
                        &[c.route_ref()],
                        neg,
                        self.include_withdraw,
                        &mut self.staged,
                    );
                    return Some(Phase::Resend { families, changes, next: next + 1 });
                }
                for &f in &families {
                    pack_refresh(RouteRefresh::new(f, refresh::END), &mut self.staged);
                }
                None
            }
        }
    }
}

/// ExaBGP packs several routes per UPDATE (with group-updates) only for
/// these families; every other route gets its own UPDATE.
fn groups(family: Family) -> bool {
    family == Family::IPV4_UNICAST || family == Family::IPV4_MCAST_VPN || family == Family::IPV6_MCAST_VPN
}

/// A ROUTE-REFRESH message (RFC 2918 §3) with `rr`'s subtype.
fn pack_refresh(rr: RouteRefresh, out: &mut BytesMut) {
    out.put_bytes(0xff, 16);
    out.put_u16((HEADER_LEN + RouteRefresh::LEN) as u16);
    out.put_u8(MessageType::ROUTE_REFRESH.0);
    rr.pack_body(out);
}
