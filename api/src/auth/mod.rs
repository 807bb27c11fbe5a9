//! Authentication: JWT verification ([`Verifier`], configured by [`AuthConfig`]),
//! provisioning of users on first sight ([`provision()`]), the development secret and
//! token minting.

pub mod config;
mod keys;
pub mod provision;
pub mod secret;
pub mod token;
pub mod verify;

pub use config::{AuthConfig, PublicKeyAlg, PublicKeySpec};
pub use provision::{ProvisionError, provision};
pub use token::{Claims, mint};
pub use verify::{AuthError, VerifiedClaims, Verifier};
