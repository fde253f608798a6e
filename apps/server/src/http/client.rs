//! What the services learn about the client: its address, user agent and
//! preferred language.

use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use p2p_identity::ClientInfo;
use p2p_kernel::Locale;
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
        let locale = requested_locale(req.headers());
        ready(Ok(Client(ClientInfo {
            ip,
            user_agent,
            locale,
        })))
    }
}

/// The language a request's `Accept-Language` asks for, when it names Arabic
/// or English (`None` without the header, or for `fr, de`: the service
/// then keeps what it knows, such as an invitation's language).
pub fn requested_locale(headers: &header::HeaderMap) -> Option<Locale> {
    let value = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let names_one = value
        .split(',')
        .take(32)
        .any(|range| Locale::from_tag(range.split(';').next().unwrap_or_default()).is_some());
    names_one.then(|| Locale::from_accept_language(value))
}
