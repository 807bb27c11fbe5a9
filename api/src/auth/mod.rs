//! Authentication: JWT claims, the development secret and token minting.

pub mod secret;
pub mod token;

pub use token::{Claims, mint};
