//! A bilingual platform: each user has a language (`ar` / `en`) from the
//! signup's `Accept-Language`, shown by `GET /users/me` and changed by
//! `PATCH /users/me`; every email (verification, reset, invitation, digest)
//! is written in the recipient's language, Arabic right to left, read here
//! from the SMTP sink (full) or the mail directory (embedded).

use p2p_tests::mail::Email;
use p2p_tests::{PASSWORD, Response, Session, TestApp, unique_email};
use reqwest::Method;
use serde_json::{Value, json};

/// A request with an `Accept-Language` header.
async fn send_in(
    app: &TestApp,
    language: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> Response {
    let mut req = app
        .client
        .request(method, app.url(path))
        .header("accept-language", language)
        .json(body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    TestApp::read(req.send().await.expect("request sent")).await
}

pub(crate) async fn signup_in(
    app: &TestApp,
    language: Option<&str>,
    first: &str,
    last: &str,
    org: &str,
) -> Session {
    let email = unique_email("locale");
    let body = json!({
        "email": email, "password": PASSWORD, "first_name": first,
        "last_name": last, "organization_name": org,
    });
    let resp = match language {
        Some(l) => send_in(app, l, Method::POST, "/api/v1/auth/signup", None, &body).await,
        None => app.post("/api/v1/auth/signup", None, &body).await,
    };
    resp.assert_status(201);
    Session::from_auth(&email, resp.json)
}

fn html(e: &Email) -> &str {
    e.html.as_deref().unwrap_or_default()
}

/// An Arabic email: Arabic subject and text, an HTML part right to left.
#[track_caller]
fn assert_arabic(e: &Email, subject: &str, text: &str) {
    assert_eq!(e.subject, subject, "{}", e.text);
    assert!(e.text.contains(text), "{}", e.text);
    assert!(
        html(e).contains("<html lang=\"ar\" dir=\"rtl\">"),
        "{}",
        html(e)
    );
    assert!(html(e).contains(text), "{}", html(e));
}

#[track_caller]
fn assert_english(e: &Email, subject: &str, text: &str) {
    assert_eq!(e.subject, subject, "{}", e.text);
    assert!(e.text.contains(text), "{}", e.text);
    assert!(
        html(e).contains("<html lang=\"en\" dir=\"ltr\">"),
        "{}",
        html(e)
    );
    assert!(!html(e).contains("rtl"), "{}", html(e));
}

fn token_in(e: &Email, path: &str) -> String {
    p2p_tests::mail::link_token(&e.text, path).unwrap_or_else(|| panic!("no {path} in {}", e.text))
}

#[tokio::test]
async fn a_users_language_comes_from_the_signup_and_decides_their_emails() {
    let app = TestApp::spawn().await;
    let nora = signup_in(
        &app,
        Some("ar-SA,ar;q=0.9,en;q=0.8"),
        "نورة",
        "الحربي",
        "مصنع الحربي للصلب",
    )
    .await;
    assert_eq!(nora.body["user"]["locale"], "ar", "{}", nora.body);
    let verify = &app.parsed_emails_to(&nora.email, 1).await[0];
    assert_arabic(
        verify,
        "أكّد عنوان بريدك الإلكتروني في P2P Sandbox",
        "مرحبًا نورة،",
    );
    assert!(
        verify.text.contains("تنتهي صلاحية الرابط خلال يومين"),
        "{}",
        verify.text
    );
    let token = token_in(verify, "/verify-email");
    app.post(
        "/api/v1/auth/verify-email",
        None,
        &json!({ "token": token }),
    )
    .await
    .assert_status(200);

    // No header, or languages the platform does not speak: English.
    let ann = signup_in(&app, None, "Ann", "Lee", "Lee Plastics").await;
    assert_eq!(ann.body["user"]["locale"], "en");
    let verify = &app.parsed_emails_to(&ann.email, 1).await[0];
    assert_english(
        verify,
        "Confirm your email address for P2P Sandbox",
        "Hello Ann,",
    );
    let fr = signup_in(&app, Some("fr-FR, de;q=0.5"), "Jean", "Roux", "Roux SA").await;
    assert_eq!(fr.body["user"]["locale"], "en");

    // The profile shows it; PATCH changes it; anything but ar/en is a field error.
    let me = app.get("/api/v1/users/me", nora.token()).await;
    assert_eq!(me.json["locale"], "ar", "{}", me.text);
    for bad in [json!("fr"), json!("AR"), json!("ar-SA"), json!("")] {
        let resp = app
            .patch(
                "/api/v1/users/me",
                nora.token(),
                &json!({ "locale": bad, "job_title": "x" }),
            )
            .await;
        resp.assert_problem(422, "validation_failed");
        assert_eq!(resp.json["errors"][0]["field"], "locale", "{}", resp.text);
    }
    let resp = app
        .patch("/api/v1/users/me", nora.token(), &json!({ "locale": 7 }))
        .await;
    assert!(resp.status >= 400 && resp.status < 500, "{}", resp.text);
    let me = app.get("/api/v1/users/me", nora.token()).await;
    assert_eq!(me.json["locale"], "ar", "nothing changed: {}", me.text);
    assert!(
        me.json["job_title"].is_null(),
        "nothing changed: {}",
        me.text
    );

    let english = app
        .patch("/api/v1/users/me", nora.token(), &json!({ "locale": "en" }))
        .await;
    english.assert_status(200);
    assert_eq!(english.json["locale"], "en");
    let reset = json!({ "email": nora.email });
    app.post("/api/v1/auth/reset-password", None, &reset)
        .await
        .assert_status(202);
    let mails = app.parsed_emails_to(&nora.email, 2).await;
    assert_english(&mails[1], "Reset your P2P Sandbox password", "Hello نورة,");

    app.patch("/api/v1/users/me", nora.token(), &json!({ "locale": "ar" }))
        .await
        .assert_status(200);
    app.post("/api/v1/auth/reset-password", None, &reset)
        .await
        .assert_status(202);
    let mails = app.parsed_emails_to(&nora.email, 3).await;
    let reset_ar = &mails[2];
    assert_arabic(
        reset_ar,
        "إعادة تعيين كلمة المرور في P2P Sandbox",
        "وصلنا طلب لإعادة تعيين كلمة المرور لحسابك",
    );
    let token = token_in(reset_ar, "/reset-password");
    app.post(
        "/api/v1/auth/reset-password/confirm",
        None,
        &json!({ "token": token, "new_password": "Another-pass-2026" }),
    )
    .await
    .assert_status(200);
    app.login(&nora.email, "Another-pass-2026")
        .await
        .assert_status(200);
    app.stop().await;
}

async fn invite_in(
    app: &TestApp,
    language: Option<&str>,
    admin: &Session,
    body: Value,
) -> Response {
    let resp = match language {
        Some(l) => {
            send_in(
                app,
                l,
                Method::POST,
                "/api/v1/users/invite",
                admin.token(),
                &body,
            )
            .await
        }
        None => app.post("/api/v1/users/invite", admin.token(), &body).await,
    };
    resp.assert_status(201);
    resp
}

async fn accept_in(app: &TestApp, language: Option<&str>, token: &str) -> Response {
    let body = json!({
        "token": token, "password": PASSWORD, "first_name": "سارة", "last_name": "القحطاني",
    });
    let resp = match language {
        Some(l) => {
            send_in(
                app,
                l,
                Method::POST,
                "/api/v1/auth/accept-invite",
                None,
                &body,
            )
            .await
        }
        None => app.post("/api/v1/auth/accept-invite", None, &body).await,
    };
    resp.assert_status(201);
    resp
}

#[tokio::test]
async fn invitations_are_written_in_the_language_they_were_sent_in() {
    let app = TestApp::spawn().await;
    let admin = signup_in(&app, Some("ar"), "نورة", "الحربي", "مصنع <الحربي> للصلب").await;

    // No header: the inviting admin's own language.
    let first = unique_email("invitee-ar");
    let sent = invite_in(
        &app,
        None,
        &admin,
        json!({"email": first, "role": "member"}),
    )
    .await;
    assert_eq!(sent.json["locale"], "ar", "{}", sent.text);
    let mail = &app.parsed_emails_to(&first, 1).await[0];
    assert_arabic(
        mail,
        "دعوة من نورة الحربي للانضمام إلى مصنع <الحربي> للصلب في P2P Sandbox",
        "بصفة عضو",
    );
    assert!(
        mail.text
            .contains("تلقّيت دعوة من نورة الحربي للانضمام إلى مصنع <الحربي> للصلب")
    );
    // The organization's name is text in the HTML, never markup.
    assert!(
        html(mail).contains("مصنع &lt;الحربي&gt; للصلب"),
        "{}",
        html(mail)
    );
    assert!(!html(mail).contains("<الحربي>"), "{}", html(mail));
    assert!(
        mail.text.contains("تنتهي صلاحية الدعوة خلال 7 أيام"),
        "{}",
        mail.text
    );

    // The request's language, and the body's over the request's.
    let second = unique_email("invitee-en");
    invite_in(
        &app,
        Some("en-GB"),
        &admin,
        json!({"email": second, "role": "admin"}),
    )
    .await;
    let mail = &app.parsed_emails_to(&second, 1).await[0];
    assert_english(
        mail,
        "نورة الحربي invited you to مصنع <الحربي> للصلب on P2P Sandbox",
        "as admin",
    );
    let third = unique_email("invitee-body");
    let sent = invite_in(
        &app,
        Some("ar"),
        &admin,
        json!({"email": third, "role": "member", "locale": "en"}),
    )
    .await;
    assert_eq!(sent.json["locale"], "en");
    assert_english(
        &app.parsed_emails_to(&third, 1).await[0],
        "نورة الحربي invited you to مصنع <الحربي> للصلب on P2P Sandbox",
        "as member",
    );
    let bad = app
        .post(
            "/api/v1/users/invite",
            admin.token(),
            &json!({"email": unique_email("invitee-fr"), "role": "member", "locale": "fr"}),
        )
        .await;
    assert!(bad.status == 400 || bad.status == 422, "{}", bad.text);

    // A resend keeps the invitation's language.
    let id = app
        .get("/api/v1/users/invitations", admin.token())
        .await
        .json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["email"] == first.as_str())
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .unwrap();
    app.post(
        &format!("/api/v1/users/invitations/{id}/resend"),
        admin.token(),
        &json!({}),
    )
    .await
    .assert_status(202);
    let mails = app.parsed_emails_to(&first, 2).await;
    assert!(
        mails[1].subject.starts_with("دعوة من نورة الحربي"),
        "{}",
        mails[1].subject
    );

    // The invitee's account: their browser's language, else the invitation's.
    let joined = accept_in(&app, None, &token_in(&mails[1], "/accept-invite")).await;
    assert_eq!(joined.json["user"]["locale"], "ar", "{}", joined.text);
    let token = token_in(&app.parsed_emails_to(&second, 1).await[0], "/accept-invite");
    let joined = accept_in(&app, Some("ar-SA"), &token).await;
    assert_eq!(joined.json["user"]["locale"], "ar", "{}", joined.text);
    let token = token_in(&app.parsed_emails_to(&third, 1).await[0], "/accept-invite");
    let joined = accept_in(&app, Some("de"), &token).await;
    assert_eq!(joined.json["user"]["locale"], "en", "{}", joined.text);
    app.stop().await;
}

#[tokio::test]
async fn digests_are_written_in_each_recipients_language() {
    let app = TestApp::spawn_with(|raw| raw.notification_digest_secs = 3).await;
    let ahmed = signup_in(&app, Some("ar"), "أحمد", "العتيبي", "مصنع العتيبي").await;
    let ann = signup_in(&app, Some("en"), "Ann", "Lee", "Lee Plastics").await;
    let omar = signup_in(&app, Some("ar"), "عمر", "الشهري", "بلاستيك الرياض").await;
    app.parsed_emails_to(&ahmed.email, 1).await;
    app.parsed_emails_to(&ann.email, 1).await;
    let topic = crate::notifications::create_topic(
        &app,
        &omar,
        "تآكل المضخات الهيدروليكية",
        "@أحمد.العتيبي و @ann.lee ما رأيكم في seal kit جديد؟",
    )
    .await;
    assert!(topic["topic"]["id"].is_string(), "{topic}");
    crate::notifications::create_topic(
        &app,
        &omar,
        "صيانة الضواغط",
        "@أحمد.العتيبي هل جربتم vibration sensors؟",
    )
    .await;

    let mails = app.parsed_emails_to(&ahmed.email, 2).await;
    let digest = &mails[1];
    assert!(
        html(digest).contains("<html lang=\"ar\" dir=\"rtl\">"),
        "{}",
        html(digest)
    );
    assert!(
        digest.text.starts_with("إليك ما استجدّ منذ رسالتنا الأخيرة:"),
        "{}",
        digest.text
    );
    assert!(
        digest.text.contains("/settings/notifications"),
        "{}",
        digest.text
    );
    assert!(digest.text.contains("/forums/topics/"), "{}", digest.text);
    assert!(html(digest).contains("إعدادات البريد"), "{}", html(digest));
    // Both mentions in one digest (the usual case) are counted in Arabic;
    // one alone is its own subject.
    match digest.text.matches("\n- ").count() {
        2 => assert_eq!(digest.subject, "لديك إشعاران جديدان على P2P Sandbox"),
        n => assert_eq!(
            (n, digest.subject.contains("لديك")),
            (1, false),
            "{}",
            digest.text
        ),
    }
    let mails = app.parsed_emails_to(&ann.email, 2).await;
    let digest = &mails[1];
    assert!(
        html(digest).contains("<html lang=\"en\" dir=\"ltr\">"),
        "{}",
        html(digest)
    );
    assert!(
        digest
            .text
            .starts_with("Here is what happened since our last email:"),
        "{}",
        digest.text
    );
    assert!(
        digest.text.contains("تآكل المضخات الهيدروليكية"),
        "{}",
        digest.text
    );
    app.stop().await;
}
