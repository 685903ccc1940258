//! `api [<name>] { … }`: which helper processes hear about a neighbor (spec §8).

use super::error::ConfigError;
use super::syntax::Node;
use super::value::{boolean, Args};

/// Message kinds a process can subscribe to, per direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MessageFlags {
    pub parsed: bool,
    pub packets: bool,
    pub consolidate: bool,
    pub open: bool,
    pub update: bool,
    pub notification: bool,
    pub keepalive: bool,
    pub refresh: bool,
    pub operational: bool,
}

impl MessageFlags {
    pub fn any(&self) -> bool {
        self.parsed
            || self.packets
            || self.consolidate
            || self.open
            || self.update
            || self.notification
            || self.keepalive
            || self.refresh
            || self.operational
    }
}

/// One `api` block. Everything defaults to off.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Api {
    /// The block's name (`auto-named-N` when none was written).
    pub name: String,
    /// `processes [ … ]`: the flags below apply to these.
    pub processes: Vec<String>,
    /// `processes-match [ … ]`: regular expressions matched at the start of
    /// process names. Quirk kept from the reference: the flags below are
    /// *not* applied to processes linked this way.
    pub processes_match: Vec<String>,
    pub neighbor_changes: bool,
    pub negotiated: bool,
    pub fsm: bool,
    pub signal: bool,
    pub send: MessageFlags,
    pub receive: MessageFlags,
    /// Offset of the `api` keyword (for errors found after parsing).
    pub(crate) offset: u32,
}

/// Keys written in a block, for template merging (a template's boolean wins,
/// lists are appended).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ApiDraft {
    pub(crate) api: Api,
    /// Which of the scalar flags were written, in the order of
    /// `flag_slots` (neighbor-changes, negotiated, fsm, signal, send×9, receive×9).
    pub(crate) written: Vec<bool>,
}

fn flag_slots(api: &mut Api) -> [&mut bool; 22] {
    let Api { neighbor_changes, negotiated, fsm, signal, send, receive, .. } = api;
    let [s1, s2, s3, s4, s5, s6, s7, s8, s9] = direction_slots(send);
    let [r1, r2, r3, r4, r5, r6, r7, r8, r9] = direction_slots(receive);
    [neighbor_changes, negotiated, fsm, signal, s1, s2, s3, s4, s5, s6, s7, s8, s9, r1, r2, r3, r4, r5, r6, r7, r8, r9]
}

fn direction_slots(f: &mut MessageFlags) -> [&mut bool; 9] {
    let MessageFlags { parsed, packets, consolidate, open, update, notification, keepalive, refresh, operational } = f;
    [parsed, packets, consolidate, open, update, notification, keepalive, refresh, operational]
}

const DIRECTION_KEYS: [&str; 9] =
    ["parsed", "packets", "consolidate", "open", "update", "notification", "keepalive", "refresh", "operational"];

impl ApiDraft {
    /// Template merge of two blocks with the same name.
    pub(crate) fn merge_from(&mut self, t: &ApiDraft) {
        self.api.processes.extend(t.api.processes.iter().cloned());
        self.api.processes_match.extend(t.api.processes_match.iter().cloned());
        let mut theirs = t.api.clone();
        let their_slots = flag_slots(&mut theirs).map(|b| *b);
        let mine = flag_slots(&mut self.api);
        for (n, slot) in mine.into_iter().enumerate() {
            if t.written.get(n).copied().unwrap_or(false) {
                *slot = their_slots.get(n).copied().unwrap_or(false);
                if let Some(w) = self.written.get_mut(n) {
                    *w = true;
                }
            }
        }
    }
}

/// `[ a b , c ]` → names; quoted words are single names.
fn bracket_list(args: &mut Args<'_>, what: &str) -> Result<Vec<(String, u32)>, ConfigError> {
    let open = args.value(&format!("'[' starting the {} list was expected", what))?;
    if open.text() != "[" {
        return Err(open.expected(&format!("'[' starting the {} list was expected", what)));
    }
    let mut out = Vec::new();
    loop {
        let Some(w) = args.next() else {
            return Err(args.node().missing(&format!("']' ending the {} list was expected", what)));
        };
        match w.text() {
            "]" => return Ok(out),
            "," => continue,
            text => out.push((text.to_string(), w.offset())),
        }
    }
}

/// Parse an `api` section. `auto_name` is used when none was written.
pub(crate) fn parse(node: Node<'_>, auto_name: String) -> Result<ApiDraft, ConfigError> {
    let name = match node.arg(0) {
        Some(w) => {
            if !super::value::valid_name(w.text()) {
                return Err(w.expected("an api name made of [A-Za-z0-9._-] was expected"));
            }
            w.text().to_string()
        }
        None => auto_name,
    };
    let mut draft = ApiDraft { api: Api { name, offset: node.keyword().offset(), ..Api::default() }, written: vec![false; 22] };
    for item in node.children() {
        let keyword = item.keyword();
        let mut args = Args::new(item);
        if item.is_section() {
            let base = match keyword.text() {
                "send" => 4,
                "receive" => 13,
                _ => return Err(keyword.expected("send or receive was expected")),
            };
            for flag in item.children() {
                let key = flag.keyword();
                let Some(n) = DIRECTION_KEYS.iter().position(|k| *k == key.text()).filter(|_| !flag.is_section()) else {
                    return Err(key.expected("a message kind (parsed, packets, consolidate, open, update, notification, keepalive, refresh, operational) was expected"));
                };
                let value = boolean(&mut Args::new(flag), true)?;
                if let Some(slot) = flag_slots(&mut draft.api).into_iter().nth(base + n) {
                    *slot = value;
                }
                if let Some(w) = draft.written.get_mut(base + n) {
                    *w = true;
                }
            }
            continue;
        }
        let slot = match keyword.text() {
            "processes" => {
                draft.api.processes = bracket_list(&mut args, "processes")?.into_iter().map(|(n, _)| n).collect();
                continue;
            }
            "processes-match" => {
                let list = bracket_list(&mut args, "processes-match")?;
                for (pattern, offset) in &list {
                    if let Err(why) = super::regex::Regex::new(pattern) {
                        return Err(node.document().error_at(*offset, format!("a regular expression was expected, found \"{}\" ({})", pattern, why)));
                    }
                }
                draft.api.processes_match = list.into_iter().map(|(n, _)| n).collect();
                continue;
            }
            "neighbor-changes" => 0,
            "negotiated" => 1,
            "fsm" => 2,
            "signal" => 3,
            _ => return Err(keyword.expected("an api keyword (processes, processes-match, neighbor-changes, negotiated, fsm, signal) was expected")),
        };
        let value = boolean(&mut args, true)?;
        if let Some(s) = flag_slots(&mut draft.api).into_iter().nth(slot) {
            *s = value;
        }
        if let Some(w) = draft.written.get_mut(slot) {
            *w = true;
        }
    }
    Ok(draft)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::syntax::Document;

    fn api(text: &str) -> Result<ApiDraft, ConfigError> {
        let doc = Document::parse("t", text.to_string()).unwrap();
        parse(doc.root().next().unwrap(), "auto-named-1".to_string())
    }

    #[test]
    fn full_block() {
        let a = api("api speaking { processes [ a, b c ]; neighbor-changes; send { packets; } receive { parsed; update; open false; } }")
            .unwrap()
            .api;
        assert_eq!(a.name, "speaking");
        assert_eq!(a.processes, vec!["a", "b", "c"]);
        assert!(a.neighbor_changes && !a.fsm);
        assert!(a.send.packets && !a.send.parsed);
        assert!(a.receive.parsed && a.receive.update && !a.receive.open);
    }

    #[test]
    fn auto_name_and_match() {
        let a = api("api { processes-match [ \"^add\" ]; }").unwrap().api;
        assert_eq!(a.name, "auto-named-1");
        assert_eq!(a.processes_match, vec!["^add"]);
    }

    #[test]
    fn errors() {
        assert!(api("api { processes a; }").is_err());
        assert!(api("api { processes [ a; }").is_err());
        assert!(api("api { receive { everything; } }").is_err());
        assert!(api("api { listen; }").is_err());
        assert!(api("api bad/name { }").is_err());
        assert!(api("api { processes-match [ \"a[\" ]; }").is_err());
    }

    #[test]
    fn merge_overrides_written_flags() {
        let mut mine = api("api x { processes [ a ]; fsm; receive { parsed; } }").unwrap();
        let theirs = api("api x { processes [ b ]; fsm false; }").unwrap();
        mine.merge_from(&theirs);
        assert_eq!(mine.api.processes, vec!["a", "b"]);
        assert!(!mine.api.fsm && mine.api.receive.parsed);
    }
}
