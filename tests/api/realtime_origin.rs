//! A WebSocket handshake authenticated by the session cookie must come from
//! an allowed origin (`P2P_CORS_ORIGINS` or the server's own, from
//! `P2P_PUBLIC_URL`): otherwise any site could open `/ws` with a visitor's
//! cookie (cross-site WebSocket hijacking). A token in the query or a Bearer
//! header cannot be sent by another site's page, so it needs no origin.

use crate::realtime::next_frame;
use p2p_tests::{Session, TestApp, unique_email};
use serde_json::Value;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;

/// An origin allowed by the configuration of these tests.
const FRONTEND: &str = "https://app.factory-network.test";

fn request(app: &TestApp, path: &str, cookie: Option<&Session>, origin: Option<&str>) -> Request {
    let url = format!("{}{path}", app.base.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request().unwrap();
    if let Some(session) = cookie {
        let cookie = format!("p2p_access={}", session.access);
        request
            .headers_mut()
            .insert("cookie", cookie.parse().unwrap());
    }
    if let Some(origin) = origin {
        request
            .headers_mut()
            .insert("origin", origin.parse().unwrap());
    }
    request
}

/// The handshake's outcome: 101 and the first frame's type, or the refusal's
/// status, content type and problem code.
async fn handshake(request: Request) -> Result<String, (u16, String, Value)> {
    match connect_async(request).await {
        Ok((mut ws, response)) => {
            assert_eq!(response.status().as_u16(), 101);
            Ok(next_frame(&mut ws).await["type"]
                .as_str()
                .unwrap()
                .to_owned())
        }
        Err(WsError::Http(resp)) => {
            let content_type = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let body = resp.body().as_deref().unwrap_or_default();
            let problem: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            Err((
                resp.status().as_u16(),
                content_type,
                problem["code"].clone(),
            ))
        }
        Err(e) => panic!("unexpected handshake error: {e}"),
    }
}

fn refused() -> Result<String, (u16, String, Value)> {
    Err((
        403,
        "application/problem+json".to_owned(),
        Value::from("origin_not_allowed"),
    ))
}

#[tokio::test]
async fn cookie_handshakes_need_an_allowed_origin() {
    let app = TestApp::spawn_with(|raw| raw.cors_origins = FRONTEND.to_owned()).await;
    let me = app.signup(&unique_email("origin")).await;
    let own = app.base.clone();
    let subscribed = Ok("subscribed".to_owned());

    for path in ["/ws", "/ws?since=0"] {
        let cases = [
            (Some("https://evil.example"), refused()),
            (Some("null"), refused()),
            (Some("not an origin"), refused()),
            // A browser always sends Origin on a WebSocket handshake.
            (None, refused()),
            // Same host, other scheme or port: another origin.
            (Some(&own.replacen("http://", "https://", 1)), refused()),
            (
                Some("https://app.factory-network.test.evil.example"),
                refused(),
            ),
            (Some(FRONTEND), subscribed.clone()),
            (
                Some("HTTPS://APP.Factory-Network.test:443"),
                subscribed.clone(),
            ),
            (Some(own.as_str()), subscribed.clone()),
        ];
        for (origin, expected) in cases {
            let outcome = handshake(request(&app, path, Some(&me), origin)).await;
            assert_eq!(outcome, expected, "{path} with Origin {origin:?}");
        }
    }

    // The legacy topic socket applies the same rule.
    let topic = app
        .post(
            "/api/v1/forums/topics",
            me.token(),
            &serde_json::json!({"title": "Origin checks", "content": "Body"}),
        )
        .await;
    topic.assert_status(201);
    let path = format!("/ws/forum/{}", topic.json["topic"]["id"].as_str().unwrap());
    let evil = request(&app, &path, Some(&me), Some("https://evil.example"));
    assert_eq!(handshake(evil).await, refused());
    let allowed = request(&app, &path, Some(&me), Some(FRONTEND));
    assert_eq!(handshake(allowed).await, subscribed);

    // A token in the query or a Bearer header needs no origin check.
    let query = format!("/ws?access_token={}", me.access);
    let evil = request(&app, &query, None, Some("https://evil.example"));
    assert_eq!(handshake(evil).await, subscribed);
    let mut bearer = request(&app, "/ws", None, Some("https://evil.example"));
    let value = format!("Bearer {}", me.access);
    bearer
        .headers_mut()
        .insert("authorization", value.parse().unwrap());
    assert_eq!(handshake(bearer).await, subscribed);
    app.stop().await;
}
