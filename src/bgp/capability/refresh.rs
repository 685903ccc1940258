//! Route-refresh capabilities: code 2 (RFC 2918 §2), Cisco's pre-standard
//! code 128, and enhanced route-refresh, code 70 (RFC 7313 §3). All have an
//! empty value.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteRefresh {
    /// Announced with Cisco's code 128 rather than 2.
    pub cisco: bool,
}

impl RouteRefresh {
    pub fn code(self) -> u8 {
        if self.cisco {
            crate::bgp::iana::cap_code::ROUTE_REFRESH_CISCO
        } else {
            crate::bgp::iana::cap_code::ROUTE_REFRESH
        }
    }

    /// `{ "name": "route-refresh", "variant": "RFC" }` (or `"Cisco"`).
    pub fn json(self, out: &mut String) {
        out.push_str("{ \"name\": \"route-refresh\", \"variant\": \"");
        out.push_str(if self.cisco { "Cisco" } else { "RFC" });
        out.push_str("\" }");
    }
}

impl fmt::Display for RouteRefresh {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.cisco { "Cisco Route Refresh" } else { "Route Refresh" })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnhancedRouteRefresh;

impl EnhancedRouteRefresh {
    pub fn json(self, out: &mut String) {
        out.push_str("{ \"name\": \"enhanced-route-refresh\" }");
    }
}

impl fmt::Display for EnhancedRouteRefresh {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Enhanced Route Refresh")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renderings() {
        let mut s = String::new();
        RouteRefresh { cisco: false }.json(&mut s);
        assert_eq!(s, r#"{ "name": "route-refresh", "variant": "RFC" }"#);
        s.clear();
        RouteRefresh { cisco: true }.json(&mut s);
        assert_eq!(s, r#"{ "name": "route-refresh", "variant": "Cisco" }"#);
        assert_eq!(RouteRefresh { cisco: true }.to_string(), "Cisco Route Refresh");
        assert_eq!(RouteRefresh { cisco: true }.code(), 128);
        s.clear();
        EnhancedRouteRefresh.json(&mut s);
        assert_eq!(s, r#"{ "name": "enhanced-route-refresh" }"#);
        assert_eq!(EnhancedRouteRefresh.to_string(), "Enhanced Route Refresh");
    }
}
