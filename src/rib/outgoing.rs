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

use std::collections::VecDeque;
use std::rc::Rc;

use bytes::{BufMut, BytesMut};

use crate::bgp::attribute::Attributes;
use crate::bgp::iana::{Family, MessageType};
use crate::bgp::message::refresh::{self, RouteRefresh};
use crate::bgp::message::update::{pack_eor, Action, Packer, RouteRef, HEADER_LEN};
use crate::bgp::negotiated::Negotiated;

use super::change::{AttrKey, Change, RouteKey};
use super::fxhash::{FxBuildHasher, FxHashMap};
use super::ordered::OrderedMap;
use super::pyset;
use super::store::{Id, IdMap, Spot, Store};

/// Pending changes of one attribute set: per family, by route key.
type FamilyBuckets = Vec<(Family, IdMap)>;

/// The routes tagged with one watchdog name: announced (`+`) and held
/// back (`-`).
#[derive(Debug, Default)]
struct Watchdog {
    announced: OrderedMap<RouteKey, Change, FxBuildHasher>,
    withdrawn: OrderedMap<RouteKey, Change, FxBuildHasher>,
}

/// One `Update` of ExaBGP's `updates()`: routes sharing attributes.
#[derive(Debug)]
struct Unit {
    attributes: Rc<Attributes>,
    /// Arena ids, each holding a reference until the unit is packed.
    ids: Vec<Id>,
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
    Resend { families: Vec<Family>, ids: Vec<Id>, next: usize },
}

pub struct AdjRibOut {
    /// Every change held below, once (see `super::store`).
    store: Store,
    /// The neighbor's `adj-rib-out`: keep what was sent (ExaBGP's cache).
    cache_enabled: bool,
    /// The neighbor's families, in its configuration order.
    families: Vec<Family>,
    /// The cache (`_seen`): per family (in order of first use), the
    /// announces sent or queued, by route key.
    seen: Vec<(Family, IdMap)>,
    /// Route key -> latest pending change (`_new_nlri`; its attributes name
    /// the bucket).
    new_nlri: IdMap,
    /// Attribute set -> family -> route key -> change (`_new_attr_af_nlri`).
    /// Buckets are never removed one by one, so slots are stable until the
    /// map is taken by a round.
    buckets: OrderedMap<AttrKey, (Rc<Attributes>, FamilyBuckets), FxBuildHasher>,
    /// The attributes of the last change filed and their bucket slot: a
    /// bulk load hands the same `Rc` again and again, so no hashing.
    last_bucket: Option<(Rc<Attributes>, usize)>,
    /// Bucket slots by attribute `Rc` address (the `Rc` kept alive here, so
    /// the address cannot be reused): configured routes share a few sets,
    /// and hashing the attributes themselves costs far more.
    bucket_by_ptr: FxHashMap<usize, (Rc<Attributes>, usize)>,
    /// Every cached route is pending, exactly as cached (true from a bulk
    /// load until the first round): re-queueing the cache is then a no-op.
    synced: bool,
    /// Every pending route key is in the cache (no withdrawal pending, no
    /// family forgotten): an announce new to the cache is then new to
    /// `new_nlri` and to every bucket, and is appended without lookups.
    pending_in_cache: bool,
    /// Families to frame with BoRR/EoRR, in insertion order (a Python set:
    /// put in set order when sent).
    refresh_families: Vec<Family>,
    refresh_changes: Vec<Id>,
    watchdogs: FxHashMap<String, Watchdog>,

    // The cursor.
    round: Option<Phase>,
    staged: BytesMut,
    staged_pos: usize,
    include_withdraw: bool,
    send_eor: bool,
    command_eors: VecDeque<Family>,
    packer: Packer,
    /// The key being filed, and the stored keys it is compared with.
    key: Vec<u8>,
    scratch: Vec<u8>,
    group_updates: bool,
    /// Routes announced by the bulk load under way (`reserve`): the size of
    /// a new family's cache map.
    expect: usize,
}

impl std::fmt::Debug for AdjRibOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdjRibOut")
            .field("cached", &self.cached_len())
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
            store: Store::default(),
            cache_enabled: adj_rib_out,
            families,
            seen: Vec::new(),
            new_nlri: IdMap::new(),
            buckets: OrderedMap::default(),
            last_bucket: None,
            bucket_by_ptr: FxHashMap::default(),
            synced: true,
            pending_in_cache: true,
            refresh_families: Vec::new(),
            refresh_changes: Vec::new(),
            watchdogs: FxHashMap::default(),
            round: None,
            staged: BytesMut::new(),
            staged_pos: 0,
            include_withdraw: false,
            send_eor: false,
            command_eors: VecDeque::new(),
            packer: Packer::new(),
            key: Vec::with_capacity(64),
            scratch: Vec::with_capacity(64),
            group_updates: true,
            expect: 0,
        }
    }

    /// Room for `routes` more changes (a bulk load knows its size), so the
    /// arena and the latest-change index do not grow step by step.
    pub fn reserve(&mut self, routes: usize) {
        self.store.reserve(routes);
        self.expect = routes;
    }

    /// The neighbor's `group-updates` (default true): routes sharing
    /// attributes go in one UPDATE, for the families ExaBGP groups.
    pub fn set_group_updates(&mut self, group: bool) {
        self.group_updates = group;
    }

    pub fn families(&self) -> &[Family] {
        &self.families
    }

    /// A configuration reload changed the neighbor's families: forget the
    /// routes of the families gone (ExaBGP's `RIB.__init__` on a cached name).
    pub fn set_families(&mut self, families: Vec<Family>) {
        let (kept, gone): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.seen).into_iter().partition(|(f, _)| families.contains(f));
        self.seen = kept;
        for (_, mut map) in gone {
            for id in map.take_ids() {
                self.store.release(id);
            }
            self.pending_in_cache = false;
        }
        self.families = families;
    }

    fn cached_len(&self) -> usize {
        self.seen.iter().map(|(_, m)| m.len()).sum()
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
        for id in std::mem::take(&mut self.refresh_changes) {
            self.store.release(id);
        }
        for id in self.new_nlri.take_ids() {
            self.store.release(id);
        }
        for (_, families) in self.buckets.drain_values() {
            for (_, mut routes) in families {
                for id in routes.take_ids() {
                    self.store.release(id);
                }
            }
        }
        self.last_bucket = None;
        self.bucket_by_ptr.clear();
        self.drop_round();
        self.staged.clear();
        self.staged_pos = 0;
        self.synced = self.cached_len() == 0;
        self.pending_in_cache = true;
    }

    /// Back to square one: nothing pending, nothing remembered (`clear()`).
    pub fn clear(&mut self) {
        for (_, mut map) in std::mem::take(&mut self.seen) {
            for id in map.take_ids() {
                self.store.release(id);
            }
        }
        self.reset();
        self.synced = true;
    }

    /// Give back the references of a round in progress.
    fn drop_round(&mut self) {
        match self.round.take() {
            Some(Phase::Buckets { units, unit, .. }) => {
                for u in units.into_iter().skip(unit) {
                    for id in u.ids {
                        self.store.release(id);
                    }
                }
            }
            Some(Phase::Resend { ids, next, .. }) => {
                for id in ids.into_iter().skip(next) {
                    self.store.release(id);
                }
            }
            Some(Phase::Refresh) | None => {}
        }
    }

    /// Queue an announce, unless the identical route was already sent
    /// (`add_to_rib`). `force` skips that check.
    pub fn add_to_rib(&mut self, change: Change, force: bool) {
        change.key_bytes(&mut self.key);
        let mut spot = None;
        if !force && self.cache_enabled && change.action == Action::Announce {
            let family = change.family();
            if let Some(at) = self.seen.iter().position(|(f, _)| *f == family) {
                if let Some((_, map)) = self.seen.get_mut(at) {
                    // One probe for the check and the insert that follows.
                    let found = map.find(&self.store, &self.key, &mut self.scratch);
                    if let Some(cached) = map.at(&found).and_then(|id| self.store.get(id)) {
                        let same = (Rc::ptr_eq(&cached.attributes, &change.attributes)
                            || cached.attributes == change.attributes)
                            && cached.nexthop == change.nexthop;
                        if same {
                            return;
                        }
                    }
                    spot = Some((at, found));
                }
            }
        }
        let id = self.store.add(change);
        self.file(id, spot);
    }

    /// Queue a withdraw, cancelling a pending announce of the same route
    /// (`del_from_rib`). The withdraw keeps `change`'s attributes, which
    /// decide its bucket.
    pub fn del_from_rib(&mut self, mut change: Change) {
        change.key_bytes(&mut self.key);
        let family = change.family();
        self.new_nlri.index(&self.store, &mut self.scratch);
        let prev = self.new_nlri.get(&self.store, &self.key, &mut self.scratch);
        if let Some(attributes) = prev.and_then(|id| self.store.get(id)).map(|c| AttrKey(c.attributes.clone())) {
            if let Some((_, families)) = self.buckets.get_mut(&attributes) {
                if let Some((_, routes)) = families.iter_mut().find(|(f, _)| *f == family) {
                    if let Some(old) = routes.remove(&self.store, &self.key, &mut self.scratch) {
                        self.store.release(old);
                    }
                }
            }
        }
        change.action = Action::Withdraw;
        let id = self.store.add(change);
        self.file(id, None);
    }

    /// File the change `id` (key in `self.key`) in the cache, the latest
    /// index and its bucket (`update_rib`). Takes over one reference.
    /// `spot`: where the key is in the cache map at that index, when the
    /// caller just looked (no change to that map since).
    fn file(&mut self, id: Id, spot: Option<(usize, Spot)>) {
        let Some(change) = self.store.get(id) else { return };
        let family = change.family();
        let action = change.action;
        let attributes = change.attributes.clone();
        let store = &mut self.store;
        // Whether the key is known to be in no pending map.
        let mut fresh = false;
        if self.cache_enabled {
            let at = self.seen.iter().position(|(f, _)| *f == family);
            match action {
                Action::Announce => {
                    let at = match at {
                        Some(i) => i,
                        None => {
                            self.seen.push((family, IdMap::with_capacity(self.expect)));
                            self.seen.len() - 1
                        }
                    };
                    if let Some((_, map)) = self.seen.get_mut(at) {
                        store.retain(id);
                        let inserted = match spot {
                            Some((i, spot)) if i == at => map.insert_at(spot, id),
                            _ => map.insert(store, &self.key, id, &mut self.scratch),
                        };
                        match inserted {
                            Some(old) => store.release(old),
                            None => fresh = self.pending_in_cache,
                        }
                    }
                }
                Action::Withdraw => {
                    self.pending_in_cache = false;
                    if let Some((_, map)) = at.and_then(|i| self.seen.get_mut(i)) {
                        if let Some(old) = map.remove(store, &self.key, &mut self.scratch) {
                            store.release(old);
                        }
                    }
                }
            }
        }
        if !self.cache_enabled {
            self.pending_in_cache = false;
        }
        store.retain(id);
        if fresh {
            self.new_nlri.push_new(id);
        } else if let Some(old) = self.new_nlri.insert(store, &self.key, id, &mut self.scratch) {
            store.release(old);
        }
        let slot = match &self.last_bucket {
            Some((rc, slot)) if Rc::ptr_eq(rc, &attributes) => *slot,
            _ => {
                let ptr = Rc::as_ptr(&attributes) as usize;
                let slot = match self.bucket_by_ptr.get(&ptr) {
                    Some((_, slot)) => *slot,
                    None => {
                        let slot = self
                            .buckets
                            .slot_or_insert_with(AttrKey(attributes.clone()), || (attributes.clone(), Vec::new()));
                        if self.bucket_by_ptr.len() < MAX_BUCKET_PTRS {
                            self.bucket_by_ptr.insert(ptr, (attributes.clone(), slot));
                        }
                        slot
                    }
                };
                self.last_bucket = Some((attributes, slot));
                slot
            }
        };
        let Some((_, families)) = self.buckets.slot_mut(slot) else {
            store.release(id);
            return;
        };
        let at = match families.iter().position(|(f, _)| *f == family) {
            Some(i) => i,
            None => {
                families.push((family, IdMap::new()));
                families.len() - 1
            }
        };
        let Some((_, routes)) = families.get_mut(at) else {
            store.release(id);
            return;
        };
        if fresh {
            routes.push_new(id);
        } else if let Some(old) = routes.insert(store, &self.key, id, &mut self.scratch) {
            store.release(old);
        }
    }

    /// The pending changes, latest per route (`queued_changes()`), in
    /// bucket order (ExaBGP lists them in order of last change).
    pub fn queued_changes(&mut self) -> impl Iterator<Item = &Change> + '_ {
        self.new_nlri.index(&self.store, &mut self.scratch);
        let this: &AdjRibOut = self;
        let (mut key, mut scratch) = (Vec::new(), Vec::new());
        this.buckets
            .values()
            .flat_map(|(attributes, families)| families.iter().map(move |(_, routes)| (attributes, routes)))
            .flat_map(|(attributes, routes)| routes.ids().map(move |id| (attributes, id)))
            .filter_map(move |(attributes, id)| this.store.get(id).map(|c| (attributes, c)))
            .filter(move |(attributes, c)| {
                c.key_bytes(&mut key);
                this.new_nlri
                    .get(&this.store, &key, &mut scratch)
                    .and_then(|id| this.store.get(id))
                    .is_some_and(|latest| Rc::ptr_eq(&latest.attributes, attributes) || *latest.attributes == ***attributes)
            })
            .map(|(_, c)| c)
    }

    /// The cached ids for `families` (all configured ones when `None`,
    /// walked in configuration order; otherwise in Python set order, as
    /// ExaBGP intersects them with a set).
    fn cached_ids<'a>(&'a self, families: Option<&[Family]>) -> impl Iterator<Item = Id> + 'a {
        let order = match families {
            None => self.families.clone(),
            Some(list) => pyset::intersection(list, &self.families),
        };
        order
            .into_iter()
            .filter_map(move |f| self.seen.iter().find(|(g, _)| *g == f).map(|(_, m)| m))
            .flat_map(IdMap::ids)
    }

    /// What was sent and not withdrawn (`cached_changes()`), for
    /// `show adj-rib out`: all configured families when `families` is `None`.
    pub fn cached_changes<'a>(&'a self, families: Option<&[Family]>) -> impl Iterator<Item = &'a Change> + 'a {
        self.cached_ids(families).filter_map(move |id| self.store.get(id))
    }

    /// Queue again everything sent, for `families` (all when `None`), as
    /// the answer to a ROUTE-REFRESH or `flush adj-rib out`; `enhanced`
    /// frames it with BoRR/EoRR (RFC 7313 §4) (`resend()`).
    pub fn resend(&mut self, enhanced: bool, family: Option<Family>) {
        let requested = match family {
            None => pyset::set_order(self.families.iter().copied()),
            Some(f) => pyset::intersection(&[f], &self.families),
        };
        if enhanced {
            for f in &requested {
                if !self.refresh_families.contains(f) {
                    self.refresh_families.push(*f);
                }
            }
        }
        let ids: Vec<Id> = self.cached_ids(Some(&requested)).collect();
        for &id in &ids {
            self.store.retain(id);
        }
        self.refresh_changes.extend(ids);
    }

    /// Withdraw every route sent, for `families` (all when `None` or
    /// empty): `clear adj-rib out` (`withdraw()`).
    pub fn withdraw(&mut self, families: Option<&[Family]>) {
        let requested = match families {
            Some(list) if !list.is_empty() => pyset::intersection(list, &self.families),
            _ => pyset::set_order(self.families.iter().copied()),
        };
        let changes: Vec<Change> = self.cached_changes(Some(&requested)).cloned().collect();
        for change in changes {
            self.del_from_rib(change);
        }
    }

    /// A new session: queue the whole adj-rib-out again, and withdraw what
    /// the previous configuration had and the current one does not
    /// (`replace_restart`). Call after `session_up`. With no previous
    /// configuration, `current` is not looked at.
    pub fn replace_restart(&mut self, previous: &[Change], current: &[Change]) {
        let mut gone = self.index(previous);
        if !gone.is_empty() {
            for change in current {
                change.key_bytes(&mut self.key);
                gone.remove(&RouteKey::new(&self.key));
            }
        }
        // Re-filing a route that is pending exactly as cached changes
        // nothing (same bucket, same place): skip the whole walk then.
        if !self.synced {
            let order = pyset::set_order(self.families.iter().copied());
            let ids: Vec<Id> = self.cached_ids(Some(&order)).collect();
            for id in ids {
                let Some(change) = self.store.get(id) else { continue };
                change.key_bytes(&mut self.key);
                self.store.retain(id);
                self.file(id, None);
            }
        }
        for change in gone.drain_values() {
            self.del_from_rib(change);
        }
    }

    /// A configuration reload: announce the routes new in `current` or
    /// changed (next-hop or attributes), withdraw those gone
    /// (`replace_reload`). ExaBGP matches routes by prefix only and never
    /// re-announces a changed one (COMPATIBILITY.md): the edit would be
    /// ignored until the session restarts.
    pub fn replace_reload(&mut self, previous: &[Change], current: &[Change]) {
        let mut gone = self.index(previous);
        for change in current {
            change.key_bytes(&mut self.key);
            match gone.remove(&RouteKey::new(&self.key)) {
                Some(old) if old == *change => {}
                _ => self.add_to_rib(change.clone(), true),
            }
        }
        for change in gone.drain_values() {
            self.del_from_rib(change);
        }
    }

    fn index(&mut self, changes: &[Change]) -> OrderedMap<RouteKey, Change, FxBuildHasher> {
        let mut map = OrderedMap::default();
        for change in changes {
            change.key_bytes(&mut self.key);
            map.insert(RouteKey::new(&self.key), change.clone());
        }
        map
    }

    /// A configured route, maybe tagged with a watchdog name; `withdrawn`
    /// (the route's `withdraw` flag) holds it back until the watchdog is
    /// announced (`add_to_rib_watchdog`).
    pub fn add_to_rib_watchdog(&mut self, change: Change, watchdog: Option<&str>, withdrawn: bool) {
        if let Some(name) = watchdog {
            change.key_bytes(&mut self.key);
            let key = RouteKey::new(&self.key);
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
            change.key_bytes(&mut self.key);
            let key = RouteKey::new(&self.key);
            self.add_to_rib(change.clone(), false);
            dog.announced.insert(key, change);
        }
        self.watchdogs.insert(name.to_string(), dog);
    }

    /// `withdraw watchdog <name>`: withdraw the routes announced.
    pub fn withdraw_watchdog(&mut self, name: &str) {
        let Some(mut dog) = self.watchdogs.remove(name) else { return };
        for change in dog.announced.drain_values() {
            change.key_bytes(&mut self.key);
            let key = RouteKey::new(&self.key);
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
        self.drop_round();
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
        for id in self.new_nlri.take_ids() {
            self.store.release(id);
        }
        self.last_bucket = None;
        self.bucket_by_ptr.clear();
        let mut units = Vec::with_capacity(self.buckets.len());
        for (attributes, families) in self.buckets.drain_values() {
            for (family, mut routes) in families {
                if routes.is_empty() {
                    continue;
                }
                let ids = routes.take_ids();
                units.push(Unit { attributes: attributes.clone(), ids, grouped: grouped && groups(family) });
            }
        }
        self.synced = self.cached_len() == 0;
        self.pending_in_cache = true;
        Phase::Buckets { units, unit: 0, offset: 0 }
    }

    /// Stage the messages of one `Update`; the phase that follows, if any.
    fn step(&mut self, phase: Phase, neg: &Negotiated) -> Option<Phase> {
        match phase {
            Phase::Buckets { units, unit, offset } => {
                let Some(u) = units.get(unit) else { return Some(Phase::Refresh) };
                let end = if u.grouped { u.ids.len() } else { (offset + 1).min(u.ids.len()) };
                let store = &self.store;
                // One slice per bucket (or route), not per message.
                let refs: Vec<RouteRef<'_>> = u
                    .ids
                    .get(offset..end)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|&id| store.get(id))
                    .map(Change::route_ref)
                    .collect();
                if !refs.is_empty() {
                    self.packer.pack_routes(&u.attributes, &refs, neg, self.include_withdraw, &mut self.staged);
                }
                if end >= u.ids.len() {
                    for &id in &u.ids {
                        self.store.release(id);
                    }
                    Some(Phase::Buckets { units, unit: unit + 1, offset: 0 })
                } else {
                    Some(Phase::Buckets { units, unit, offset: end })
                }
            }
            Phase::Refresh => {
                let families = pyset::set_order(self.refresh_families.drain(..));
                let ids = std::mem::take(&mut self.refresh_changes);
                if families.is_empty() && ids.is_empty() {
                    return None;
                }
                for &f in &families {
                    pack_refresh(RouteRefresh::new(f, refresh::BEGIN), &mut self.staged);
                }
                Some(Phase::Resend { families, ids, next: 0 })
            }
            Phase::Resend { families, ids, next } => {
                if let Some(&id) = ids.get(next) {
                    if let Some(c) = self.store.get(id) {
                        self.packer.pack_routes(
                            &c.attributes,
                            &[c.route_ref()],
                            neg,
                            self.include_withdraw,
                            &mut self.staged,
                        );
                    }
                    self.store.release(id);
                    return Some(Phase::Resend { families, ids, next: next + 1 });
                }
                for &f in &families {
                    pack_refresh(RouteRefresh::new(f, refresh::END), &mut self.staged);
                }
                None
            }
        }
    }
}

/// Attribute `Rc`s remembered by address per round (API changes may each
/// bring their own `Rc`: those fall back to hashing).
const MAX_BUCKET_PTRS: usize = 4096;

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
