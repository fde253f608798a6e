use super::*;

fn config() -> IdentityConfig {
    IdentityConfig::new(vec![0u8; 32], "https://p2p.example/")
}

fn user(first_name: &str, locale: Locale) -> user::Model {
    let now = time::OffsetDateTime::UNIX_EPOCH;
    user::Model {
        id: uuid::Uuid::nil(),
        organization_id: uuid::Uuid::nil(),
        email: "a@b.example".into(),
        password_hash: String::new(),
        first_name: first_name.into(),
        last_name: "Last".into(),
        handle: String::new(),
        handle_key: String::new(),
        job_title: None,
        bio: None,
        phone: None,
        avatar_url: None,
        avatar_file_id: None,
        role: "member".into(),
        is_superuser: false,
        is_active: true,
        email_verified_at: None,
        security_stamp: String::new(),
        created_at: now,
        updated_at: now,
        last_login_at: None,
        locale: locale.as_str().into(),
        search_name: String::new(),
    }
}

fn sender(name: &str, organization: &str) -> Sender {
    Sender {
        user_id: uuid::Uuid::nil(),
        name: name.into(),
        organization: organization.into(),
        locale: Locale::En,
    }
}

fn html(e: &OutgoingEmail) -> &str {
    e.html.as_deref().unwrap_or_default()
}

#[test]
fn links_and_lifetimes() {
    let e = verification(&config(), &user("Ann", Locale::En), "TOKEN");
    assert!(
        e.text
            .contains("https://p2p.example/verify-email?token=TOKEN")
    );
    assert!(e.text.contains("2 days"));
    assert!(html(&e).contains("href=\"https://p2p.example/verify-email?token=TOKEN\""));
    assert!(html(&e).contains("<html lang=\"en\" dir=\"ltr\">"));
    let en = |secs| lifetime(Locale::En, Duration::from_secs(secs));
    assert_eq!(en(3600), "1 hour");
    assert_eq!(en(7 * 24 * 3600), "7 days");
    assert_eq!(en(900), "15 minutes");
    let ar = |secs| lifetime(Locale::Ar, Duration::from_secs(secs));
    assert_eq!(ar(3600), "ساعة واحدة");
    assert_eq!(ar(2 * 3600), "ساعتين");
    assert_eq!(ar(24 * 3600), "24 ساعة");
    assert_eq!(ar(2 * 24 * 3600), "يومين");
    assert_eq!(ar(7 * 24 * 3600), "7 أيام");
    assert_eq!(ar(30 * 24 * 3600), "30 يومًا");
    assert_eq!(ar(900), "15 دقيقة");
    assert_eq!(ar(300), "5 دقائق");
}

#[test]
fn arabic_emails_read_right_to_left() {
    let config = config();
    let e = verification(&config, &user("نورة", Locale::Ar), "TOKEN");
    assert_eq!(e.subject, "أكّد عنوان بريدك الإلكتروني في P2P Sandbox");
    assert!(e.text.starts_with("مرحبًا نورة،\n\n"), "{}", e.text);
    assert!(e.text.contains("خلال يومين"), "{}", e.text);
    assert!(
        e.text
            .contains("\nhttps://p2p.example/verify-email?token=TOKEN\n")
    );
    assert!(
        html(&e).contains("<html lang=\"ar\" dir=\"rtl\">"),
        "{}",
        html(&e)
    );
    let e = password_reset(&config, &user("نورة", Locale::Ar), "TOKEN");
    assert!(e.subject.starts_with("إعادة تعيين كلمة المرور"));
    assert!(e.text.contains("reset-password?token=TOKEN"));
    assert!(html(&e).contains("dir=\"rtl\""));
    let e = invitation(
        &config,
        Locale::Ar,
        "x@y.example",
        &sender("نورة الحربي", "مصنع الحربي للصلب"),
        Role::Admin,
        "TOKEN",
    );
    assert_eq!(
        e.subject,
        "دعوة من نورة الحربي للانضمام إلى مصنع الحربي للصلب في P2P Sandbox"
    );
    assert!(e.text.contains("بصفة مسؤول"), "{}", e.text);
    assert!(e.text.contains("خلال 7 أيام"), "{}", e.text);
    assert!(html(&e).contains("lang=\"ar\""));
}

#[test]
fn chosen_names_never_become_links() {
    let config = config();
    for locale in Locale::ALL {
        let e = invitation(
            &config,
            locale,
            "x@y.example",
            &sender(
                "Visit evil.example",
                "Go to <b>http://evil.example/login</b>",
            ),
            Role::Admin,
            "TOKEN",
        );
        for text in [&e.subject, &e.text, html(&e)] {
            assert!(!text.contains("evil.example"), "{text}");
            assert!(text.contains("http[:]//evil[.]example/login"), "{text}");
        }
        assert!(!html(&e).contains("<b>"), "{}", html(&e));
        assert!(html(&e).contains("&lt;b&gt;"), "{}", html(&e));
        assert!(
            e.text
                .contains("https://p2p.example/accept-invite?token=TOKEN")
        );
    }
    let e = invitation(
        &config,
        Locale::En,
        "x@y.example",
        &sender("نورة الحربي", "مصنع الحربي للصلب"),
        Role::Member,
        "TOKEN",
    );
    assert!(
        e.subject
            .contains("نورة الحربي invited you to مصنع الحربي للصلب")
    );
    for locale in Locale::ALL {
        for e in [
            verification(&config, &user("www.evil.example", locale), "T"),
            password_reset(&config, &user("www.evil.example", locale), "T"),
        ] {
            assert!(e.text.contains("www[.]evil[.]example"), "{}", e.text);
            assert!(!html(&e).contains("www.evil"), "{}", html(&e));
        }
    }
}
