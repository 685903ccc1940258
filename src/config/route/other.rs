//! VPLS (§13), MVPN (§14.1) and SRv6 MUP (§14.2) routes.

use std::net::IpAddr;

use crate::bgp::iana::Afi;
use crate::bgp::nlri::mup::{Dsd, Isd, MupRoute, T1st, T2st};
use crate::bgp::nlri::mvpn::sharedjoin::CMulticast;
use crate::bgp::nlri::mvpn::{MvpnRoute, SharedJoin, SourceAd, SourceJoin};
use crate::bgp::nlri::{Mup, Mvpn, Nlri, RouteDistinguisher, Vpls};
use crate::config::error::ConfigError;
use crate::config::syntax::{Node, Word};

use super::attr::{self, Draft};
use super::words::RouteWords;
use super::{finish, Route, RouteContext};

#[derive(Default)]
struct VplsDraft {
    endpoint: Option<u16>,
    base: Option<u32>,
    offset: Option<u16>,
    size: Option<u16>,
    rd: Option<RouteDistinguisher>,
}

fn u16_of(w: &Word<'_>, what: &str) -> Result<u16, ConfigError> {
    let n = attr::u32_of(w, what)?;
    u16::try_from(n).map_err(|_| w.expected(what))
}

/// A VPLS keyword (or a §11 one). Returns false if unknown.
fn vpls_keyword(key: &Word<'_>, w: &mut RouteWords<'_>, v: &mut VplsDraft, d: &mut Draft) -> Result<bool, ConfigError> {
    match key.text() {
        "endpoint" => v.endpoint = Some(u16_of(&w.expect("an endpoint (0-65535) was expected")?, "an endpoint (0-65535) was expected")?),
        "offset" => v.offset = Some(u16_of(&w.expect("an offset (0-65535) was expected")?, "an offset (0-65535) was expected")?),
        "size" => v.size = Some(u16_of(&w.expect("a size (0-65535) was expected")?, "a size (0-65535) was expected")?),
        "base" => v.base = Some(u32::from(u16_of(&w.expect("a base (0-65535) was expected")?, "a base (0-65535) was expected")?)),
        "rd" => v.rd = Some(attr::rd(w)?),
        // The next-hop travels in MP_REACH_NLRI only (no NEXT_HOP attribute).
        "next-hop" => {
            attr::next_hop(w, d, Afi::L2VPN, false)?;
            d.attrs.remove(crate::bgp::iana::attr_code::NEXT_HOP);
        }
        "label" | "large-community" | "route-distinguisher" => return Ok(false),
        _ => return attr::common(key, w, d, Afi::L2VPN),
    }
    Ok(true)
}

fn vpls_build(v: VplsDraft, d: Draft, ctx: &mut RouteContext, at: &Word<'_>) -> Result<Route, ConfigError> {
    let missing = |what: &str| at.error(format!("a vpls route with {} was expected", what));
    if d.nexthop == super::NextHopSpec::None && ctx.action == crate::bgp::message::update::Action::Announce {
        return Err(missing("a next-hop"));
    }
    let endpoint = v.endpoint.ok_or_else(|| missing("an endpoint"))?;
    let base = v.base.ok_or_else(|| missing("a base"))?;
    let offset = v.offset.ok_or_else(|| missing("an offset"))?;
    let size = v.size.ok_or_else(|| missing("a size"))?;
    let rd = v.rd.ok_or_else(|| missing("an rd"))?;
    if base > 0xF_FFFF - u32::from(size) {
        return Err(missing("a base and size within the 20-bit label space"));
    }
    Ok(finish(Nlri::Vpls(Vpls { rd, endpoint, offset, size, base }), d, ctx))
}

/// `vpls <keywords…>` (one line).
pub(super) fn vpls_line(w: &mut RouteWords<'_>, ctx: &mut RouteContext) -> Result<Vec<Route>, ConfigError> {
    let at = w.peek().ok_or_else(|| w.missing("vpls keywords were expected"))?;
    let (mut v, mut d) = (VplsDraft::default(), Draft::default());
    while let Some(key) = w.next() {
        if !vpls_keyword(&key, w, &mut v, &mut d)? {
            return Err(key.expected("a vpls keyword was expected"));
        }
    }
    Ok(vec![vpls_build(v, d, ctx, &at)?])
}

fn vpls_block(node: Node<'_>, ctx: &mut RouteContext) -> Result<Route, ConfigError> {
    let (mut v, mut d) = (VplsDraft::default(), Draft::default());
    for st in node.children() {
        let key = st.keyword();
        if st.is_section() {
            return Err(key.expected("a vpls statement was expected"));
        }
        let mut w = RouteWords::args(st);
        if !vpls_keyword(&key, &mut w, &mut v, &mut d)? {
            return Err(key.expected("a vpls keyword was expected"));
        }
        if let Some(extra) = w.next() {
            return Err(extra.expected("';' was expected"));
        }
    }
    vpls_build(v, d, ctx, &node.keyword())
}

/// An `l2vpn { … }` section.
pub(super) fn l2vpn_section(node: Node<'_>, ctx: &mut RouteContext, out: &mut super::Sink) -> Result<(), ConfigError> {
    for child in node.children() {
        let key = child.keyword();
        match (key.text(), child.is_section()) {
            ("vpls", true) => out.add(&key, vec![vpls_block(child, ctx)?]),
            ("vpls", false) => out.add(&key, vpls_line(&mut RouteWords::args(child), ctx)?),
            _ => return Err(key.expected("vpls was expected in l2vpn")),
        }
    }
    Ok(())
}

fn keyword(w: &mut RouteWords<'_>, name: &str) -> Result<(), ConfigError> {
    let what = format!("{} was expected", name);
    let k = w.expect(&what)?;
    if k.text() != name {
        return Err(k.expected(&what));
    }
    Ok(())
}

fn ip_afi(w: &mut RouteWords<'_>, afi: Afi) -> Result<IpAddr, ConfigError> {
    let v = w.expect("an IP address was expected")?;
    let ip = attr::ip_of(&v)?;
    if ip.is_ipv4() != (afi == Afi::IPV4) {
        return Err(v.expected(&format!("an {} address was expected", afi)));
    }
    Ok(ip)
}

/// The §11 attributes after an MVPN/MUP NLRI.
fn rest(w: &mut RouteWords<'_>, d: &mut Draft, afi: Afi, mup: bool) -> Result<(), ConfigError> {
    while let Some(key) = w.next() {
        if mup {
            match key.text() {
                "next-hop" => attr::next_hop(w, d, afi, true)?,
                "label" => d.labels = Some(attr::labels(w)?),
                "bgp-prefix-sid-srv6" => attr::prefix_sid_srv6(w, d)?,
                "extended-community" => {
                    attr::common(&key, w, d, afi)?;
                }
                _ => return Err(key.expected("next-hop, label, extended-community or bgp-prefix-sid-srv6 was expected")),
            }
        } else if !attr::common(&key, w, d, afi)? {
            return Err(key.expected("a route attribute keyword was expected"));
        }
    }
    Ok(())
}

/// `mcast-vpn source-ad|shared-join|source-join …`.
pub(super) fn mvpn(afi: Afi, w: &mut RouteWords<'_>, ctx: &mut RouteContext) -> Result<Vec<Route>, ConfigError> {
    let kind = w.expect("source-ad, shared-join or source-join was expected")?;
    let route = match kind.text() {
        "source-ad" => {
            keyword(w, "source")?;
            let source = ip_afi(w, afi)?;
            keyword(w, "group")?;
            let group = ip_afi(w, afi)?;
            keyword(w, "rd")?;
            let rd = attr::rd(w)?;
            MvpnRoute::SourceAd(SourceAd { rd, source, group })
        }
        "shared-join" | "source-join" => {
            let shared = kind.text() == "shared-join";
            keyword(w, if shared { "rp" } else { "source" })?;
            let source = ip_afi(w, afi)?;
            keyword(w, "group")?;
            let group = ip_afi(w, afi)?;
            keyword(w, "rd")?;
            let rd = attr::rd(w)?;
            keyword(w, "source-as")?;
            let asw = w.expect("a source-as was expected")?;
            let source_as = attr::u32_of(&asw, "a source-as (0-4294967295) was expected")?;
            let c = CMulticast { rd, source_as, source, group };
            if shared {
                MvpnRoute::SharedJoin(SharedJoin(c))
            } else {
                MvpnRoute::SourceJoin(SourceJoin(c))
            }
        }
        _ => return Err(kind.expected("source-ad, shared-join or source-join was expected")),
    };
    let mut d = Draft::default();
    rest(w, &mut d, afi, false)?;
    Ok(vec![finish(Nlri::Mvpn(Box::new(Mvpn::new(afi, route))), d, ctx)])
}

/// `mup mup-isd|mup-dsd|mup-t1st|mup-t2st …`.
pub(super) fn mup(afi: Afi, w: &mut RouteWords<'_>, ctx: &mut RouteContext) -> Result<Vec<Route>, ConfigError> {
    let kind = w.expect("mup-isd, mup-dsd, mup-t1st or mup-t2st was expected")?;
    let bits = if afi == Afi::IPV4 { 32u8 } else { 128 };
    let route = match kind.text() {
        "mup-isd" => {
            let pw = w.expect("a prefix was expected")?;
            let p = super::prefix(&pw)?;
            keyword(w, "rd")?;
            let rd = attr::rd(w)?;
            MupRoute::Isd(Isd { rd, prefix_len: p.len(), prefix: p.addr() })
        }
        "mup-dsd" => {
            let ip = ip_afi(w, afi)?;
            keyword(w, "rd")?;
            let rd = attr::rd(w)?;
            MupRoute::Dsd(Dsd { rd, ip })
        }
        "mup-t1st" => {
            let pw = w.expect("a prefix was expected")?;
            let p = super::prefix(&pw)?;
            keyword(w, "rd")?;
            let rd = attr::rd(w)?;
            keyword(w, "teid")?;
            let tw = w.expect("a teid was expected")?;
            let teid = attr::u32_of(&tw, "a teid (32-bit number) was expected")?;
            keyword(w, "qfi")?;
            let qw = w.expect("a qfi was expected")?;
            let qfi = u8::try_from(attr::u32_of(&qw, "a qfi (0-255) was expected")?).map_err(|_| qw.expected("a qfi (0-255) was expected"))?;
            keyword(w, "endpoint")?;
            let endpoint = ip_afi(w, afi)?;
            let mut source = None;
            if w.peek().is_some_and(|p| p.text() == "source") {
                w.next();
                source = Some((bits, ip_afi(w, afi)?));
            }
            MupRoute::T1st(T1st { rd, prefix_len: p.len(), prefix: p.addr(), teid, qfi, endpoint_len: bits, endpoint, source })
        }
        "mup-t2st" => {
            let endpoint = ip_afi(w, afi)?;
            keyword(w, "rd")?;
            let rd = attr::rd(w)?;
            keyword(w, "teid")?;
            let tw = w.expect("a teid/bits was expected")?;
            let (t, b) = tw.text().split_once('/').ok_or_else(|| tw.expected("a teid/bits was expected"))?;
            let teid: u32 = t.parse().map_err(|_| tw.expected("a teid/bits was expected"))?;
            let tb: u8 = b.parse().ok().filter(|b| *b <= 32).ok_or_else(|| tw.expected("teid bits 0 to 32 were expected"))?;
            if tb < 32 && u64::from(teid) >= 1u64 << tb {
                return Err(tw.expected("a teid that fits its bit length was expected"));
            }
            MupRoute::T2st(T2st { rd, endpoint_len: bits + tb, endpoint, teid })
        }
        _ => return Err(kind.expected("mup-isd, mup-dsd, mup-t1st or mup-t2st was expected")),
    };
    let mut d = Draft::default();
    rest(w, &mut d, afi, true)?;
    Ok(vec![finish(Nlri::Mup(Box::new(Mup::new(afi, route))), d, ctx)])
}
