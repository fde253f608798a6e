//! What the services learn about the client: its address and user agent.

use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use p2p_identity::ClientInfo;
use std::future::{Ready, ready};

const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address is the TCP peer, unless that peer is one of the
/// configured trusted proxies (`P2P_TRUSTED_PROXIES`): then it comes from
/// `X-Forwarded-For` (see [`crate::http::proxies`]). Rate limits key on it.
pub struct Client(pub ClientInfo);

impl FromRequest for Client {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ip = req.peer_addr().map(|peer| {
            match req.app_data::<web::Data<AppState>>() {
                Some(state) if !state.settings.trusted_proxies.is_empty() => {
                    let forwarded = req
                        .headers()
                        .get_all(FORWARDED_FOR)
                        .filter_map(|v| v.to_str().ok());
                    state
                        .settings
                        .trusted_proxies
                        .client_ip(peer.ip(), forwarded)
                }
                _ => peer.ip(),
            }
            .to_string()
        });
        let user_agent = req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(300).collect());
        ready(Ok(Client(ClientInfo { ip, user_agent })))
    }
}
