//! What the SuperTokens Frontend Driver Interface needs from identity, on top
//! of the regular flows: RS256 access tokens (published as a JWKS) carrying
//! the claims the SDKs read, sessions started and refreshed through the same
//! session and refresh-token records as `/api/v1/auth`, and the small
//! queries of the FDI (email exists, email verified). The HTTP transport
//! (headers, cookies, `front-token`) is the server's `routes::fdi`.

mod claims;
mod keys;
mod session;
mod user;

pub use claims::{ClaimValue, FdiClaims, TENANT};
pub(crate) use keys::RsaKeys;
pub use keys::{Jwk, Jwks, SigningKeySource};
pub use session::FdiTokens;
pub use user::{FdiLoginMethod, FdiUser, FdiWebauthn};
