//! What `show neighbor` and `show adj-rib` print (api.md §2.10), from plain
//! input structs the daemon fills in. Every function appends whole lines,
//! each ending with a newline (the writer's), without the final `done`.

use std::fmt::Write;
use std::net::IpAddr;

use crate::bgp::attribute::nexthop::NextHop;
use crate::bgp::attribute::Attributes;
use crate::bgp::iana::Family;
use crate::bgp::nlri::Nlri;

/// The line `show neighbor summary` prints first.
pub const SUMMARY_HEADER: &str = "Peer            AS        up/down state       |     #sent     #recvd";

/// One row of `show neighbor summary`.
#[derive(Clone, Copy, Debug)]
pub struct SummaryRow<'a> {
    pub peer: IpAddr,
    pub peer_as: Option<u32>,
    /// Seconds since the session was established; 0 prints `down` (as in
    /// ExaBGP, also during the first second of a session).
    pub duration: u64,
    /// The FSM state name (`ESTABLISHED`, …); printed in lower case.
    pub state: &'a str,
    /// UPDATE messages sent and received.
    pub sent_updates: u64,
    pub received_updates: u64,
}

/// `127.0.0.2       65002     0:00:07 established           1          7`
pub fn summary_row(row: &SummaryRow<'_>, out: &mut String) {
    let duration = if row.duration == 0 { "down".to_string() } else { timedelta(row.duration) };
    let _ = writeln!(
        out,
        "{:<15} {:<7} {:>9} {:<12} {:>10} {:>10}",
        row.peer.to_string(),
        opt(row.peer_as),
        duration,
        row.state.to_lowercase(),
        row.sent_updates,
        row.received_updates
    );
}

/// Everything `show neighbor extensive` and `show neighbor json` show of a
/// peer (ExaBGP's `Peer.cli_data()`).
#[derive(Clone, Debug)]
pub struct NeighborDetail<'a> {
    pub peer_address: IpAddr,
    /// As configured (ExaBGP prints `None` when it is discovered).
    pub local_address: &'a str,
    pub local_as: u32,
    pub peer_as: u32,
    pub local_id: &'a str,
    /// `None` before the peer's OPEN. (ExaBGP shows its own router-id here
    /// once the OPEN is in; the daemon decides what to pass.)
    pub peer_id: Option<&'a str>,
    pub local_hold: u16,
    pub peer_hold: Option<u16>,
    /// FSM state name.
    pub state: &'a str,
    /// Seconds up; 0 when not established.
    pub duration: u64,
    /// Seconds between the peer's creation and its last reset.
    pub down: u64,
    /// `(name, local, peer)`; `None` is `n/a`.
    pub capabilities: Vec<(&'a str, Option<bool>, Option<bool>)>,
    pub families: Vec<FamilyDetail>,
    /// `(message name, sent, received)`, `total` last.
    pub messages: Vec<(&'a str, u64, u64)>,
}

/// One configured family of a peer.
#[derive(Clone, Copy, Debug)]
pub struct FamilyDetail {
    pub family: Family,
    /// Configured locally (always true in ExaBGP).
    pub local: Option<bool>,
    /// Negotiated with the peer; `None` before its OPEN.
    pub remote: Option<bool>,
    pub send_addpath: Option<bool>,
    pub receive_addpath: Option<bool>,
}

fn opt(v: Option<impl ToString>) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| v.to_string())
}

fn enabled(v: Option<bool>) -> &'static str {
    match v {
        None => "n/a",
        Some(true) => "enabled",
        Some(false) => "disabled",
    }
}

fn addpath(send: Option<bool>, receive: Option<bool>) -> &'static str {
    match (send == Some(true), receive == Some(true)) {
        (true, true) => "send/receive",
        (true, false) => "send",
        (false, true) => "receive",
        (false, false) => "disabled",
    }
}

/// Python's `str(timedelta(seconds=n))`: `H:MM:SS`, `1 day, H:MM:SS`.
pub fn timedelta(seconds: u64) -> String {
    let days = seconds / 86400;
    let rest = seconds % 86400;
    let hms = format!("{}:{:02}:{:02}", rest / 3600, rest / 60 % 60, rest % 60);
    match days {
        0 => hms,
        1 => format!("1 day, {hms}"),
        d => format!("{d} days, {hms}"),
    }
}

/// `   <name:<20> <a:>15> <b:>15> <c:<15>` (trailing spaces included).
fn row(out: &mut String, name: &str, a: &str, b: &str, c: &str) {
    let _ = writeln!(out, "   {name:<20} {a:>15} {b:>15} {c:<15}");
}

/// `show neighbor extensive` for one peer, ending with an empty line.
///
/// ExaBGP fails on the duration line (it formats a `timedelta` with a width,
/// which Python refuses); here the duration is right-aligned like the other
/// values.
pub fn extensive(d: &NeighborDetail<'_>, out: &mut String) {
    let _ = writeln!(out, "Neighbor {}", d.peer_address);
    out.push('\n');
    out.push_str("    Session                         Local\n");
    row(out, "local", d.local_address, "", "");
    row(out, "state", d.state, "", "");
    if d.duration != 0 {
        row(out, "up for", &timedelta(d.duration), "", "");
    } else {
        row(out, "down for", &timedelta(d.down), "", "");
    }
    out.push('\n');
    out.push_str("    Setup                           Local          Remote\n");
    row(out, "AS", &d.local_as.to_string(), &d.peer_as.to_string(), "");
    row(out, "ID", d.local_id, d.peer_id.unwrap_or("n/a"), "");
    row(out, "hold-time", &d.local_hold.to_string(), &opt(d.peer_hold), "");
    out.push('\n');
    out.push_str("    Capability                      Local          Remote\n");
    for (name, local, peer) in &d.capabilities {
        row(out, &format!("{name}:"), enabled(*local), enabled(*peer), "");
    }
    out.push('\n');
    out.push_str("    Families                        Local          Remote        Add-Path\n");
    for f in &d.families {
        // ExaBGP unpacks the add-path pair the wrong way round here (not in
        // the JSON form); kept so the column reads the same.
        row(
            out,
            &format!("{}:", f.family),
            enabled(f.local),
            enabled(f.remote),
            addpath(f.receive_addpath, f.send_addpath),
        );
    }
    out.push('\n');
    out.push_str("    Message Statistic                Sent        Received\n");
    for (name, sent, received) in &d.messages {
        row(out, &format!("{name}:"), &sent.to_string(), &received.to_string(), "");
    }
    out.push('\n');
}

/// `show neighbor json`: one line, a JSON list with one object per peer
/// (Python `json.dumps` spacing).
pub fn neighbors_json(peers: &[NeighborDetail<'_>], out: &mut String) {
    out.push('[');
    for (i, d) in peers.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        neighbor_json(d, out);
    }
    out.push_str("]\n");
}

fn neighbor_json(d: &NeighborDetail<'_>, out: &mut String) {
    let up = d.duration != 0;
    let _ = write!(
        out,
        "{{\"state\": \"{}\", \"duration\": {}, \"fsm\": ",
        if up { "up" } else { "down" },
        if up { d.duration } else { d.down }
    );
    crate::json::string(out, d.state);
    for local in [true, false] {
        out.push_str(if local { ", \"local\": {" } else { ", \"peer\": {" });
        out.push_str("\"capabilities\": {");
        for (i, (name, l, p)) in d.capabilities.iter().enumerate() {
            sep(out, i);
            key(out, name);
            tri(out, if local { *l } else { *p });
        }
        out.push_str("}, \"families\": {");
        for (i, f) in d.families.iter().enumerate() {
            sep(out, i);
            key(out, &f.family.to_string());
            tri(out, if local { f.local } else { f.remote });
        }
        out.push_str("}, \"add-path\": {");
        for (i, f) in d.families.iter().enumerate() {
            sep(out, i);
            key(out, &f.family.to_string());
            tri(out, if local { f.send_addpath } else { f.receive_addpath });
        }
        out.push_str("}, \"address\": ");
        if local {
            crate::json::string(out, d.local_address);
            let _ = write!(out, ", \"as\": {}, \"id\": ", d.local_as);
            crate::json::string(out, d.local_id);
            let _ = write!(out, ", \"hold\": {}}}", d.local_hold);
        } else {
            crate::json::string(out, &d.peer_address.to_string());
            let _ = write!(out, ", \"as\": {}, \"id\": ", d.peer_as);
            match d.peer_id {
                Some(id) => crate::json::string(out, id),
                None => out.push_str("null"),
            }
            out.push_str(", \"hold\": ");
            match d.peer_hold {
                Some(h) => {
                    let _ = write!(out, "{h}");
                }
                None => out.push_str("null"),
            }
            out.push('}');
        }
    }
    out.push_str(", \"messages\": {\"sent\": {");
    for (i, (name, sent, _)) in d.messages.iter().enumerate() {
        sep(out, i);
        key(out, name);
        let _ = write!(out, "{sent}");
    }
    out.push_str("}, \"received\": {");
    for (i, (name, _, received)) in d.messages.iter().enumerate() {
        sep(out, i);
        key(out, name);
        let _ = write!(out, "{received}");
    }
    out.push_str("}}, \"capabilities\": [");
    let mut n = 0;
    for (name, l, p) in &d.capabilities {
        if *l == Some(true) && *p == Some(true) {
            sep(out, n);
            crate::json::string(out, name);
            n += 1;
        }
    }
    out.push_str("], \"families\": [");
    let mut n = 0;
    for f in &d.families {
        if f.local == Some(true) && f.remote == Some(true) {
            sep(out, n);
            crate::json::string(out, &f.family.to_string());
            n += 1;
        }
    }
    out.push_str("], \"add-path\": {");
    for (i, f) in d.families.iter().enumerate() {
        sep(out, i);
        key(out, &f.family.to_string());
        crate::json::string(out, addpath(f.send_addpath, f.receive_addpath));
    }
    out.push_str("}}");
}

fn sep(out: &mut String, i: usize) {
    if i > 0 {
        out.push_str(", ");
    }
}

fn key(out: &mut String, k: &str) {
    crate::json::string(out, k);
    out.push_str(": ");
}

fn tri(out: &mut String, v: Option<bool>) {
    out.push_str(match v {
        None => "null",
        Some(true) => "true",
        Some(false) => "false",
    });
}

/// One route of `show adj-rib in|out`:
/// `<peer-ip> <afi> <safi> <nlri>`, or with `extensive`
/// `<peer-key> <afi> <safi> <nlri><attributes>`. `who` is the peer's
/// address, or its key for extensive.
pub fn adj_rib_line(
    who: &str,
    nlri: &Nlri,
    nexthop: NextHop,
    attributes: &Attributes,
    extensive: bool,
    out: &mut String,
) {
    let _ = write!(out, "{who} {} {}", nlri.family(), nlri.text(nexthop.ip()));
    if extensive {
        attributes.text(out);
    }
    out.push('\n');
}

/// `show adj-rib … json`: ExaBGP re-prints the whole object for a peer after
/// each of its routes; one of these per peer.
#[derive(Clone, Debug)]
pub struct AdjRibJson {
    peer: String,
    routes: String,
}

impl AdjRibJson {
    pub fn new(peer: IpAddr) -> AdjRibJson {
        AdjRibJson { peer: peer.to_string(), routes: String::new() }
    }

    /// Add a route (its prefix as ExaBGP's `cidr.prefix()`) and write the
    /// object so far: `{"<ip>": {"routes": [{"prefix": "…", "family": "ipv4 unicast"}, …]}}`.
    pub fn push(&mut self, prefix: &str, family: Family, out: &mut String) {
        if !self.routes.is_empty() {
            self.routes.push_str(", ");
        }
        self.routes.push_str("{\"prefix\": ");
        crate::json::string(&mut self.routes, prefix);
        let _ = write!(self.routes, ", \"family\": \"{family}\"}}");
        out.push('{');
        crate::json::string(out, &self.peer);
        let _ = writeln!(out, ": {{\"routes\": [{}]}}}}", self.routes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary() {
        let mut out = String::new();
        summary_row(
            &SummaryRow {
                peer: "127.0.0.2".parse().unwrap(),
                peer_as: Some(65002),
                duration: 7,
                state: "ESTABLISHED",
                sent_updates: 1,
                received_updates: 7,
            },
            &mut out,
        );
        assert_eq!(out, "127.0.0.2       65002     0:00:07 established           1          7\n");
        out.clear();
        summary_row(
            &SummaryRow {
                peer: "10.0.0.1".parse().unwrap(),
                peer_as: None,
                duration: 0,
                state: "ACTIVE",
                sent_updates: 0,
                received_updates: 0,
            },
            &mut out,
        );
        assert_eq!(out, "10.0.0.1        n/a          down active                0          0\n");
    }

    #[test]
    fn python_timedelta() {
        assert_eq!(timedelta(7), "0:00:07");
        assert_eq!(timedelta(3661), "1:01:01");
        assert_eq!(timedelta(86400 + 5), "1 day, 0:00:05");
        assert_eq!(timedelta(2 * 86400 + 36000), "2 days, 10:00:00");
    }

    fn detail() -> NeighborDetail<'static> {
        NeighborDetail {
            peer_address: "127.0.0.2".parse().unwrap(),
            local_address: "127.0.0.1",
            local_as: 65001,
            peer_as: 65002,
            local_id: "1.1.1.1",
            peer_id: None,
            local_hold: 180,
            peer_hold: None,
            state: "ACTIVE",
            duration: 0,
            down: 12,
            capabilities: vec![("asn4", Some(true), None), ("add-path", Some(false), None)],
            families: vec![FamilyDetail {
                family: Family::IPV4_UNICAST,
                local: Some(true),
                remote: None,
                send_addpath: Some(true),
                receive_addpath: Some(false),
            }],
            messages: vec![("open", 1, 0), ("total", 1, 0)],
        }
    }

    #[test]
    fn extensive_block() {
        let mut out = String::new();
        extensive(&detail(), &mut out);
        let pad = " ".repeat(15);
        let expected = format!(
            "Neighbor 127.0.0.2\n\
             \n    Session                         Local\n\
             \x20  local                      127.0.0.1                 {pad}\n\
             \x20  state                         ACTIVE                 {pad}\n\
             \x20  down for                     0:00:12                 {pad}\n\
             \n    Setup                           Local          Remote\n\
             \x20  AS                             65001           65002 {pad}\n\
             \x20  ID                           1.1.1.1             n/a {pad}\n\
             \x20  hold-time                        180             n/a {pad}\n\
             \n    Capability                      Local          Remote\n\
             \x20  asn4:                        enabled             n/a {pad}\n\
             \x20  add-path:                   disabled             n/a {pad}\n\
             \n    Families                        Local          Remote        Add-Path\n\
             \x20  ipv4 unicast:                enabled             n/a receive        \n\
             \n    Message Statistic                Sent        Received\n\
             \x20  open:                              1               0 {pad}\n\
             \x20  total:                             1               0 {pad}\n\
             \n"
        );
        assert_eq!(out, expected);
    }

    #[test]
    fn json_list() {
        let mut out = String::new();
        neighbors_json(&[detail()], &mut out);
        assert_eq!(
            out,
            "[{\"state\": \"down\", \"duration\": 12, \"fsm\": \"ACTIVE\", \
             \"local\": {\"capabilities\": {\"asn4\": true, \"add-path\": false}, \"families\": {\"ipv4 unicast\": true}, \
             \"add-path\": {\"ipv4 unicast\": true}, \"address\": \"127.0.0.1\", \"as\": 65001, \"id\": \"1.1.1.1\", \"hold\": 180}, \
             \"peer\": {\"capabilities\": {\"asn4\": null, \"add-path\": null}, \"families\": {\"ipv4 unicast\": null}, \
             \"add-path\": {\"ipv4 unicast\": false}, \"address\": \"127.0.0.2\", \"as\": 65002, \"id\": null, \"hold\": null}, \
             \"messages\": {\"sent\": {\"open\": 1, \"total\": 1}, \"received\": {\"open\": 0, \"total\": 0}}, \
             \"capabilities\": [], \"families\": [], \"add-path\": {\"ipv4 unicast\": \"send\"}}]\n"
        );
        out.clear();
        neighbors_json(&[], &mut out);
        assert_eq!(out, "[]\n");
    }

    #[test]
    fn adj_rib_json_repeats() {
        let mut acc = AdjRibJson::new("127.0.0.1".parse().unwrap());
        let mut out = String::new();
        acc.push("1.0.0.0/24", Family::IPV4_UNICAST, &mut out);
        acc.push("2.0.0.0/24", Family::IPV4_UNICAST, &mut out);
        assert_eq!(
            out,
            "{\"127.0.0.1\": {\"routes\": [{\"prefix\": \"1.0.0.0/24\", \"family\": \"ipv4 unicast\"}]}}\n\
             {\"127.0.0.1\": {\"routes\": [{\"prefix\": \"1.0.0.0/24\", \"family\": \"ipv4 unicast\"}, \
             {\"prefix\": \"2.0.0.0/24\", \"family\": \"ipv4 unicast\"}]}}\n"
        );
    }
}

#[cfg(test)]
mod rib_tests {
    use super::*;
    use crate::bgp::message::update::Update;
    use crate::bgp::negotiated::Negotiated;

    #[test]
    fn adj_rib_lines() {
        let body = [0u8, 0, 0, 11, 0x40, 1, 1, 0, 0x40, 3, 4, 127, 0, 0, 1, 24, 20, 0, 0];
        let u = Update::unpack(&body, &Negotiated::default()).unwrap();
        let (nlri, nh) = u.announces().next().unwrap();
        let mut out = String::new();
        adj_rib_line("127.0.0.1", nlri, nh, &u.attributes, false, &mut out);
        assert_eq!(out, "127.0.0.1 ipv4 unicast 20.0.0.0/24 next-hop 127.0.0.1\n");
        out.clear();
        adj_rib_line("neighbor 127.0.0.1 local-ip x", nlri, nh, &u.attributes, true, &mut out);
        assert_eq!(out, "neighbor 127.0.0.1 local-ip x ipv4 unicast 20.0.0.0/24 next-hop 127.0.0.1 origin igp\n");
    }
}
