//! Qualifiers shared by several NLRI families, named as in ExaBGP's
//! `nlri/qualifier/`: route distinguisher, MPLS label stack, Ethernet segment
//! identifier, Ethernet tag and MAC address. The ADD-PATH path identifier is
//! an `Option<u32>` on each NLRI (`inet::read_path_id` / `push_path_id`).

pub mod esi;
pub mod etag;
pub mod labels;
pub mod mac;
pub mod rd;

pub use esi::Esi;
pub use etag::EthernetTag;
pub use labels::Labels;
pub use mac::Mac;
pub use rd::RouteDistinguisher;
