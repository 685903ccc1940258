//! MVPN route type 7, C-multicast Source Tree Join (RFC 6514 §4.6): the
//! same layout as type 6.

pub use super::sharedjoin::CMulticast;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceJoin(pub CMulticast);

impl SourceJoin {
    pub const CODE: u8 = 7;
    pub const NAME: &'static str = "C-Multicast Source Tree Join route";
}
