//! The two pages e-mail links open, without signing in: `/password-reset?token=…` (a form that
//! sets a new password through a reset link) and `/mail/unsubscribe?token=…` (one button that
//! ends a digest; `POST` with `List-Unsubscribe=One-Click` is RFC 8058's one-click
//! unsubscribe, sent by mail readers themselves). A `GET` changes nothing: mail scanners that
//! open every link of a message unsubscribe nobody and spend no reset link.
//!
//! Plain HTML in French then English, no script, nothing loaded from elsewhere; their forms
//! post to the page itself. Tokens travel in the query string, which the hub never logs, and
//! the pages are sent with `Referrer-Policy: no-referrer` and `Cache-Control: no-store`.

use std::sync::Arc;

use poem::http::{StatusCode, header};
use poem::web::Data;
use poem::{Body, Request, Response, handler};

use super::AppState;
use crate::error::AppError;

/// Largest form accepted (a token and two passwords).
const FORM_BYTES: usize = 8 * 1024;

/// What these pages allow themselves: their own inline styles, forms posting to the hub.
const POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn escape(text: &str) -> String {
    html_escape::encode_text(text).into_owned()
}

fn attribute(text: &str) -> String {
    html_escape::encode_double_quoted_attribute(text).into_owned()
}

/// A page: its title and body, French then English.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n\
         <style>body{{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;\
         line-height:1.5;color:#1d1d2b}}label{{display:block;margin-top:1rem}}input{{font-size:1rem;\
         padding:.4rem;width:100%;box-sizing:border-box}}button{{margin-top:1.2rem;font-size:1rem;\
         padding:.5rem 1.2rem}}.en{{color:#555}}.error{{color:#a00}}</style>\n</head>\n<body>\n\
         <h1>{}</h1>\n{body}\n</body>\n</html>\n",
        escape(title),
        escape(title)
    );
    Response::builder()
        .status(status)
        .content_type("text/html; charset=utf-8")
        .header(header::CONTENT_SECURITY_POLICY, POLICY)
        .header(header::CACHE_CONTROL, "no-store")
        .body(html)
}

fn paragraph(fr: &str, en: &str) -> String {
    format!(
        "<p>{}</p>\n<p class=\"en\" lang=\"en\">{}</p>\n",
        escape(fr),
        escape(en)
    )
}

/// The query string's `token`.
fn token(req: &Request) -> String {
    url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

/// A urlencoded form of at most `FORM_BYTES`, within the body read timeout.
async fn form(body: Body, state: &AppState) -> Option<Vec<(String, String)>> {
    let bytes = tokio::time::timeout(state.body_read_timeout, body.into_bytes_limit(FORM_BYTES))
        .await
        .ok()?
        .ok()?;
    Some(
        url::form_urlencoded::parse(&bytes)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    )
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn unavailable() -> Response {
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Passerelle",
        &paragraph(
            "Le service est momentanément indisponible : réessayez dans un instant.",
            "The service is unavailable for a moment: try again shortly.",
        ),
    )
}

fn reset_unusable() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Lien expiré / Link expired",
        &paragraph(
            "Ce lien de réinitialisation n’est pas valable, a expiré (il vaut une heure) ou a déjà servi. \
             Demandez-en un nouveau depuis la page de connexion.",
            "This reset link is not valid, has expired (it works for one hour) or was already used. \
             Ask for a new one from the sign-in page.",
        ),
    )
}

fn reset_form(token: &str, error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>\n", escape(e)))
        .unwrap_or_default();
    format!(
        "{}{error}<form method=\"post\" action=\"\">\n\
         <input type=\"hidden\" name=\"token\" value=\"{}\">\n\
         <label for=\"password\">Nouveau mot de passe / New password</label>\n\
         <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" minlength=\"12\" required>\n\
         <label for=\"confirm\">Confirmez-le / Confirm it</label>\n\
         <input id=\"confirm\" name=\"confirm\" type=\"password\" autocomplete=\"new-password\" minlength=\"12\" required>\n\
         <button type=\"submit\">Enregistrer / Save</button>\n</form>\n",
        paragraph(
            "Choisissez un nouveau mot de passe : au moins 12 caractères, difficile à deviner (une phrase de plusieurs mots \
             convient bien). Toutes vos sessions seront fermées.",
            "Choose a new password: at least 12 characters, hard to guess (a sentence of several words works well). \
             Every session of yours will be signed out.",
        ),
        attribute(token)
    )
}

/// `GET /password-reset?token=…`: the form, if the link can still be used.
#[handler]
pub async fn reset_page(req: &Request, state: Data<&Arc<AppState>>) -> Response {
    let token = token(req);
    match crate::auth::reset::is_usable(&state.db, &token).await {
        Ok(true) => page(
            StatusCode::OK,
            "Nouveau mot de passe / New password",
            &reset_form(&token, None),
        ),
        Ok(false) => reset_unusable(),
        Err(_) => unavailable(),
    }
}

/// `POST /password-reset`: sets the password through the link (`token`, `password`, `confirm`).
#[handler]
pub async fn reset_submit(body: Body, state: Data<&Arc<AppState>>) -> Response {
    let Some(form) = form(body, &state).await else {
        return page(
            StatusCode::BAD_REQUEST,
            "Passerelle",
            &paragraph("Formulaire illisible.", "The form could not be read."),
        );
    };
    let (token, password, confirm) = (field(&form, "token"), field(&form, "password"), field(&form, "confirm"));
    if password != confirm {
        return page(
            StatusCode::BAD_REQUEST,
            "Nouveau mot de passe / New password",
            &reset_form(
                token,
                Some("Les deux mots de passe diffèrent. / The two passwords differ."),
            ),
        );
    }
    let done = crate::auth::reset::complete(&state.db, token, password).await;
    if let Ok(user) = &done {
        state.changes.sessions().forget_user(user.id);
    }
    match done {
        Ok(user) => page(
            StatusCode::OK,
            "Mot de passe enregistré / Password saved",
            &format!(
                "{}<p><a href=\"{}/\">Se connecter / Sign in</a></p>\n",
                paragraph(
                    &format!(
                        "Le mot de passe du compte {} est changé, et toutes ses sessions sont fermées. \
                         Un message de confirmation vous est envoyé.",
                        user.email
                    ),
                    &format!(
                        "The password of the account {} is changed, and every session of it is signed out. \
                         A confirmation message is on its way.",
                        user.email
                    ),
                ),
                attribute(&state.public_url)
            ),
        ),
        Err(AppError::BadUserInput { field, message }) if field == "newPassword" => page(
            StatusCode::BAD_REQUEST,
            "Nouveau mot de passe / New password",
            &reset_form(token, Some(&message)),
        ),
        Err(AppError::BadUserInput { .. }) => reset_unusable(),
        Err(_) => unavailable(),
    }
}

fn unsubscribe_bad() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "Lien non valable / Link not valid",
        &paragraph(
            "Ce lien de désabonnement n’est pas valable. Vous pouvez gérer vos abonnements une fois connecté(e).",
            "This unsubscribe link is not valid. You may manage your subscriptions once signed in.",
        ),
    )
}

/// `GET /mail/unsubscribe?token=…`: one button (a `GET` unsubscribes nobody).
#[handler]
pub async fn unsubscribe_page(req: &Request) -> Response {
    let token = token(req);
    if token.is_empty() {
        return unsubscribe_bad();
    }
    page(
        StatusCode::OK,
        "Se désabonner / Unsubscribe",
        &format!(
            "{}<form method=\"post\" action=\"\">\n\
             <input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">\n\
             <button type=\"submit\">Me désabonner / Unsubscribe me</button>\n</form>\n",
            paragraph(
                "Ne plus recevoir ce résumé des nouveautés de Passerelle ?",
                "Stop receiving this digest of what is new on Passerelle?",
            )
        ),
    )
}

/// `POST /mail/unsubscribe?token=…`: ends the subscription (the form above, or a mail
/// reader's one-click `List-Unsubscribe=One-Click`).
#[handler]
pub async fn unsubscribe_submit(req: &Request, body: Body, state: Data<&Arc<AppState>>) -> Response {
    // The body says nothing the token does not (RFC 8058 sends `List-Unsubscribe=One-Click`);
    // it is read, bounded, so that the connection stays usable.
    let _ = form(body, &state).await;
    match crate::mail::digest::unsubscribe(&state.db, &token(req)).await {
        Ok(true) => page(
            StatusCode::OK,
            "Désabonnement fait / Unsubscribed",
            &paragraph(
                "Vous ne recevrez plus ce résumé. Vous pouvez vous réabonner à tout moment une fois connecté(e).",
                "You will not receive this digest any more. You may subscribe again at any time once signed in.",
            ),
        ),
        Ok(false) => unsubscribe_bad(),
        Err(_) => unavailable(),
    }
}
