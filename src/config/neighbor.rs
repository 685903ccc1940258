//! `neighbor <peer> { … }` and `template { neighbor <name> { … } }` bodies
//! (spec §4–§6): keywords, template merging and the post-processing done
//! when a neighbor closes.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use crate::bgp::iana::{Afi, Family};

use super::api::{Api, ApiDraft, MessageFlags};
use super::capability::{self, AddPathMode, Capabilities, CapabilityDraft};
use super::error::ConfigError;
use super::family::{self, FamilyBlock, ALL_FAMILIES};
use super::syntax::{Document, Node, Section};
use super::value::{self, auto_asn, auto_boolean, boolean, decimal, ip, ip_range, ipv4, port, Args};
use super::LoadOptions;

/// RFC 2385 keys are limited by the kernel to 80 bytes.
const MAX_MD5_PASSWORD_LENGTH: usize = 80;
const MAX_NAME_LENGTH: usize = 255;

/// The kind of a route-bearing section kept for stage two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteSectionKind {
    /// `static { … }` (§9)
    Static,
    /// `announce { ipv4|ipv6|l2vpn { … } }` (§10)
    Announce,
    /// `flow { … }` (§12)
    Flow,
    /// `l2vpn { … }` (§13)
    L2vpn,
}

/// A route-bearing section, kept as the syntax tree it is.
///
/// Converted to typed routes in stage two (needs the codec types); nothing
/// inside it has been checked yet.
#[derive(Clone, Debug)]
pub struct RouteSection {
    pub kind: RouteSectionKind,
    /// The template it came from, `None` for the neighbor's own sections.
    pub template: Option<String>,
    pub section: Section,
}

/// A neighbor after templates, defaults and post-processing (§5, §6).
#[derive(Clone, Debug)]
pub struct Neighbor {
    /// Where the `neighbor` section starts (file name and position).
    pub file: String,
    pub line: u32,
    pub description: String,
    /// Configured, or the IPv4 local-address; `None` only with auto-discovery
    /// when none was configured (an error for IPv4 peers too: see §6.4).
    pub router_id: Option<Ipv4Addr>,
    /// `None` = auto-discovery: the socket's local address is used once the
    /// TCP session exists (and becomes the router-id if that is unset).
    pub local_address: Option<IpAddr>,
    pub source_interface: Option<String>,
    pub peer_address: IpAddr,
    /// Prefix length of the peer; shorter than the host length = a range of
    /// peers (only allowed for passive neighbors).
    pub peer_prefix_len: u8,
    /// `None` = auto (mirror the peer's ASN from its OPEN).
    pub local_as: Option<u32>,
    /// `None` = auto (accept any ASN).
    pub peer_as: Option<u32>,
    pub hold_time: u16,
    /// Messages per second, 0 = no limit.
    pub rate_limit: u32,
    pub passive: bool,
    /// Per-neighbor listening port, 0 = none.
    pub listen: u16,
    /// Destination port, 0 = default (§17).
    pub connect: u16,
    pub outgoing_ttl: Option<u8>,
    pub incoming_ttl: Option<u8>,
    pub md5_password: Option<String>,
    /// `md5-base64 auto` ends up false, as in the reference (the `None` it
    /// parses to is dropped when the neighbor is built).
    pub md5_base64: bool,
    /// The key bytes for TCP_MD5SIG (base64-decoded when `md5_base64`).
    pub md5_key: Option<Vec<u8>>,
    /// Defaults to local-address.
    pub md5_ip: Option<IpAddr>,
    pub group_updates: bool,
    pub auto_flush: bool,
    pub adj_rib_in: bool,
    pub adj_rib_out: bool,
    pub manual_eor: bool,
    pub host_name: Option<String>,
    pub domain_name: Option<String>,
    pub capability: Capabilities,
    /// Configured families, sorted by AFI then SAFI code (all known ones
    /// when none was listed).
    pub families: Vec<Family>,
    /// RFC 8950 entries kept for the capability: (family, next-hop AFI).
    pub nexthops: Vec<(Family, Afi)>,
    /// Families advertised with ADD-PATH (empty when the capability is off).
    pub addpaths: Vec<Family>,
    /// The `api` blocks (own first, then inherited).
    pub api: Vec<Api>,
    /// Route-bearing sections, converted to typed routes in stage two (needs
    /// the codec types). Own sections first, then the templates' ones.
    /// Emptied once `routes` is built (the syntax tree is then dropped).
    pub route_sections: Vec<RouteSection>,
    /// The configured routes (stage two), in the reference's order, with
    /// `next-hop self` resolved. Shared: the daemon keeps the configuration
    /// and each peer's copy of its neighbor, and a million routes must not
    /// be held twice.
    pub routes: std::rc::Rc<Vec<super::route::Route>>,
}

impl Neighbor {
    /// Auto-discovery of the local address.
    pub fn auto_discovery(&self) -> bool {
        self.local_address.is_none()
    }

    /// More than one address in `peer-address`.
    pub fn is_range(&self) -> bool {
        self.peer_prefix_len < if self.peer_address.is_ipv4() { 32 } else { 128 }
    }

    /// ExaBGP's neighbor name, as used in API output and for duplicates.
    pub fn name(&self) -> String {
        let peer = if self.is_range() {
            format!("{}/{}", self.peer_address, self.peer_prefix_len)
        } else {
            self.peer_address.to_string()
        };
        let local = self.local_address.map(|a| a.to_string()).unwrap_or_else(|| "None".to_string());
        let las = self.local_as.map(|a| a.to_string()).unwrap_or_else(|| "auto".to_string());
        let pas = self.peer_as.map(|a| a.to_string()).unwrap_or_else(|| "auto".to_string());
        let rid = self.router_id.map(|a| a.to_string()).unwrap_or_else(|| "None".to_string());
        let session = if self.capability.multi_session {
            self.families
                .iter()
                .map(|f| format!("{}-{}", f.afi, f.safi))
                .collect::<Vec<_>>()
                .join("/")
        } else {
            "in-open".to_string()
        };
        format!("neighbor {} local-ip {} local-as {} peer-as {} router-id {} family-allowed {}", peer, local, las, pas, rid, session)
    }

    /// The reference's neighbor equality, used on reload to decide whether a
    /// session must be re-established: description, api bindings and routes
    /// are not compared, and the local address only when neither side uses
    /// auto-discovery.
    pub fn same_session(&self, other: &Neighbor) -> bool {
        let auto = self.auto_discovery() || other.auto_discovery();
        self.router_id == other.router_id
            && self.local_as == other.local_as
            && self.peer_address == other.peer_address
            && self.peer_prefix_len == other.peer_prefix_len
            && self.peer_as == other.peer_as
            && self.passive == other.passive
            && self.listen == other.listen
            && self.connect == other.connect
            && self.hold_time == other.hold_time
            && self.rate_limit == other.rate_limit
            && self.host_name == other.host_name
            && self.domain_name == other.domain_name
            && self.md5_password == other.md5_password
            && self.md5_ip == other.md5_ip
            && self.incoming_ttl == other.incoming_ttl
            && self.outgoing_ttl == other.outgoing_ttl
            && self.group_updates == other.group_updates
            && self.auto_flush == other.auto_flush
            && self.adj_rib_in == other.adj_rib_in
            && self.adj_rib_out == other.adj_rib_out
            && (auto || self.local_address == other.local_address)
            && self.capability == other.capability
            && self.auto_discovery() == other.auto_discovery()
            && self.families == other.families
    }

    /// The text of API `show neighbor configuration` (the reference's
    /// `NeighborTemplate.configuration` without routes), two spaces per level.
    pub fn configuration_text(&self) -> String {
        use std::fmt::Write;
        let tf = |b: bool| if b { "true" } else { "false" };
        let en = |b: bool| if b { "enable" } else { "disable" };
        let none = |v: Option<String>| v.unwrap_or_else(|| "None".to_string());
        let peer = if self.is_range() {
            format!("{}/{}", self.peer_address, self.peer_prefix_len)
        } else {
            self.peer_address.to_string()
        };
        let mut t = String::new();
        let _ = writeln!(t, "neighbor {} {{", peer);
        let _ = writeln!(t, "\tdescription \"{}\";", self.description);
        let _ = writeln!(t, "\trouter-id {};", none(self.router_id.map(|r| r.to_string())));
        let _ = writeln!(t, "\thost-name {};", none(self.host_name.clone()));
        let _ = writeln!(t, "\tdomain-name {};", none(self.domain_name.clone()));
        let local = match self.local_address {
            Some(a) => a.to_string(),
            None => "auto".to_string(),
        };
        let _ = writeln!(t, "\tlocal-address {};", local);
        let _ = writeln!(t, "\tsource-interface {};", none(self.source_interface.clone()));
        let _ = writeln!(t, "\tlocal-as {};", none(self.local_as.map(|a| a.to_string())));
        let _ = writeln!(t, "\tpeer-as {};", none(self.peer_as.map(|a| a.to_string())));
        let _ = writeln!(t, "\thold-time {};", self.hold_time);
        let rate = if self.rate_limit == 0 { "disable".to_string() } else { self.rate_limit.to_string() };
        let _ = writeln!(t, "\trate-limit {};", rate);
        let _ = writeln!(t, "\tmanual-eor {};", tf(self.manual_eor));
        let _ = writeln!(t, "\n\tpassive {};", tf(self.passive));
        if self.listen != 0 {
            let _ = writeln!(t, "\n\tlisten {};", self.listen);
        }
        if self.connect != 0 {
            let _ = writeln!(t, "\n\tconnect {};", self.connect);
        }
        let _ = writeln!(t, "\tgroup-updates {};", tf(self.group_updates));
        let _ = writeln!(t, "\tauto-flush {};", tf(self.auto_flush));
        let _ = writeln!(t, "\tadj-rib-in {};", tf(self.adj_rib_in));
        let _ = writeln!(t, "\tadj-rib-out {};", tf(self.adj_rib_out));
        if let Some(p) = self.md5_password.as_ref().filter(|p| !p.is_empty()) {
            let _ = writeln!(t, "\tmd5-password \"{}\";", p);
        }
        let _ = writeln!(t, "\tmd5-base64 {};", tf(self.md5_base64));
        if !self.auto_discovery() {
            let _ = writeln!(t, "\tmd5-ip \"{}\";", none(self.md5_ip.map(|a| a.to_string())));
        }
        if let Some(ttl) = self.outgoing_ttl.filter(|t| *t != 0) {
            let _ = writeln!(t, "\toutgoing-ttl {};", ttl);
        }
        if let Some(ttl) = self.incoming_ttl.filter(|t| *t != 0) {
            let _ = writeln!(t, "\tincoming-ttl {};", ttl);
        }
        let c = &self.capability;
        let _ = writeln!(t, "\tcapability {{");
        let _ = writeln!(t, "\t\tasn4 {};", en(c.asn4));
        let _ = writeln!(t, "\t\troute-refresh {};", en(c.route_refresh));
        let gr = match c.graceful_restart {
            Some(n) if n != 0 => n.to_string(),
            _ => "disable".to_string(),
        };
        let _ = writeln!(t, "\t\tgraceful-restart {};", gr);
        let _ = writeln!(t, "\t\tsoftware-version {};", en(c.software_version));
        let _ = writeln!(t, "\t\tnexthop {};", en(c.nexthop == Some(true)));
        let add_path = match c.add_path {
            AddPathMode::Disabled => "disable",
            AddPathMode::Receive => "receive",
            AddPathMode::Send => "send",
            AddPathMode::SendReceive => "send/receive",
        };
        let _ = writeln!(t, "\t\tadd-path {};", add_path);
        let _ = writeln!(t, "\t\tmulti-session {};", en(c.multi_session));
        let _ = writeln!(t, "\t\toperational {};", en(c.operational));
        let _ = writeln!(t, "\t\taigp {};", en(c.aigp == Some(true)));
        let _ = writeln!(t, "\t}}");
        t.push_str("\tfamily {");
        for f in &self.families {
            let _ = write!(t, "\n\t\t{} {};", f.afi, f.safi);
        }
        t.push_str("\n\t}\n\tnexthop {");
        for (f, nh) in &self.nexthops {
            let _ = write!(t, "\n\t\t{} {} {};", f.afi, f.safi, nh);
        }
        t.push_str("\n\t}\n\tadd-path {");
        for f in &self.addpaths {
            let _ = write!(t, "\n\t\t{} {};", f.afi, f.safi);
        }
        t.push_str("\n\t}\n");
        // The reference flattens the api blocks: a flag is listed for a
        // process when any block naming that process sets it.
        let listed: Vec<&str> = self.api.iter().flat_map(|a| a.processes.iter().map(|p| p.as_str())).collect();
        let has = |process: &str, get: &dyn Fn(&Api) -> bool| self.api.iter().any(|a| get(a) && a.processes.iter().any(|p| p == process));
        for process in &listed {
            let _ = writeln!(t, "\tapi {{");
            let _ = writeln!(t, "\t\tprocesses [ {} ];", process);
            let globals: [(&str, &dyn Fn(&Api) -> bool); 4] = [
                ("neighbor-changes", &|a: &Api| a.neighbor_changes),
                ("negotiated", &|a: &Api| a.negotiated),
                ("fsm", &|a: &Api| a.fsm),
                ("signal", &|a: &Api| a.signal),
            ];
            for (name, get) in globals {
                if has(process, get) {
                    let _ = writeln!(t, "\t\t{};", name);
                }
            }
            for (direction, pick) in [("receive", true), ("send", false)] {
                let flags: [(&str, fn(&MessageFlags) -> bool); 9] = [
                    ("packets", |f| f.packets),
                    ("parsed", |f| f.parsed),
                    ("consolidate", |f| f.consolidate),
                    ("notification", |f| f.notification),
                    ("open", |f| f.open),
                    ("keepalive", |f| f.keepalive),
                    ("update", |f| f.update),
                    ("refresh", |f| f.refresh),
                    ("operational", |f| f.operational),
                ];
                let on: Vec<&str> = flags
                    .iter()
                    .filter(|(_, get)| has(process, &|a: &Api| get(if pick { &a.receive } else { &a.send })))
                    .map(|(n, _)| *n)
                    .collect();
                if !on.is_empty() {
                    let _ = writeln!(t, "\t\t{} {{", direction);
                    for n in on {
                        let _ = writeln!(t, "\t\t\t{};", n);
                    }
                    let _ = writeln!(t, "\t\t}}");
                }
            }
            let _ = writeln!(t, "\t}}");
        }
        t.push('}');
        t.replace('\t', "  ")
    }

    /// The key used to detect duplicate neighbors.
    pub fn index(&self) -> String {
        if self.listen != 0 {
            let peer = if self.is_range() {
                format!("{}/{}", self.peer_address, self.peer_prefix_len)
            } else {
                self.peer_address.to_string()
            };
            return format!("peer-ip {} listen {}", peer, self.listen);
        }
        self.name()
    }

    /// Families whose routes the outgoing RIB holds. Quirk: with
    /// multi-session and several families the reference clones the neighbor
    /// per family, but the clones share one name, so only the last clone
    /// survives, holding the last family only.
    pub fn outgoing_families(&self) -> &[Family] {
        if self.capability.multi_session && self.families.len() > 1 {
            return self.families.get(self.families.len() - 1..).unwrap_or(&[]);
        }
        &self.families
    }

    /// Processes that receive this neighbor's events: `processes` lists, or
    /// when there are none, the processes matched by `processes-match`.
    pub fn api_processes<'a>(&'a self, defined: &'a [super::Process]) -> Vec<&'a str> {
        let mut out: Vec<&str> = Vec::new();
        for api in &self.api {
            for p in &api.processes {
                if !out.contains(&p.as_str()) {
                    out.push(p);
                }
            }
        }
        if out.is_empty() {
            for api in &self.api {
                for pattern in &api.processes_match {
                    if let Ok(re) = super::regex::Regex::new(pattern) {
                        for p in defined {
                            if re.matches_start(&p.name) && !out.contains(&p.name.as_str()) {
                                out.push(&p.name);
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

/// What a neighbor or template body wrote; `None` = not written.
#[derive(Clone, Debug, Default)]
pub(crate) struct NeighborDraft {
    description: Option<String>,
    router_id: Option<Ipv4Addr>,
    /// `Some(None)` = `auto`.
    local_address: Option<Option<IpAddr>>,
    source_interface: Option<String>,
    peer_address: Option<(IpAddr, u8)>,
    local_as: Option<Option<u32>>,
    peer_as: Option<Option<u32>>,
    hold_time: Option<u16>,
    rate_limit: Option<u32>,
    passive: Option<bool>,
    listen: Option<u16>,
    connect: Option<u16>,
    outgoing_ttl: Option<Option<u8>>,
    incoming_ttl: Option<Option<u8>>,
    md5_password: Option<String>,
    md5_base64: Option<Option<bool>>,
    md5_ip: Option<IpAddr>,
    group_updates: Option<bool>,
    auto_flush: Option<bool>,
    adj_rib_in: Option<bool>,
    adj_rib_out: Option<bool>,
    manual_eor: Option<bool>,
    host_name: Option<String>,
    domain_name: Option<String>,
    pub(crate) inherit: Vec<String>,
    families: Vec<Family>,
    addpath: FamilyBlock,
    nexthops: Vec<(Family, Afi)>,
    capability: CapabilityDraft,
    api: Vec<ApiDraft>,
    routes: Vec<RouteSection>,
}

fn over<T: Clone>(mine: &mut Option<T>, theirs: &Option<T>) {
    if theirs.is_some() {
        *mine = theirs.clone();
    }
}

impl NeighborDraft {
    /// Merge a template (§4): absent keys are copied, lists appended,
    /// sub-sections merged, and a scalar present in both takes the
    /// template's value (the reference's quirk).
    pub(crate) fn merge_from(&mut self, t: &NeighborDraft, template: &str) {
        over(&mut self.description, &t.description);
        over(&mut self.router_id, &t.router_id);
        over(&mut self.local_address, &t.local_address);
        over(&mut self.source_interface, &t.source_interface);
        over(&mut self.peer_address, &t.peer_address);
        over(&mut self.local_as, &t.local_as);
        over(&mut self.peer_as, &t.peer_as);
        over(&mut self.hold_time, &t.hold_time);
        over(&mut self.rate_limit, &t.rate_limit);
        over(&mut self.passive, &t.passive);
        over(&mut self.listen, &t.listen);
        over(&mut self.connect, &t.connect);
        over(&mut self.outgoing_ttl, &t.outgoing_ttl);
        over(&mut self.incoming_ttl, &t.incoming_ttl);
        over(&mut self.md5_password, &t.md5_password);
        over(&mut self.md5_base64, &t.md5_base64);
        over(&mut self.md5_ip, &t.md5_ip);
        over(&mut self.group_updates, &t.group_updates);
        over(&mut self.auto_flush, &t.auto_flush);
        over(&mut self.adj_rib_in, &t.adj_rib_in);
        over(&mut self.adj_rib_out, &t.adj_rib_out);
        over(&mut self.manual_eor, &t.manual_eor);
        over(&mut self.host_name, &t.host_name);
        over(&mut self.domain_name, &t.domain_name);
        self.families.extend(t.families.iter().copied());
        self.addpath.pairs.extend(t.addpath.pairs.iter().copied());
        self.addpath.any_statement |= t.addpath.any_statement;
        self.nexthops.extend(t.nexthops.iter().copied());
        self.capability.merge_from(&t.capability);
        for theirs in &t.api {
            match self.api.iter_mut().find(|a| a.api.name == theirs.api.name) {
                Some(mine) => mine.merge_from(theirs),
                None => self.api.push(theirs.clone()),
            }
        }
        for r in &t.routes {
            let mut r = r.clone();
            r.template.get_or_insert_with(|| template.to_string());
            self.routes.push(r);
        }
    }
}

/// Parse-wide state shared by neighbors and templates.
pub(crate) struct Context {
    pub(crate) doc: Arc<Document>,
    /// `api` names are unique across the whole file.
    pub(crate) api_names: Vec<String>,
    pub(crate) auto_api: u32,
}

fn string_value(args: &mut Args<'_>) -> String {
    args.next().map(|w| w.text().to_string()).unwrap_or_default()
}

fn host_name_ok(v: &str, domain: bool) -> bool {
    let bytes = v.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    let first_ok = if domain { first.is_ascii_alphabetic() } else { first.is_ascii_alphanumeric() };
    first_ok
        && last.is_ascii_alphabetic()
        && !v.contains("..")
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'-')
        && v.len() <= MAX_NAME_LENGTH
}

fn ttl(args: &mut Args<'_>) -> Result<Option<u8>, ConfigError> {
    let w = args.value("a TTL (0..255) or disable was expected")?;
    if matches!(w.text(), "false" | "disable" | "disabled") {
        return Ok(None);
    }
    match decimal(w.text()) {
        Some(n) if n <= 255 => Ok(Some(n as u8)),
        _ => Err(w.expected("a TTL (0..255) or disable was expected")),
    }
}

/// Parse a neighbor (or template neighbor) body.
pub(crate) fn parse_body(node: Node<'_>, ctx: &mut Context) -> Result<NeighborDraft, ConfigError> {
    let mut d = NeighborDraft::default();
    for item in node.children() {
        let keyword = item.keyword();
        if item.is_section() {
            let kind = match keyword.text() {
                "family" => {
                    d.families.extend(family::parse_block(item)?.pairs);
                    continue;
                }
                "add-path" => {
                    let block = family::parse_block(item)?;
                    d.addpath.pairs.extend(block.pairs);
                    d.addpath.any_statement |= block.any_statement;
                    continue;
                }
                "nexthop" => {
                    d.nexthops.extend(family::parse_nexthop(item)?);
                    continue;
                }
                "capability" => {
                    capability::parse(item, &mut d.capability)?;
                    continue;
                }
                "api" => {
                    ctx.auto_api += 1;
                    let draft = super::api::parse(item, format!("auto-named-{}", ctx.auto_api))?;
                    if ctx.api_names.contains(&draft.api.name) {
                        let at = item.arg(0).unwrap_or(keyword);
                        return Err(at.expected("an api name not used before was expected"));
                    }
                    ctx.api_names.push(draft.api.name.clone());
                    d.api.push(draft);
                    continue;
                }
                "operational" => {
                    // The reference fails on any content here (§15, §22.8).
                    if let Some(first) = item.children().next() {
                        return Err(first.keyword().expected("an empty operational section was expected (ExaBGP cannot load operational messages from the configuration)"));
                    }
                    continue;
                }
                "static" => RouteSectionKind::Static,
                "announce" => RouteSectionKind::Announce,
                "flow" => RouteSectionKind::Flow,
                "l2vpn" => RouteSectionKind::L2vpn,
                _ => {
                    return Err(keyword.expected(
                        "a neighbor section (family, capability, add-path, nexthop, api, static, announce, flow, l2vpn, operational) was expected",
                    ))
                }
            };
            d.routes.push(RouteSection { kind, template: None, section: Section::new(ctx.doc.clone(), &item) });
            continue;
        }
        let mut args = Args::new(item);
        match keyword.text() {
            "inherit" => {
                let words: Vec<_> = item.args().collect();
                match words.as_slice() {
                    [one] => d.inherit.push(one.text().to_string()),
                    [open, names @ .., close] if open.text() == "[" && close.text() == "]" && !names.is_empty() => {
                        // Commas become bogus names, ignored later as unknown templates.
                        d.inherit.extend(names.iter().map(|w| w.text().to_string()));
                    }
                    [first, ..] => return Err(first.expected("a template name or [ names ] was expected")),
                    [] => return Err(item.missing("a template name or [ names ] was expected")),
                }
            }
            "description" => d.description = Some(string_value(&mut args)),
            "host-name" => {
                let w = args.value("a host-name was expected")?;
                if !host_name_ok(w.text(), false) {
                    return Err(w.expected("a host-name ([A-Za-z0-9.-], starting alphanumeric, ending with a letter) was expected"));
                }
                d.host_name = Some(w.text().to_string());
            }
            "domain-name" => {
                let w = args.value("a domain-name was expected")?;
                if !host_name_ok(w.text(), true) {
                    return Err(w.expected("a domain-name ([A-Za-z0-9.-], starting and ending with a letter) was expected"));
                }
                d.domain_name = Some(w.text().to_string());
            }
            "router-id" => {
                let w = args.value("an IPv4 router-id was expected")?;
                d.router_id = Some(ipv4(w, "an IPv4 router-id was expected")?);
            }
            "hold-time" => {
                let w = args.value("a hold-time (0 or 3..65535) was expected")?;
                match decimal(w.text()) {
                    Some(n) if n == 0 || (3..=65535).contains(&n) => d.hold_time = Some(n as u16),
                    _ => return Err(w.expected("a hold-time (0 or 3..65535) was expected")),
                }
            }
            "rate-limit" => {
                let w = args.value("a rate-limit (messages per second) or disable was expected")?;
                let lower = w.text().to_ascii_lowercase();
                d.rate_limit = Some(match lower.as_str() {
                    "disable" | "disabled" => 0,
                    _ => match decimal(&lower) {
                        Some(n) if n >= 1 && n <= u64::from(u32::MAX) => n as u32,
                        _ => return Err(w.expected("a rate-limit of at least 1 message per second, or disable, was expected")),
                    },
                });
            }
            "local-address" => {
                let w = args.value("an IP address or auto was expected")?;
                d.local_address = Some(if w.text() == "auto" { None } else { Some(ip(w)?) });
            }
            "source-interface" => d.source_interface = Some(string_value(&mut args)),
            "peer-address" => {
                let w = args.value("an IP address was expected")?;
                d.peer_address = Some(ip_range(w)?);
            }
            "local-as" => d.local_as = Some(auto_asn(&mut args)?),
            "peer-as" => d.peer_as = Some(auto_asn(&mut args)?),
            "passive" => d.passive = Some(boolean(&mut args, true)?),
            "listen" => d.listen = Some(port(&mut args)?),
            "connect" => d.connect = Some(port(&mut args)?),
            "outgoing-ttl" => d.outgoing_ttl = Some(ttl(&mut args)?),
            "incoming-ttl" => d.incoming_ttl = Some(ttl(&mut args)?),
            "md5-password" => {
                let w = args.value("an MD5 password (quoted or not; \"kernel\" on FreeBSD) was expected")?;
                if w.text().is_empty() {
                    return Err(w.expected("an MD5 password (quoted or not; \"kernel\" on FreeBSD) was expected"));
                }
                d.md5_password = Some(w.text().to_string());
            }
            "md5-base64" => d.md5_base64 = Some(auto_boolean(&mut args, false)?),
            "md5-ip" => {
                let w = args.value("an IP address was expected")?;
                d.md5_ip = Some(ip(w)?);
            }
            "group-updates" => d.group_updates = Some(boolean(&mut args, true)?),
            "auto-flush" => d.auto_flush = Some(boolean(&mut args, true)?),
            // Quirk: the bare keywords mean false.
            "adj-rib-out" => d.adj_rib_out = Some(boolean(&mut args, false)?),
            "adj-rib-in" => d.adj_rib_in = Some(boolean(&mut args, false)?),
            "manual-eor" => d.manual_eor = Some(boolean(&mut args, false)?),
            _ => return Err(keyword.expected("a neighbor keyword was expected")),
        }
    }
    Ok(d)
}

/// Python's `base64.b64decode` without validation: characters outside the
/// alphabet are skipped, padding must be right.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut n_bits = 0;
    let mut data_chars = 0usize;
    let mut out = Vec::new();
    let mut padding = 0usize;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            _ => continue,
        };
        if padding > 0 {
            // Data after padding: binascii stops at complete padding; keep it simple.
            return None;
        }
        data_chars += 1;
        bits = (bits << 6) | u32::from(v);
        n_bits += 6;
        if n_bits >= 8 {
            n_bits -= 8;
            out.push((bits >> n_bits) as u8);
            bits &= (1 << n_bits) - 1;
        }
    }
    match data_chars % 4 {
        0 => Some(out),
        1 => None,
        r => (padding >= 4 - r).then_some(out),
    }
}

/// Post-processing when the neighbor closes (§6).
pub(crate) fn finalize(
    mut d: NeighborDraft,
    node: Node<'_>,
    templates: &[(String, NeighborDraft)],
    options: &LoadOptions,
) -> Result<Neighbor, ConfigError> {
    // 1. Templates, in inherit order; unknown names are ignored silently.
    let inherit = std::mem::take(&mut d.inherit);
    for name in &inherit {
        if let Some((_, t)) = templates.iter().find(|(n, _)| n == name) {
            d.merge_from(t, name);
        }
    }
    let here = node.keyword();
    let fail = |what: &str| here.error(format!("neighbor {}: {}", node.arg(0).map(|w| w.text()).unwrap_or(""), what));

    // 2. Families.
    let families = if d.families.is_empty() { ALL_FAMILIES.to_vec() } else { family::sorted(d.families.clone()) };

    let Some((peer_address, peer_prefix_len)) = d.peer_address else {
        return Err(node.missing("a peer address was expected after neighbor"));
    };
    // 3. Auto-discovery.
    let local_address = d.local_address.flatten();
    let auto = local_address.is_none();
    // 4. router-id.
    let mut router_id = d.router_id;
    if router_id.is_none() && peer_address.is_ipv4() && !auto {
        if let Some(IpAddr::V4(v4)) = local_address {
            router_id = Some(v4);
        }
    }
    let listen = d.listen.unwrap_or(0);
    if listen > 0 && auto {
        return Err(fail("a local-address was expected (listen needs one), found none"));
    }
    if auto && router_id.is_none() {
        return Err(fail("a router-id was expected (local-address auto), found none"));
    }
    if peer_address.is_ipv6() && router_id.is_none() {
        return Err(fail("a router-id was expected (IPv6 peer), found none"));
    }
    if let Some(local) = local_address {
        if local.is_ipv4() != peer_address.is_ipv4() {
            return Err(fail("local-address and peer-address of the same family were expected"));
        }
    }
    let hold_time = d.hold_time.unwrap_or(180);

    // Capabilities (§7).
    let mut capability = d.capability.resolve();
    if capability.graceful_restart == Some(0) {
        capability.graceful_restart = Some(hold_time);
    }
    let mut addpaths = Vec::new();
    if capability.add_path != AddPathMode::Disabled {
        if !d.addpath.any_statement {
            addpaths = families.clone();
        } else {
            addpaths = family::sorted(d.addpath.pairs.iter().copied().filter(|f| families.contains(f)).collect());
        }
    }
    if capability.nexthop.is_none() && !d.nexthops.is_empty() {
        capability.nexthop = Some(true);
    }
    let mut nexthops: Vec<(Family, Afi)> = Vec::new();
    if capability.nexthop == Some(true) {
        for (f, nh) in &d.nexthops {
            if families.contains(f) && families.contains(&Family::new(*nh, f.safi)) && !nexthops.contains(&(*f, *nh)) {
                nexthops.push((*f, *nh));
            }
        }
    }

    let passive = d.passive.unwrap_or(false);
    let max_len = if peer_address.is_ipv4() { 32 } else { 128 };
    if peer_prefix_len < max_len && !(passive || options.bgp_passive) {
        return Err(fail("a passive neighbor was expected (ip ranges can only be used with passive neighbors)"));
    }

    let md5_base64 = d.md5_base64.flatten().unwrap_or(false);
    let md5_password = d.md5_password.clone();
    let md5_key = match &md5_password {
        None => None,
        Some(p) => {
            let key = if md5_base64 {
                base64_decode(p).ok_or_else(|| fail("a base64 encoded md5-password was expected (md5-base64 is set)"))?
            } else {
                p.as_bytes().to_vec()
            };
            if key.len() > MAX_MD5_PASSWORD_LENGTH {
                return Err(fail("an md5-password of at most 80 characters was expected"));
            }
            Some(key)
        }
    };

    Ok(Neighbor {
        file: node.document().name().to_string(),
        line: node.position().line,
        description: d.description.unwrap_or_default(),
        router_id,
        local_address,
        source_interface: d.source_interface,
        peer_address,
        peer_prefix_len,
        local_as: d.local_as.flatten(),
        peer_as: d.peer_as.flatten(),
        hold_time,
        rate_limit: d.rate_limit.unwrap_or(0),
        passive,
        listen,
        connect: d.connect.unwrap_or(0),
        outgoing_ttl: d.outgoing_ttl.flatten(),
        incoming_ttl: d.incoming_ttl.flatten(),
        md5_password,
        md5_base64,
        md5_key,
        md5_ip: d.md5_ip.or(local_address),
        group_updates: d.group_updates.unwrap_or(true),
        auto_flush: d.auto_flush.unwrap_or(true),
        adj_rib_in: d.adj_rib_in.unwrap_or(true),
        adj_rib_out: d.adj_rib_out.unwrap_or(true),
        manual_eor: d.manual_eor.unwrap_or(false),
        host_name: d.host_name,
        domain_name: d.domain_name,
        capability,
        families,
        nexthops,
        addpaths,
        api: d.api.into_iter().map(|a| a.api).collect(),
        route_sections: d.routes,
        routes: Default::default(),
    })
}

/// The peer address of the section header (`neighbor <ip>[/len] {`). It is
/// read before the body, as the reference does; a `peer-address` statement
/// inside the body wins over it.
pub(crate) fn header_address(node: Node<'_>) -> Result<(IpAddr, u8), ConfigError> {
    let w = node.arg(0).ok_or_else(|| node.missing("a peer IP address was expected after neighbor"))?;
    ip_range(w)
}

/// Use the header address unless the body wrote `peer-address`.
pub(crate) fn set_header_address(d: &mut NeighborDraft, address: (IpAddr, u8)) {
    if d.peer_address.is_none() {
        d.peer_address = Some(address);
    }
}

/// A template name: `[A-Za-z0-9._-]`.
pub(crate) fn template_name<'d>(node: Node<'d>) -> Result<super::syntax::Word<'d>, ConfigError> {
    let w = node.arg(0).ok_or_else(|| node.missing("a template name was expected"))?;
    if !value::valid_name(w.text()) {
        return Err(w.expected("a template name made of [A-Za-z0-9._-] was expected"));
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names() {
        assert!(host_name_ok("router.example", false));
        assert!(host_name_ok("1router", false));
        assert!(!host_name_ok("router1", false));
        assert!(!host_name_ok("a..b", false));
        assert!(!host_name_ok("a_b", false));
        assert!(!host_name_ok("", false));
        assert!(host_name_ok("example.com", true));
        assert!(!host_name_ok("1example.com", true));
    }

    #[test]
    fn base64() {
        assert_eq!(base64_decode("YWJj").unwrap(), b"abc");
        assert_eq!(base64_decode("YWI=").unwrap(), b"ab");
        assert_eq!(base64_decode("ab!cd").unwrap().len(), 3);
        assert!(base64_decode("abc").is_none());
        assert!(base64_decode("a").is_none());
        assert_eq!(base64_decode("").unwrap(), b"");
    }
}
