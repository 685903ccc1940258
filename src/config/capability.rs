//! `capability { … }` (spec §7.4).

use super::error::ConfigError;
use super::syntax::Node;
use super::value::{boolean, number, Args};

/// `capability { add-path …; }` (RFC 7911 §4 Send/Receive field values).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AddPathMode {
    #[default]
    Disabled,
    Receive,
    Send,
    SendReceive,
}

impl AddPathMode {
    /// The RFC 7911 Send/Receive value (1 receive, 2 send, 3 both).
    pub fn code(self) -> u8 {
        match self {
            AddPathMode::Disabled => 0,
            AddPathMode::Receive => 1,
            AddPathMode::Send => 2,
            AddPathMode::SendReceive => 3,
        }
    }
}

/// A neighbor's capability settings after defaults and post-processing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// Four-octet ASN (RFC 6793), default on.
    pub asn4: bool,
    /// Extended Message (RFC 8654), default on.
    pub extended_message: bool,
    /// Graceful Restart (RFC 4724) restart time; `None` when off. A configured
    /// 0 (or the bare keyword) has already been replaced by the hold-time.
    pub graceful_restart: Option<u16>,
    /// ExaBGP's multisession capability.
    pub multi_session: bool,
    /// Operational messages capability.
    pub operational: bool,
    pub add_path: AddPathMode,
    /// Route Refresh (RFC 2918) and Enhanced Route Refresh (RFC 7313).
    pub route_refresh: bool,
    /// Extended Next Hop (RFC 8950): `None` = not written (on when a
    /// non-empty `nexthop {}` block exists, resolved at post-processing).
    pub nexthop: Option<bool>,
    /// AIGP: `None` when not written; never advertised.
    pub aigp: Option<bool>,
    /// Software Version capability; the bare keyword means *off* (quirk).
    pub software_version: bool,
}

impl Default for Capabilities {
    fn default() -> Capabilities {
        Capabilities {
            asn4: true,
            extended_message: true,
            graceful_restart: None,
            multi_session: false,
            operational: false,
            add_path: AddPathMode::Disabled,
            route_refresh: false,
            nexthop: None,
            aigp: None,
            software_version: false,
        }
    }
}

/// What a `capability` block wrote; `None` = not written (templates merge
/// key by key, and a template's key wins over the neighbor's).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct CapabilityDraft {
    pub(crate) asn4: Option<bool>,
    pub(crate) extended_message: Option<bool>,
    /// `Some(None)` = disabled; `Some(Some(0))` = use the hold-time.
    pub(crate) graceful_restart: Option<Option<u16>>,
    pub(crate) multi_session: Option<bool>,
    pub(crate) operational: Option<bool>,
    pub(crate) add_path: Option<AddPathMode>,
    pub(crate) route_refresh: Option<bool>,
    pub(crate) nexthop: Option<bool>,
    pub(crate) aigp: Option<bool>,
    pub(crate) software_version: Option<bool>,
}

fn over<T: Copy>(mine: &mut Option<T>, theirs: Option<T>) {
    if theirs.is_some() {
        *mine = theirs;
    }
}

impl CapabilityDraft {
    /// Template merge: every key the template wrote replaces ours.
    pub(crate) fn merge_from(&mut self, t: &CapabilityDraft) {
        over(&mut self.asn4, t.asn4);
        over(&mut self.extended_message, t.extended_message);
        over(&mut self.graceful_restart, t.graceful_restart);
        over(&mut self.multi_session, t.multi_session);
        over(&mut self.operational, t.operational);
        over(&mut self.add_path, t.add_path);
        over(&mut self.route_refresh, t.route_refresh);
        over(&mut self.nexthop, t.nexthop);
        over(&mut self.aigp, t.aigp);
        over(&mut self.software_version, t.software_version);
    }

    /// Apply the defaults of absent keys.
    pub(crate) fn resolve(&self) -> Capabilities {
        let d = Capabilities::default();
        Capabilities {
            asn4: self.asn4.unwrap_or(d.asn4),
            extended_message: self.extended_message.unwrap_or(d.extended_message),
            graceful_restart: self.graceful_restart.unwrap_or(d.graceful_restart),
            multi_session: self.multi_session.unwrap_or(d.multi_session),
            operational: self.operational.unwrap_or(d.operational),
            add_path: self.add_path.unwrap_or(d.add_path),
            route_refresh: self.route_refresh.unwrap_or(d.route_refresh),
            nexthop: self.nexthop,
            aigp: self.aigp,
            software_version: self.software_version.unwrap_or(d.software_version),
        }
    }
}

/// Parse one `capability` section into `draft` (repeated blocks add up).
pub(crate) fn parse(node: Node<'_>, draft: &mut CapabilityDraft) -> Result<(), ConfigError> {
    for item in node.children() {
        let keyword = item.keyword();
        if item.is_section() {
            return Err(keyword.expected("a capability keyword was expected (no section)"));
        }
        let mut args = Args::new(item);
        match keyword.text() {
            "asn4" => draft.asn4 = Some(boolean(&mut args, true)?),
            "extended-message" => draft.extended_message = Some(boolean(&mut args, true)?),
            "multi-session" => draft.multi_session = Some(boolean(&mut args, true)?),
            "operational" => draft.operational = Some(boolean(&mut args, true)?),
            "route-refresh" => draft.route_refresh = Some(boolean(&mut args, true)?),
            "nexthop" => draft.nexthop = Some(boolean(&mut args, true)?),
            "aigp" => draft.aigp = Some(boolean(&mut args, true)?),
            // Quirk: bare `software-version;` means off.
            "software-version" => draft.software_version = Some(boolean(&mut args, false)?),
            "graceful-restart" => {
                draft.graceful_restart = Some(match args.next() {
                    None => Some(0),
                    Some(w) if matches!(w.text(), "disable" | "disabled") => None,
                    // The reference's limit is 0xFFFF (Graceful.MAX), not 4095.
                    Some(w) => Some(number(w, 65535, "a graceful-restart time in seconds")? as u16),
                });
            }
            "add-path" => {
                const WHAT: &str = "an add-path mode (send, receive, send/receive, disable) was expected";
                let w = args.value(WHAT)?;
                draft.add_path = Some(match w.text().to_ascii_lowercase().as_str() {
                    "disable" | "disabled" => AddPathMode::Disabled,
                    "receive" => AddPathMode::Receive,
                    "send" => AddPathMode::Send,
                    "send/receive" => AddPathMode::SendReceive,
                    _ => return Err(w.expected(WHAT)),
                });
            }
            _ => return Err(keyword.expected("a capability keyword (asn4, route-refresh, graceful-restart, add-path, multi-session, operational, extended-message, nexthop, aigp, software-version) was expected")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::syntax::Document;

    fn draft(text: &str) -> Result<CapabilityDraft, ConfigError> {
        let doc = Document::parse("t", text.to_string()).unwrap();
        let mut d = CapabilityDraft::default();
        parse(doc.root().next().unwrap(), &mut d).map(|_| d)
    }

    #[test]
    fn defaults_and_bare_values() {
        let c = draft("capability { }").unwrap().resolve();
        assert_eq!(c, Capabilities::default());
        let c = draft("capability { route-refresh; multi-session; software-version; graceful-restart; aigp; }").unwrap().resolve();
        assert!(c.route_refresh && c.multi_session && !c.software_version);
        assert_eq!(c.graceful_restart, Some(0));
        assert_eq!(c.aigp, Some(true));
    }

    #[test]
    fn values() {
        let c = draft("capability { add-path send/receive; graceful-restart 360; asn4 disable; software-version enable; }").unwrap().resolve();
        assert_eq!(c.add_path, AddPathMode::SendReceive);
        assert_eq!(c.graceful_restart, Some(360));
        assert!(!c.asn4 && c.software_version);
        assert_eq!(draft("capability { graceful-restart disable; }").unwrap().resolve().graceful_restart, None);
    }

    #[test]
    fn errors() {
        assert!(draft("capability { add-path receive/send; }").is_err());
        assert!(draft("capability { add-path; }").is_err());
        assert!(draft("capability { graceful-restart 70000; }").is_err());
        assert!(draft("capability { refresh; }").is_err());
        assert!(draft("capability { asn4 maybe; }").is_err());
    }

    #[test]
    fn template_keys_win() {
        let mut mine = draft("capability { asn4 disable; route-refresh; }").unwrap();
        mine.merge_from(&draft("capability { asn4 enable; }").unwrap());
        let c = mine.resolve();
        assert!(c.asn4 && c.route_refresh);
    }
}
