//! What the services learn about the client: its address and user agent.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use p2p_identity::ClientInfo;
use std::future::{Ready, ready};

/// The client's address is the TCP peer: forwarded-for headers are not
/// trusted, since any client can set them (and rate limits key on it).
pub struct Client(pub ClientInfo);

impl FromRequest for Client {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ip = req.peer_addr().map(|a| a.ip().to_string());
        let user_agent = req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(300).collect());
        ready(Ok(Client(ClientInfo { ip, user_agent })))
    }
}
