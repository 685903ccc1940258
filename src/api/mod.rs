//! The process API: what helper programs read and write (api.md).
//!
//! Daemon → helper (events):
//! * [`delivery::Subscriptions`] (from a neighbor's `api` blocks) says which
//!   processes hear which event, and [`delivery::Subscriptions::plan`] which
//!   forms (packets / parsed / consolidated) a message gets;
//! * [`event::encode`] renders one [`event::Event`] for one process with its
//!   [`event::Encoding`] (JSON in [`json`], text in [`text`]), sharing the
//!   neighbor's JSON counter across processes; [`event::shutdown`] is the
//!   last message every process gets.
//!
//! Helper → daemon (commands):
//! * [`line::Reader`] splits a process's output into lines, `debug` lines
//!   apart; [`line::normalise`] rewrites a line as ExaBGP does;
//! * [`command::parse`] turns it into a [`command::Command`], routes parsed
//!   through a [`command::RouteParser`]; [`selector`] matches peers;
//! * [`reply::control`] answers the commands that need no daemon data,
//!   [`ack::Acks`] decides every `done` / `error`, [`show`] renders `show …`.

pub mod ack;
pub mod command;
pub mod delivery;
pub mod envelope;
pub mod event;
pub mod json;
pub mod line;
pub mod operational;
pub mod reply;
pub mod selector;
pub mod show;
pub mod show_config;
pub mod text;
