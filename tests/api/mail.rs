//! E-mail, against a real SMTP server on 127.0.0.1 (`common::smtp`), each message read back by
//! an independent MIME parser (Python's `email` package, `common::mime`): invitations whose
//! temporary password signs in, reset links that work once and within their hour, the same
//! answer for known and unknown addresses, digests holding exactly what their member may see,
//! unsubscribing without signing in, nothing lost while the server is down, nothing sent twice
//! by two instances.

use std::time::Duration;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::common::smtp::{Received, SmtpSink};
use crate::common::{self, TestApp, error_code, mime};

/// The address links must start with: never the request's `Host` (the tests reach the hub on
/// 127.0.0.1).
const PUBLIC: &str = "https://passerelle.example.org";

async fn mail_apps(sink: &SmtpSink) -> Vec<TestApp> {
    let url = sink.url();
    common::apps_configured(false, move |c| {
        c.mail.smtp_url = Some(passerelle::mail::SmtpUrl::parse(&url).expect("the sink's URL"));
        c.security.public_url = Some(PUBLIC.into());
    })
    .await
}

/// The text of a message as a person reads it: no-break spaces as spaces, lines ending in
/// `\n`.
fn read(text: &str) -> String {
    text.replace('\u{a0}', " ").replace("\r\n", "\n")
}

/// The text read as one line (wrapped paragraphs joined), to look for phrases in it.
fn flat(text: &str) -> String {
    read(text).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The message read by the independent parser, checked to be well formed: no defect, a
/// multipart/alternative of UTF-8 text then HTML, a Message-ID, a text part that is text.
fn parse(message: &Received) -> Value {
    let parsed = mime::parse(&message.data);
    assert_eq!(parsed["defects"], json!([]), "{parsed:#}");
    assert_eq!(parsed["contentType"], "multipart/alternative", "{parsed:#}");
    assert_eq!(
        parsed["parts"],
        json!(["multipart/alternative", "text/plain", "text/html"]),
        "{parsed:#}"
    );
    assert_eq!(parsed["charsets"], json!(["utf-8", "utf-8"]), "{parsed:#}");
    assert!(
        parsed["messageId"]
            .as_str()
            .is_some_and(|id| id.ends_with("@passerelle.example.org>")),
        "{parsed:#}"
    );
    assert_eq!(parsed["autoSubmitted"], "auto-generated");
    assert_eq!(parsed["from"], "Passerelle <passerelle@passerelle.example.org>");
    let text = parsed["text"].as_str().expect("a text part");
    // Text that reads as text: no markup, no entities, short lines (links excepted).
    assert!(
        !text.contains("<p") && !text.contains("&amp;") && !text.contains("&lt;"),
        "{text}"
    );
    for line in text.lines() {
        assert!(line.chars().count() <= 76 || !line.trim().contains(' '), "{line:?}");
    }
    // Links name the public address only.
    assert!(!message.text().contains("127.0.0.1"), "{}", message.text());
    parsed
}

/// The value after `label` on a line of the text (`Mot de passe provisoire : …`).
fn value_after(text: &str, label: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(label))
        .map(|rest| rest.trim_start_matches(['\u{a0}', ' ', ':']).trim().to_string())
        .unwrap_or_else(|| panic!("no line starts with {label:?} in {text}"))
}

/// The first link of the text starting with `prefix`.
fn link(text: &str, prefix: &str) -> String {
    let at = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} link in {text}"));
    text[at..]
        .split(|c: char| c.is_whitespace() || c == '>')
        .next()
        .unwrap_or_default()
        .to_string()
}

fn token_of(url: &str) -> String {
    url.split_once("token=").expect("a token").1.to_string()
}

const CREATE_USER: &str = "mutation($input: CreateUserInput!) { createUser(input: $input) { \
    user { id email locale mustChangePassword temporaryPasswordExpiresAt } temporaryPassword \
    invitation { id kind status recipient subject } } }";

const LOGIN: &str =
    "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token mustChangePassword } }";

const OUTBOX: &str = "query($f: MailMessageFilter) { mailOutbox { waiting failing refused sent lastError \
    messages(filter: $f, first: 50) { nodes { id kind status recipient subject attempts lastError nextAttemptAt sentAt } } } }";

async fn create_user(app: &TestApp, input: Value) -> Value {
    app.data(CREATE_USER, json!({ "input": input })).await["createUser"].clone()
}

async fn outbox(app: &TestApp, filter: Value) -> Value {
    app.data(OUTBOX, json!({ "f": filter })).await["mailOutbox"].clone()
}

/// The rows of the outbox, read straight from the database.
async fn rows(app: &TestApp) -> Vec<entity::mail_outbox::Model> {
    entity::mail_outbox::Entity::find()
        .all(app.db())
        .await
        .expect("the outbox reads")
}

#[tokio::test]
async fn an_invitation_arrives_with_a_temporary_password_that_signs_in() {
    let sink = SmtpSink::start().await;
    for app in mail_apps(&sink).await {
        let email = format!("camille.{}@example.org", app.backend);
        let org = common::organisation(&app, "elles-bougent", "Elles Bougent & Cie", json!({})).await;
        let created = create_user(
            &app,
            json!({ "email": email, "displayName": "Camille Dupont", "organisationId": org, "role": "MEMBER" }),
        )
        .await;
        assert_eq!(created["user"]["locale"], "FR");
        assert_eq!(created["invitation"]["status"], "PENDING");
        assert_eq!(created["invitation"]["kind"], "INVITATION");
        assert!(created["user"]["temporaryPasswordExpiresAt"].is_string(), "{created}");
        let temporary = created["temporaryPassword"].as_str().expect("shown once").to_string();

        let pass = app.send_mail().await;
        assert_eq!(pass.sent, 1, "[{}] {pass:?}", app.backend);
        let received = sink.to(&email);
        assert_eq!(received.len(), 1, "[{}]", app.backend);
        assert_eq!(received[0].mail_from, "passerelle@passerelle.example.org");
        let parsed = parse(&received[0]);
        assert_eq!(
            parsed["subject"],
            "Votre compte Passerelle : identifiant et mot de passe provisoire (Elles Bougent & Cie)"
        );
        assert_eq!(parsed["toAddress"], email.as_str());
        assert_eq!(parsed["toName"], "Camille Dupont");
        assert_eq!(parsed["listUnsubscribe"], Value::Null);
        let text = read(parsed["text"].as_str().expect("text"));
        assert!(text.starts_with("Bonjour Camille Dupont,"), "{text}");
        assert!(
            flat(&text).contains("au titre de Elles Bougent & Cie (membre)"),
            "{text}"
        );
        assert_eq!(value_after(&text, "Identifiant"), email);
        assert_eq!(value_after(&text, "Mot de passe provisoire"), temporary);
        assert!(
            text.contains(&format!("Se connecter à Passerelle :\n{PUBLIC}/\n")),
            "{text}"
        );
        assert!(text.contains("(heure de Paris)"), "{text}");
        let html = parsed["html"].as_str().expect("html");
        assert!(
            html.contains(&temporary) && html.contains("Elles Bougent &amp; Cie"),
            "{html}"
        );
        assert!(html.contains(&format!("href=\"{PUBLIC}/\"")));

        // The password from the message signs in, and must be changed.
        let login = app
            .gql_as(
                None,
                LOGIN,
                json!({ "e": email, "p": value_after(&text, "Mot de passe provisoire") }),
            )
            .await;
        assert_eq!(login["data"]["login"]["mustChangePassword"], true, "{login}");

        // Sent: the outbox says so, and its row no longer holds the password.
        let state = outbox(&app, json!({ "kind": "INVITATION" })).await;
        assert_eq!(
            (state["waiting"].as_i64(), state["sent"].as_i64()),
            (Some(0), Some(1)),
            "{state}"
        );
        assert_eq!(state["messages"]["nodes"][0]["status"], "SENT");
        let row = rows(&app)
            .await
            .into_iter()
            .find(|r| r.recipient == email)
            .expect("its row");
        assert_eq!(row.secret, None);
        assert!(!row.params.to_string().contains(&temporary));
        // A data-subject request lists the messages kept for the address.
        let personal = app
            .data(
                "query($e: String!) { personalData(email: $e) { mailMessages { kind status } } }",
                json!({ "e": email }),
            )
            .await;
        assert_eq!(
            personal["personalData"]["mailMessages"],
            json!([{ "kind": "INVITATION", "status": "SENT" }])
        );

        // In English when the account's locale says so.
        let english = format!("sam.{}@example.org", app.backend);
        let created = create_user(
            &app,
            json!({ "email": english, "organisationId": org, "role": "EDITOR", "locale": "EN" }),
        )
        .await;
        app.send_mail().await;
        let parsed = parse(&sink.to(&english)[0]);
        assert_eq!(
            parsed["subject"],
            "Your Passerelle account: identifier and temporary password (Elles Bougent & Cie)"
        );
        let text = read(parsed["text"].as_str().expect("text"));
        assert!(text.starts_with("Hello sam."), "{text}");
        assert_eq!(
            value_after(&text, "Temporary password"),
            created["temporaryPassword"].as_str().expect("shown")
        );
        assert!(text.contains("(Paris time)"), "{text}");
        app.stop().await;
    }
}

#[tokio::test]
async fn an_expired_temporary_password_is_refused_and_reset_password_mails_a_new_one() {
    let sink = SmtpSink::start().await;
    for app in mail_apps(&sink).await {
        let email = format!("lea.{}@example.org", app.backend);
        let created = create_user(&app, json!({ "email": email, "role": "ADMIN" })).await;
        let id = created["user"]["id"].as_str().expect("an id").to_string();
        let first = created["temporaryPassword"].as_str().expect("shown").to_string();
        // Expired before it was used.
        entity::user::Entity::update_many()
            .col_expr(
                entity::user::Column::TemporaryPasswordExpiresAt,
                sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
            )
            .filter(entity::user::Column::Email.eq(email.as_str()))
            .exec(app.db())
            .await
            .expect("expired");
        let body = app.gql_as(None, LOGIN, json!({ "e": email, "p": first })).await;
        assert_eq!(error_code(&body), "TEMPORARY_PASSWORD_EXPIRED", "{body}");
        // Only to whoever knows it: a wrong password is still just wrong.
        let body = app
            .gql_as(None, LOGIN, json!({ "e": email, "p": "not the password" }))
            .await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
        // The first invitation was still waiting: it is superseded, never sent.
        let reset = app
            .data(
                "mutation($id: ID!) { resetPassword(userId: $id) { temporaryPassword invitation { status subject } \
                 user { temporaryPasswordExpiresAt } } }",
                json!({ "id": id }),
            )
            .await["resetPassword"]
            .clone();
        assert_eq!(reset["invitation"]["status"], "PENDING");
        assert_eq!(
            reset["invitation"]["subject"],
            "Passerelle : votre nouveau mot de passe provisoire"
        );
        let second = reset["temporaryPassword"].as_str().expect("shown").to_string();
        let cancelled = outbox(&app, json!({ "status": "CANCELLED", "kind": "INVITATION" })).await;
        assert_eq!(
            cancelled["messages"]["nodes"].as_array().map(Vec::len),
            Some(1),
            "{cancelled}"
        );
        app.send_mail().await;
        let received = sink.to(&email);
        assert_eq!(received.len(), 1, "only the new invitation goes");
        let text = read(parse(&received[0])["text"].as_str().expect("text"));
        assert!(flat(&text).contains("nouveau mot de passe provisoire"), "{text}");
        assert_eq!(value_after(&text, "Mot de passe provisoire"), second);
        assert!(!text.contains(&first));
        let login = app.gql_as(None, LOGIN, json!({ "e": email, "p": second })).await;
        assert!(login["data"]["login"]["token"].is_string(), "{login}");
        // Every row that ended holds no password.
        assert!(rows(&app).await.iter().all(|r| r.secret.is_none()));
        app.stop().await;
    }
}

const REQUEST_RESET: &str = "mutation($e: String!) { requestPasswordReset(email: $e) { ok message } }";
const COMPLETE_RESET: &str =
    "mutation($t: String!, $p: String!) { completePasswordReset(token: $t, newPassword: $p) { ok email } }";

/// Asks for a reset of `email`, sends the mail, and returns the link it holds.
async fn reset_link(app: &TestApp, sink: &SmtpSink, email: &str) -> String {
    let before = sink.to(email).len();
    let asked = app.gql_as(None, REQUEST_RESET, json!({ "e": email })).await;
    assert_eq!(asked["data"]["requestPasswordReset"]["ok"], true, "{asked}");
    app.send_mail().await;
    let received = sink.to(email);
    assert_eq!(received.len(), before + 1, "[{}] one message", app.backend);
    let parsed = parse(&received[before]);
    assert_eq!(parsed["subject"], "Passerelle : réinitialiser votre mot de passe");
    let text = read(parsed["text"].as_str().expect("text"));
    assert!(flat(&text).contains("ne sert qu’une fois"), "{text}");
    link(&text, &format!("{PUBLIC}/password-reset?token="))
}

#[tokio::test]
async fn a_reset_link_works_once_and_only_within_its_hour() {
    let sink = SmtpSink::start().await;
    for app in mail_apps(&sink).await {
        let email = format!("sam.{}@example.org", app.backend);
        let session = app.account(&email, entity::Role::Admin, None).await;
        let url = reset_link(&app, &sink, &email).await;
        let token = token_of(&url);
        assert!(token.starts_with("psr_"), "{url}");
        // Only a hash of the link is kept, and the outbox never held it.
        assert!(rows(&app).await.iter().all(|r| {
            !r.params.to_string().contains(&token) && r.secret.as_deref().is_none_or(|s| !s.contains(&token))
        }));

        let done = app
            .gql_as(
                None,
                COMPLETE_RESET,
                json!({ "t": token, "p": "another quite long passphrase" }),
            )
            .await;
        assert_eq!(done["data"]["completePasswordReset"]["email"], email.as_str(), "{done}");
        // Signed out everywhere; the new password signs in, the old one no longer does.
        let me = app.gql_as(Some(&session), "{ me { email } }", json!({})).await;
        assert_eq!(error_code(&me), "UNAUTHENTICATED", "{me}");
        let old = app
            .gql_as(None, LOGIN, json!({ "e": email, "p": "a long new passphrase" }))
            .await;
        assert_eq!(error_code(&old), "UNAUTHENTICATED");
        let new = app
            .gql_as(None, LOGIN, json!({ "e": email, "p": "another quite long passphrase" }))
            .await;
        assert_eq!(new["data"]["login"]["mustChangePassword"], false, "{new}");
        // Once only.
        let again = app
            .gql_as(
                None,
                COMPLETE_RESET,
                json!({ "t": token, "p": "yet another long passphrase" }),
            )
            .await;
        assert_eq!(error_code(&again), "BAD_USER_INPUT", "{again}");
        assert_eq!(again["errors"][0]["extensions"]["field"], "token");

        // The notice that the password changed, with no link to act on but signing in.
        app.send_mail().await;
        let received = sink.to(&email);
        let notice = parse(received.last().expect("a notice"));
        assert_eq!(notice["subject"], "Passerelle : votre mot de passe a été modifié");
        let text = read(notice["text"].as_str().expect("text"));
        assert!(
            text.contains(&email) && !text.contains("token") && !text.contains("psr_"),
            "{text}"
        );

        // The same policy as any password.
        let url = reset_link(&app, &sink, &email).await;
        let weak = app
            .gql_as(None, COMPLETE_RESET, json!({ "t": token_of(&url), "p": "password123" }))
            .await;
        assert_eq!(weak["errors"][0]["extensions"]["field"], "newPassword", "{weak}");
        // Past its hour, a link is refused.
        entity::password_reset::Entity::update_many()
            .col_expr(
                entity::password_reset::Column::ExpiresAt,
                sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
            )
            .exec(app.db())
            .await
            .expect("expired");
        let late = app
            .gql_as(
                None,
                COMPLETE_RESET,
                json!({ "t": token_of(&url), "p": "a passphrase long enough here" }),
            )
            .await;
        assert_eq!(error_code(&late), "BAD_USER_INPUT", "{late}");

        // The page the link opens sets the password without signing in, once.
        let url = reset_link(&app, &sink, &email).await.replace(PUBLIC, &app.base);
        let page = app.client.get(&url).send().await.expect("the page");
        assert_eq!(page.status(), 200);
        let policy = page.headers()["content-security-policy"]
            .to_str()
            .expect("ASCII")
            .to_string();
        assert!(policy.contains("form-action 'self'"), "{policy}");
        assert_eq!(page.headers()["referrer-policy"], "no-referrer");
        assert!(page.text().await.expect("html").contains("name=\"password\""));
        let form = [
            ("token", token_of(&url)),
            ("password", "the form sets this passphrase".to_string()),
            ("confirm", "the form sets this passphrase".to_string()),
        ];
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter())
            .finish();
        let posted = app
            .client
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("posted");
        assert_eq!(posted.status(), 200);
        assert!(posted.text().await.expect("html").contains("Mot de passe enregistré"));
        let used = app.client.get(&url).send().await.expect("the page");
        assert_eq!(used.status(), 404);
        let login = app
            .gql_as(None, LOGIN, json!({ "e": email, "p": "the form sets this passphrase" }))
            .await;
        assert!(login["data"]["login"]["token"].is_string(), "{login}");
        app.stop().await;
    }
}

#[tokio::test]
async fn known_and_unknown_addresses_get_the_same_answer() {
    let sink = SmtpSink::start().await;
    for app in mail_apps(&sink).await {
        let known = format!("known.{}@example.org", app.backend);
        let unknown = format!("nobody.{}@example.org", app.backend);
        let org = common::organisation(&app, "cmq-industrie", "CMQ Industrie", json!({})).await;
        let session = app.account(&known, entity::Role::Member, Some(&org)).await;
        // Its e-mail in English, from now on.
        let set = app
            .gql_as(
                Some(&session),
                "mutation { setLocale(locale: EN) { user { locale } } }",
                json!({}),
            )
            .await;
        assert_eq!(set["data"]["setLocale"]["user"]["locale"], "EN", "{set}");
        let a = app.gql_as(None, REQUEST_RESET, json!({ "e": known })).await;
        let b = app.gql_as(None, REQUEST_RESET, json!({ "e": unknown })).await;
        assert_eq!(a["data"], b["data"], "{a} / {b}");
        assert!(a.get("errors").is_none() && b.get("errors").is_none());
        app.send_mail().await;
        assert_eq!(sink.to(&known).len(), 1);
        assert_eq!(sink.to(&unknown).len(), 0);
        let english = parse(&sink.to(&known)[0]);
        assert_eq!(english["subject"], "Passerelle: reset your password");
        let text = flat(english["text"].as_str().expect("text"));
        assert!(
            text.contains("works once") && text.contains("Your organisation: CMQ Industrie."),
            "{text}"
        );
        // The hub keeps no list of the addresses people typed.
        let state = outbox(&app, json!({ "kind": "PASSWORD_RESET" })).await;
        let recipients: Vec<&str> = state["messages"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter_map(|m| m["recipient"].as_str())
            .collect();
        assert_eq!(recipients.len(), 2);
        assert!(
            recipients.contains(&known.as_str()) && recipients.contains(&""),
            "{recipients:?}"
        );
        assert!(!rows(&app).await.iter().any(|r| r.recipient == unknown));
        // Throttled alike: a few requests, then RATE_LIMITED, for either address.
        for email in [&known, &unknown] {
            let mut limited = false;
            for _ in 0..10 {
                let body = app.gql_as(None, REQUEST_RESET, json!({ "e": email })).await;
                if error_code(&body) == "RATE_LIMITED" {
                    limited = true;
                    break;
                }
                assert!(body.get("errors").is_none(), "{body}");
            }
            assert!(limited, "[{}] {email} is throttled", app.backend);
        }
        app.stop().await;
    }
}

const SUBSCRIBE: &str = "mutation($f: DigestFrequency!, $r: ResourceFilter) { \
    createDigestSubscription(frequency: $f, resourceFilter: $r) { subscription { id frequency nextDueAt } } }";

async fn resource(app: &TestApp, org: &str, title: &str, visibility: &str) {
    app.data(
        "mutation($input: CreateResourceInput!) { createResource(input: $input) { resource { id } } }",
        json!({ "input": { "kind": "TEACHING_KIT", "title": title, "organisationId": org, "visibility": visibility,
                           "url": "https://example.org/kit" } }),
    )
    .await;
}

/// Makes every digest subscription due now.
async fn make_due(app: &TestApp) {
    entity::digest_subscription::Entity::update_many()
        .col_expr(
            entity::digest_subscription::Column::NextDueAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .exec(app.db())
        .await
        .expect("due");
}

/// A pass of the sender that does not leave recent changes to the next digest.
async fn send_digests(app: &TestApp) -> passerelle::jobs::send_mail::Pass {
    app.mail()
        .clone()
        .with_settle(Duration::ZERO)
        .run_once()
        .await
        .expect("the sender runs")
}

#[tokio::test]
async fn a_digest_holds_exactly_what_its_member_may_see_and_unsubscribes_without_sign_in() {
    let sink = SmtpSink::start().await;
    for app in mail_apps(&sink).await {
        let cmq = common::organisation(&app, "cmq-industrie", "CMQ Industrie", json!({})).await;
        let elles = common::organisation(&app, "elles-bougent", "Elles Bougent", json!({})).await;
        let (outside, inside) = (
            format!("membre.{}@example.org", app.backend),
            format!("cmq.{}@example.org", app.backend),
        );
        let outsider = app.account(&outside, entity::Role::Member, Some(&elles)).await;
        let insider = app.account(&inside, entity::Role::Member, Some(&cmq)).await;
        for token in [&outsider, &insider] {
            let body = app.gql_as(Some(token), SUBSCRIBE, json!({ "f": "DAILY" })).await;
            assert_eq!(
                body["data"]["createDigestSubscription"]["subscription"]["frequency"], "DAILY",
                "{body}"
            );
        }
        resource(&app, &cmq, "Mallette partenaires", "PARTNERS").await;
        resource(&app, &cmq, "Mallette interne du CMQ", "ORGANISATION").await;
        resource(&app, &cmq, "Affiche publique", "PUBLIC").await;
        common::event(
            &app,
            json!({ "title": "Forum réservé aux partenaires", "startsAt": "2027-03-10T13:30:00Z", "organiserId": cmq,
                    "visibility": "PARTNERS", "location": { "city": "Besançon" } }),
        )
        .await;
        common::event(
            &app,
            json!({ "title": "Réunion interne du CMQ", "startsAt": "2027-03-11T08:00:00Z", "organiserId": cmq,
                    "visibility": "ORGANISATION" }),
        )
        .await;

        // Not due yet: nothing.
        assert_eq!(send_digests(&app).await.digests_queued, 0);
        make_due(&app).await;
        let pass = send_digests(&app).await;
        assert_eq!((pass.digests_queued, pass.sent), (2, 2), "[{}] {pass:?}", app.backend);

        let received = sink.to(&outside);
        assert_eq!(received.len(), 1);
        let parsed = parse(&received[0]);
        assert_eq!(parsed["subject"], "Passerelle : les nouveautés du jour");
        let text = flat(parsed["text"].as_str().expect("text"));
        for seen in [
            "Mallette partenaires",
            "Affiche publique",
            "Forum réservé aux partenaires",
            "CMQ Industrie",
        ] {
            assert!(text.contains(seen), "[{}] {seen} in {text}", app.backend);
        }
        for hidden in ["Mallette interne du CMQ", "Réunion interne du CMQ"] {
            assert!(!text.contains(hidden), "[{}] {hidden} in {text}", app.backend);
            assert!(!parsed["html"].as_str().unwrap_or_default().contains(hidden));
        }
        assert!(text.contains("Besançon"), "{text}");
        // The organisation's own member reads its ORGANISATION records.
        let theirs = flat(parse(&sink.to(&inside)[0])["text"].as_str().expect("text"));
        assert!(
            theirs.contains("Mallette interne du CMQ") && theirs.contains("Réunion interne du CMQ"),
            "{theirs}"
        );

        // One-click unsubscribe: the header, the same link in the text.
        let header = parsed["listUnsubscribe"]
            .as_str()
            .expect("List-Unsubscribe")
            .to_string();
        assert!(
            header.starts_with(&format!("<{PUBLIC}/mail/unsubscribe?token=")),
            "{header}"
        );
        assert_eq!(parsed["listUnsubscribePost"], "List-Unsubscribe=One-Click");
        let url = header.trim_matches(['<', '>']).to_string();
        assert!(text.contains(&url), "{text}");
        assert!(!text.contains("psr_") && !text.contains("pss_"));

        // Nothing new: no e-mail.
        make_due(&app).await;
        let pass = send_digests(&app).await;
        assert_eq!((pass.digests_queued, pass.sent), (0, 0), "{pass:?}");

        // The link, without signing in: a GET shows a button and changes nothing.
        let local = url.replace(PUBLIC, &app.base);
        let page = app.client.get(&local).send().await.expect("the page");
        assert_eq!(page.status(), 200);
        assert!(page.text().await.expect("html").contains("Me désabonner"));
        let subscriptions = "{ digestSubscriptions { id } }";
        let listed = app.gql_as(Some(&outsider), subscriptions, json!({})).await;
        assert_eq!(listed["data"]["digestSubscriptions"].as_array().map(Vec::len), Some(1));
        // A forged link does nothing.
        let forged = format!("{}x", &local[..local.len() - 1]);
        let refused = app
            .client
            .post(&forged)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .expect("posted");
        assert_eq!(refused.status(), 404);
        // RFC 8058's one-click POST, as a mail reader sends it.
        let done = app
            .client
            .post(&local)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .expect("posted");
        assert_eq!(done.status(), 200);
        let listed = app.gql_as(Some(&outsider), subscriptions, json!({})).await;
        assert_eq!(listed["data"]["digestSubscriptions"], json!([]), "{listed}");

        // Something new again: only the member still subscribed hears of it.
        resource(&app, &cmq, "Guide des métiers", "PARTNERS").await;
        make_due(&app).await;
        let pass = send_digests(&app).await;
        assert_eq!(pass.sent, 1, "{pass:?}");
        assert_eq!(sink.to(&outside).len(), 1);
        assert_eq!(sink.to(&inside).len(), 2);
        app.stop().await;
    }
}

#[tokio::test]
async fn while_the_smtp_server_is_down_nothing_is_lost_and_refusals_are_shown() {
    let sink = SmtpSink::start().await;
    for app in mail_apps(&sink).await {
        sink.set_up(false);
        let mut emails = Vec::new();
        for i in 0..3 {
            let email = format!("down{i}.{}@example.org", app.backend);
            let created = create_user(&app, json!({ "email": email, "role": "ADMIN" })).await;
            assert!(
                created["user"]["id"].is_string(),
                "accounts are created while SMTP is down"
            );
            emails.push(email);
        }
        let pass = app.send_mail().await;
        assert_eq!((pass.sent, pass.retried), (0, 3), "[{}] {pass:?}", app.backend);
        let state = outbox(&app, json!({ "failing": true })).await;
        assert_eq!(
            (state["waiting"].as_i64(), state["failing"].as_i64()),
            (Some(3), Some(3)),
            "{state}"
        );
        let error = state["lastError"].as_str().expect("the last error");
        assert!(error.contains("SMTP"), "{error}");
        assert_eq!(state["messages"]["nodes"][0]["attempts"], 1);
        assert!(state["messages"]["nodes"][0]["nextAttemptAt"].is_string());
        // The metrics count the attempts (a process-wide counter: at least these).
        let metrics = app
            .client
            .get(format!("{}/metrics", app.base))
            .send()
            .await
            .expect("metrics");
        let metrics = metrics.text().await.expect("text");
        let retried: f64 = metrics
            .lines()
            .filter(|l| l.starts_with("passerelle_mail_messages_total{") && l.contains("outcome=\"retried\""))
            .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
            .sum();
        assert!(retried >= 3.0, "{metrics}");
        assert!(
            metrics.contains("passerelle_mail_outbox_messages{state=\"failing\"}"),
            "{metrics}"
        );
        // Again while down: still waiting, attempts counted.
        app.send_mail().await;
        assert!(rows(&app).await.iter().all(|r| r.attempts == 2 && r.secret.is_some()));

        sink.set_up(true);
        let pass = app.send_mail().await;
        assert_eq!(pass.sent, 3, "[{}] {pass:?}", app.backend);
        for email in &emails {
            assert_eq!(sink.to(email).len(), 1, "{email} receives its invitation once");
        }
        assert_eq!(app.send_mail().await, passerelle::jobs::send_mail::Pass::default());
        assert!(rows(&app).await.iter().all(|r| r.secret.is_none()));

        // A permanent refusal (550) stops retrying and is shown.
        let refused = format!("refused.{}@example.org", app.backend);
        sink.refuse(&refused);
        create_user(&app, json!({ "email": refused, "role": "ADMIN" })).await;
        let pass = app.send_mail().await;
        assert_eq!(pass.refused, 1, "{pass:?}");
        assert_eq!(app.send_mail().await.refused, 0, "not retried");
        let state = outbox(&app, json!({ "status": "FAILED" })).await;
        assert_eq!(state["refused"], 1);
        let message = &state["messages"]["nodes"][0];
        assert_eq!(
            (message["recipient"].as_str(), message["attempts"].as_i64()),
            (Some(refused.as_str()), Some(1))
        );
        assert!(
            message["lastError"].as_str().is_some_and(|e| e.contains("550")),
            "{message}"
        );
        assert!(rows(&app).await.iter().all(|r| r.secret.is_none()));
        app.stop().await;
    }
}

#[tokio::test]
async fn without_smtp_messages_are_written_as_eml_files() {
    let app = common::sqlite_app(false).await;
    let created = create_user(&app, json!({ "email": "pilot@example.org", "role": "ADMIN" })).await;
    let pass = app.send_mail().await;
    assert_eq!(pass.sent, 1);
    let dir = app.data_dir().join("mail");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the mail directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].extension().and_then(|e| e.to_str()), Some("eml"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files[0]).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o077, 0, "readable by its owner only");
    }
    let parsed = mime::parse(&std::fs::read(&files[0]).expect("the file"));
    assert_eq!(parsed["defects"], json!([]));
    let text = read(parsed["text"].as_str().expect("text"));
    assert_eq!(
        value_after(&text, "Mot de passe provisoire"),
        created["temporaryPassword"].as_str().expect("shown")
    );
    // An account disabled before its invitation went never receives it.
    let other = create_user(&app, json!({ "email": "gone@example.org", "role": "ADMIN" })).await;
    app.data(
        "mutation($id: ID!) { disableUser(userId: $id) { user { disabled } } }",
        json!({ "id": other["user"]["id"] }),
    )
    .await;
    let pass = app.send_mail().await;
    assert_eq!((pass.sent, pass.cancelled), (0, 1), "{pass:?}");
    assert_eq!(std::fs::read_dir(&dir).expect("the directory").count(), 1);
    let row = rows(&app)
        .await
        .into_iter()
        .find(|r| r.recipient == "gone@example.org")
        .expect("its row");
    assert_eq!((row.status, row.secret), (entity::MailStatus::Cancelled, None));
    app.stop().await;
}

#[tokio::test]
async fn the_command_line_queues_invitations_and_shows_the_outbox() {
    let dir = std::env::temp_dir().join(format!("passerelle-mail-cli-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_passerelle"))
            .args(args)
            .env("PASSERELLE_DATA_DIR", &dir)
            .env_remove("PASSERELLE_DATABASE_URL")
            .env_remove("PASSERELLE_SMTP_URL")
            .env("RUST_LOG", "warn")
            .output()
            .expect("the command runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let created: Value = serde_json::from_str(&run(&[
        "user",
        "create",
        "--email",
        "first@example.org",
        "--role",
        "admin",
        "--locale",
        "en",
        "--json",
    ]))
    .expect("JSON");
    let status: Value = serde_json::from_str(&run(&["mail", "status", "--json"])).expect("JSON");
    assert_eq!(status["waiting"], 1, "{status}");
    assert!(
        status["delivery"].as_str().is_some_and(|d| d.contains("mail")),
        "{status}"
    );
    assert!(run(&["mail", "status"]).contains("en attente / waiting: 1"));

    // The hub that serves this directory sends it.
    let sink = SmtpSink::start().await;
    let mut config = common::sqlite_config(&dir);
    config.mail.smtp_url = Some(passerelle::mail::SmtpUrl::parse(&sink.url()).expect("a URL"));
    let running = passerelle::startup::start(&config, false)
        .await
        .expect("the hub starts");
    assert_eq!(running.mail.run_once().await.expect("sent").sent, 1);
    let parsed = mime::parse(&sink.to("first@example.org")[0].data);
    assert!(
        parsed["subject"]
            .as_str()
            .is_some_and(|s| s.starts_with("Your Passerelle account"))
    );
    assert_eq!(
        value_after(&read(parsed["text"].as_str().expect("text")), "Temporary password"),
        created["temporaryPassword"].as_str().expect("printed once")
    );
    running.stop().await.expect("stops");
    assert!(run(&["mail", "status"]).contains("envoyés / sent: 1"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn two_instances_on_one_postgres_database_deliver_each_message_once() {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let Some(pair) = common::PgPair::start_configured(false, 6, |c| {
        c.mail.smtp_url = Some(passerelle::mail::SmtpUrl::parse(&url).expect("a URL"));
        c.security.public_url = Some(PUBLIC.into());
    })
    .await
    else {
        return;
    };
    let (one, two) = (&pair.one, &pair.two);
    let mut emails = Vec::new();
    for i in 0..24 {
        let email = format!("pair{i}@example.org");
        let txn = passerelle::store::unit::begin(&one.db).await.expect("a transaction");
        let (user, temporary) = passerelle::auth::accounts::create_user(&txn, &email, None, None, entity::Role::Admin)
            .await
            .expect("an account");
        passerelle::mail::queue::invitation(&txn, &user, &temporary, false)
            .await
            .expect("queued");
        txn.commit().await.expect("committed");
        emails.push(email);
    }
    // A digest due on both instances at once.
    let member = emails[0].clone();
    let user = passerelle::store::users::by_email(&one.db, &member)
        .await
        .expect("reads")
        .expect("the member");
    passerelle::store::digests::create(
        &one.db,
        passerelle::store::digests::NewDigest {
            user_id: user.id,
            frequency: entity::DigestFrequency::Weekly,
            events: Default::default(),
            resources: Default::default(),
            covered_until: chrono::Utc::now() - chrono::Duration::days(7),
            next_due_at: chrono::Utc::now() - chrono::Duration::seconds(1),
        },
    )
    .await
    .expect("a subscription");
    passerelle::store::record::create::<entity::resource::Entity>(
        &one.db,
        passerelle::store::resources::ResourceFields {
            organisation_id: None,
            kind: entity::ResourceKind::Guide,
            title: "Guide commun".into(),
            content: None,
            description: None,
            url: None,
            author: None,
            free_of_rights: true,
            licence: None,
            language: "fr".into(),
            audiences: Vec::new(),
            tags: Vec::new(),
            visibility: entity::Visibility::Public,
        },
    )
    .await
    .expect("a resource");
    let (a, b) = (
        one.mail.clone().with_settle(Duration::ZERO),
        two.mail.clone().with_settle(Duration::ZERO),
    );
    for _ in 0..3 {
        let (x, y) = tokio::join!(a.run_once(), b.run_once());
        let (x, y) = (x.expect("one sends"), y.expect("two sends"));
        assert_eq!(x.retried + y.retried + x.refused + y.refused, 0, "{x:?} {y:?}");
    }
    let received = sink.received();
    for email in &emails {
        let invitations = sink
            .to(email)
            .iter()
            .filter(|m| m.text().contains("Subject: Votre compte Passerelle"))
            .count();
        assert_eq!(invitations, 1, "{email} receives its invitation once");
    }
    let digests: Vec<&Received> = received
        .iter()
        .filter(|m| m.text().contains("List-Unsubscribe:"))
        .collect();
    assert_eq!(digests.len(), 1, "the digest goes once");
    assert_eq!(received.len(), emails.len() + 1);
    let mut ids: Vec<String> = received
        .iter()
        .map(|m| {
            mime::parse(&m.data)["messageId"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), received.len(), "one Message-ID per message");
    pair.stop().await;
}

const CONTACT: &str = "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }";

#[tokio::test]
async fn a_borrower_is_reminded_two_days_before_a_kit_is_due_back_and_only_once() {
    use crate::common::kits;
    let sink = SmtpSink::start().await;
    for app in mail_apps(&sink).await {
        let today = passerelle::mail::reminder::hub_day(chrono::Utc::now());
        let day = |n: i64| (today + chrono::Duration::days(n)).to_string();
        let cmq = common::organisation(&app, "cmq-microtech", "CMQ Microtechniques", json!({})).await;
        let school = common::organisation(&app, "lycee-jean-moulin", "Lycée Jean Moulin", json!({})).await;
        let teacher = format!("prof.{}@example.org", app.backend);
        let contact = app
            .data(
                CONTACT,
                json!({ "input": { "firstName": "Claire", "lastName": "Martin", "email": teacher, "organisationId": school } }),
            )
            .await["createContact"]["contact"]["id"]
            .as_str()
            .expect("a contact")
            .to_string();
        let member_email = format!("documentaliste.{}@example.org", app.backend);
        let member = app.account(&member_email, entity::Role::Member, Some(&school)).await;
        let resource = kits::resource(&app, &cmq, "Femmes et Microtechniques", json!({})).await;
        let mut copies = Vec::new();
        for code in ["FM-01", "FM-02", "FM-03", "FM-04"] {
            copies.push(
                kits::kit(
                    &app,
                    &cmq,
                    &resource,
                    code,
                    json!({ "location": "CMQ, 12 rue de la Mécanique, Besançon" }),
                )
                .await,
            );
        }
        let admin = app.admin_token.clone();
        let ask = |kit: String, until: String, with_contact: bool| {
            let (app, member, school, contact) = (&app, member.clone(), school.clone(), contact.clone());
            async move {
                let mut input =
                    json!({ "kitId": kit, "borrowerOrganisationId": school, "from": day(-5), "until": until });
                if with_contact {
                    input["borrowerContactId"] = json!(contact);
                }
                let body = app
                    .gql_as(
                        Some(&member),
                        "mutation($input: RequestKitLoanInput!) { requestKitLoan(input: $input) { kitLoan { id } } }",
                        json!({ "input": input }),
                    )
                    .await;
                body["data"]["requestKitLoan"]["kitLoan"]["id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("[{}] {body:#}", app.backend))
                    .to_string()
            }
        };
        // Out, due back in two days, with a contact: the contact is reminded.
        let due = ask(copies[0].clone(), day(2), true).await;
        kits::steps(&app, &admin, &due, &["confirmKitLoan", "handOutKitLoan"]).await;
        // Out, due back tomorrow, no contact: the member who asked is reminded.
        let asked = ask(copies[1].clone(), day(1), false).await;
        kits::steps(&app, &admin, &asked, &["confirmKitLoan", "handOutKitLoan"]).await;
        // Out but due back in three days: not yet.
        let later = ask(copies[2].clone(), day(3), true).await;
        kits::steps(&app, &admin, &later, &["confirmKitLoan", "handOutKitLoan"]).await;
        // Confirmed, never handed out: nothing to bring back.
        let never_out = ask(copies[3].clone(), day(2), true).await;
        kits::steps(&app, &admin, &never_out, &["confirmKitLoan"]).await;

        let pass = send_digests(&app).await;
        assert_eq!(pass.reminders_queued, 2, "[{}] {pass:?}", app.backend);
        let to_teacher = sink.to(&teacher);
        assert_eq!(to_teacher.len(), 1, "[{}]", app.backend);
        let parsed = parse(&to_teacher[0]);
        let subject = parsed["subject"].as_str().expect("a subject").replace('\u{a0}', " ");
        assert!(
            subject.starts_with("Passerelle : la mallette « Femmes et Microtechniques » est à rendre le "),
            "{subject}"
        );
        let text = flat(parsed["text"].as_str().expect("text"));
        for said in [
            "Bonjour Claire Martin,",
            "(exemplaire FM-01), prêtée par CMQ Microtechniques à Lycée Jean Moulin, est à rendre le",
            "CMQ, 12 rue de la Mécanique, Besançon",
        ] {
            assert!(text.contains(said), "[{}] {said:?} in {text}", app.backend);
        }
        let to_member: Vec<_> = sink
            .to(&member_email)
            .into_iter()
            .filter(|m| m.text().contains("FM-02"))
            .collect();
        assert_eq!(to_member.len(), 1, "[{}]", app.backend);
        for other in ["FM-03", "FM-04"] {
            assert!(
                !sink.received().iter().any(|m| m.text().contains(other)),
                "[{}] {other} was reminded",
                app.backend
            );
        }

        // Another pass, another instance's pass: nobody is reminded twice.
        let pass = send_digests(&app).await;
        assert_eq!(pass.reminders_queued, 0, "{pass:?}");
        assert_eq!(sink.to(&teacher).len(), 1);

        // A loan handed back before its reminder leaves is not reminded: FM-03's reminder is
        // queued as tomorrow's pass would, then the kit comes back before the sender runs.
        let tomorrow = chrono::Utc::now() + chrono::Duration::days(1);
        let queued = passerelle::mail::reminder::queue_due(app.db(), tomorrow)
            .await
            .expect("queued");
        assert_eq!(queued, 1, "[{}]", app.backend);
        kits::steps(&app, &admin, &later, &["returnKitLoan"]).await;
        let pass = send_digests(&app).await;
        assert!(pass.cancelled >= 1, "[{}] {pass:?}", app.backend);
        assert!(!sink.received().iter().any(|m| m.text().contains("FM-03")));
        let reminders: Vec<_> = rows(&app)
            .await
            .into_iter()
            .filter(|m| m.kind == entity::MailKind::KitLoanReminder)
            .map(|m| m.status)
            .collect();
        assert_eq!(reminders.len(), 3, "[{}] {reminders:?}", app.backend);
        assert_eq!(
            reminders
                .iter()
                .filter(|s| **s == entity::MailStatus::Cancelled)
                .count(),
            1,
            "{reminders:?}"
        );
        app.stop().await;
    }
}
