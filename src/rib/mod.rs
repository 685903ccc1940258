//! The RIBs of one neighbor (ExaBGP's `rib/`): what we send (`AdjRibOut`,
//! with the cursor the session pulls UPDATEs from) and what we received
//! (`AdjRibIn`). Sans-IO: no sockets, no clock.
//!
//! How the daemon drives them (ExaBGP's `reactor/peer.py`, `protocol.py`,
//! `configuration.py`, `api/command/{rib,watchdog}.py`):
//!
//! | event | call |
//! |---|---|
//! | configuration loaded (static routes) | `out.add_to_rib_watchdog(change, watchdog, withdraw_flag)` per route |
//! | API `announce …` / `withdraw …` | `out.add_to_rib(change, false)`, the change's `action` saying which (ExaBGP injects withdrawals this way too; next-hop `self` resolved first) |
//! | session Established | `inn.clear()`, `out.session_up(manual_eor)`, `out.replace_restart(previous_config_routes, current_config_routes)` |
//! | each poll turn with room to write | `out.next_messages(&negotiated, budget, &mut buf)` (25, or 1 with rate-limit, as ExaBGP) |
//! | UPDATE received | `inn.update(&update)` |
//! | ROUTE-REFRESH received | `out.resend(subtype == QUERY && negotiated.refresh == Enhanced, Some(family))` |
//! | `flush adj-rib out` | `out.resend(neighbor route-refresh capability configured, None)` |
//! | `clear adj-rib out` / `clear adj-rib in` | `out.withdraw(None)` / `inn.clear()` |
//! | `announce eor <afi> <safi>` | `out.queue_eor(family)` |
//! | `announce|withdraw watchdog <name>` | `out.announce_watchdog(name)` / `out.withdraw_watchdog(name)` |
//! | SIGUSR1 reload, same neighbor | `out.replace_reload(previous, current)`, `set_families` on both if they changed |
//! | reload, neighbor of the same name | keep both RIBs (ExaBGP's `RIB._cache`); `set_families(new)`; `clear()` the one whose `adj-rib-*` is now off |
//! | session down (to be re-established) | `out.reset()`, `inn.clear()` |
//! | `show adj-rib in|out` | `cached_changes(None)` (or the negotiated families for `advertised`) |

pub mod cache;
pub mod change;
pub mod fxhash;
pub mod incoming;
pub mod ordered;
pub mod outgoing;
pub mod pyset;
pub mod store;

pub use change::{Change, RouteKey};
pub use incoming::AdjRibIn;
pub use outgoing::AdjRibOut;

#[cfg(test)]
mod tests;
