//! The messages' words: pure functions from what a message says (its `params`, stored in the
//! outbox, and the one secret it delivers) to a subject, a plain-text body and an HTML body,
//! in French or English. Every value that comes from a person (names, titles) is escaped in
//! the HTML and kept on one line in the subject; every link starts with the hub's public
//! address (`Links`), never with anything a request said.

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;
use entity::{DigestFrequency, Locale};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A message ready to be sent: its subject and its two bodies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The links a message may hold, all under the hub's public address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Links {
    base: String,
}

impl Links {
    /// `base` is `PASSERELLE_PUBLIC_URL` (or its default), without a trailing slash.
    pub fn new(base: &str) -> Links {
        Links {
            base: base.trim_end_matches('/').to_string(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Where a person signs in (the console, at the hub's root).
    pub fn sign_in(&self) -> String {
        format!("{}/", self.base)
    }

    /// The page that sets a new password with a reset link's token.
    pub fn password_reset(&self, token: &str) -> String {
        format!("{}/password-reset?token={}", self.base, token)
    }

    /// The one-click unsubscribe page of a digest (signed token, no sign-in).
    pub fn unsubscribe(&self, token: &str) -> String {
        format!("{}/mail/unsubscribe?token={}", self.base, token)
    }
}

/// The zone dates are written in when a message names no other: the partners are in France.
pub const HUB_ZONE: Tz = chrono_tz::Europe::Paris;

/// What an invitation says (stored in the outbox; the temporary password is not in it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InvitationParams {
    /// The identifier to sign in with: the account's e-mail.
    pub email: String,
    pub display_name: String,
    pub organisation: Option<String>,
    pub role: entity::Role,
    /// When the temporary password stops working.
    pub expires_at: DateTime<Utc>,
    /// An administrator issued a new temporary password (`resetPassword`).
    #[serde(default)]
    pub renewed: bool,
}

/// What a password reset message says; its link is made when it is sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResetParams {
    pub display_name: String,
    pub organisation: Option<String>,
}

/// What the notice of a changed password says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoticeParams {
    pub email: String,
    pub display_name: String,
    pub organisation: Option<String>,
    pub changed_at: DateTime<Utc>,
}

/// What a queued digest covers: its subscription and the period; its content is read when
/// it is sent, through the member's scope at that time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DigestParams {
    pub subscription_id: Uuid,
    pub frequency: DigestFrequency,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

/// What the reminder that a borrowed kit is due back says (read again when it is sent: a loan
/// returned or moved meanwhile is not reminded).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KitLoanReminderParams {
    pub loan_id: Uuid,
    /// Whom the message greets: the borrowing contact, or the member who asked for the loan.
    pub display_name: String,
    /// The resource the kit is a copy of.
    pub kit_title: String,
    pub inventory_code: String,
    pub lender: String,
    pub borrower: String,
    /// The day the kit is due back (the loan's `until`).
    pub until: chrono::NaiveDate,
    /// Where the kit is kept, to bring it back to.
    pub kept_at: Option<String>,
}

/// A digest's content, as read for its member.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DigestContent {
    pub display_name: String,
    pub organisation: Option<String>,
    pub daily: bool,
    pub events: Vec<DigestEvent>,
    /// Events beyond those listed.
    pub more_events: u64,
    pub resources: Vec<DigestResource>,
    pub more_resources: u64,
}

impl DigestContent {
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.resources.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct DigestEvent {
    pub title: String,
    pub starts_at: DateTime<Utc>,
    /// The event's IANA zone (its times are written in it).
    pub timezone: String,
    pub all_day: bool,
    pub city: Option<String>,
    pub organiser: Option<String>,
    pub url: Option<String>,
    pub cancelled: bool,
    /// Added during the period (else changed).
    pub new: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DigestResource {
    pub title: String,
    pub kind: entity::ResourceKind,
    pub organisation: Option<String>,
    pub url: Option<String>,
    pub free_of_rights: bool,
    pub new: bool,
}

/// The subject of a message, before it is composed (the outbox shows it).
pub fn invitation_subject(locale: Locale, params: &InvitationParams) -> String {
    let base = match (locale, params.renewed) {
        (Locale::Fr, false) => "Votre compte Passerelle : identifiant et mot de passe provisoire",
        (Locale::Fr, true) => "Passerelle : votre nouveau mot de passe provisoire",
        (Locale::En, false) => "Your Passerelle account: identifier and temporary password",
        (Locale::En, true) => "Passerelle: your new temporary password",
    };
    with_organisation(base, params.organisation.as_deref())
}

pub fn reset_subject(locale: Locale) -> String {
    match locale {
        Locale::Fr => "Passerelle : réinitialiser votre mot de passe".into(),
        Locale::En => "Passerelle: reset your password".into(),
    }
}

pub fn notice_subject(locale: Locale) -> String {
    match locale {
        Locale::Fr => "Passerelle : votre mot de passe a été modifié".into(),
        Locale::En => "Passerelle: your password was changed".into(),
    }
}

pub fn digest_subject(locale: Locale, frequency: DigestFrequency) -> String {
    match (locale, frequency) {
        (Locale::Fr, DigestFrequency::Daily) => "Passerelle : les nouveautés du jour".into(),
        (Locale::Fr, DigestFrequency::Weekly) => "Passerelle : les nouveautés de la semaine".into(),
        (Locale::En, DigestFrequency::Daily) => "Passerelle: what is new today".into(),
        (Locale::En, DigestFrequency::Weekly) => "Passerelle: what is new this week".into(),
    }
}

fn with_organisation(subject: &str, organisation: Option<&str>) -> String {
    match organisation {
        Some(org) => one_line(&format!("{subject} ({org})")),
        None => subject.to_string(),
    }
}

/// `text` on one line: control characters (CR, LF, tabs…) become spaces, so that nothing a
/// person typed can start a header of its own.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out.trim().to_string()
}

/// A text body and its HTML twin, written paragraph by paragraph.
struct Body {
    locale: Locale,
    text: String,
    html: String,
}

impl Body {
    fn new(locale: Locale, title: &str) -> Body {
        let lang = match locale {
            Locale::Fr => "fr",
            Locale::En => "en",
        };
        Body {
            locale,
            text: String::new(),
            html: format!(
                "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
                 <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
                 <title>{}</title>\n</head>\n\
                 <body style=\"margin:0;padding:24px;background:#f6f6f9;font-family:Helvetica,Arial,sans-serif;\
                 color:#1d1d2b;line-height:1.5\">\n\
                 <div style=\"max-width:600px;margin:0 auto;background:#ffffff;padding:24px;border-radius:8px\">\n",
                escape(title)
            ),
        }
    }

    /// `label:` in English, `label :` in French (its typography puts a space before the colon).
    fn colon(&self, label: &str) -> String {
        match self.locale {
            Locale::Fr => format!("{label}\u{a0}:"),
            Locale::En => format!("{label}:"),
        }
    }

    /// A paragraph: wrapped in the text, escaped in the HTML.
    fn para(&mut self, text: &str) {
        self.text.push_str(&wrap(text, 72));
        self.text.push_str("\n\n");
        self.html.push_str(&format!("<p>{}</p>\n", escape(text)));
    }

    /// A labelled value on its own line (an identifier, a password), never wrapped.
    fn value(&mut self, label: &str, value: &str) {
        let label = self.colon(label);
        self.text.push_str(&format!("{label} {value}\n"));
        self.html.push_str(&format!(
            "<p style=\"margin:4px 0\">{} <code style=\"font-size:1.1em;background:#eef;padding:2px 6px;border-radius:4px\">{}</code></p>\n",
            escape(&label),
            escape(value)
        ));
    }

    fn gap(&mut self) {
        self.text.push('\n');
    }

    /// A link: its label, then the address on a line of its own in the text (so that a mail
    /// reader makes it clickable whole); a button in the HTML.
    fn link(&mut self, label: &str, url: &str) {
        let colon = self.colon(label);
        self.text.push_str(&format!("{colon}\n{url}\n\n"));
        self.html.push_str(&format!(
            "<p><a href=\"{}\" style=\"display:inline-block;background:#4b2bb5;color:#ffffff;text-decoration:none;\
             padding:10px 18px;border-radius:6px\">{}</a></p>\n\
             <p style=\"font-size:0.85em;color:#555\">{}</p>\n",
            attribute(url),
            escape(label),
            escape(url)
        ));
    }

    fn heading(&mut self, text: &str) {
        self.text.push_str(text);
        self.text.push('\n');
        self.text.push_str(&"-".repeat(text.chars().count()));
        self.text.push_str("\n\n");
        self.html.push_str(&format!(
            "<h2 style=\"font-size:1.15em;margin:24px 0 8px\">{}</h2>\n",
            escape(text)
        ));
    }

    /// A list item: a title (a link in the HTML when it has one) and details.
    fn item(&mut self, title: &str, url: Option<&str>, details: &str) {
        let mut line = format!("* {title}");
        if !details.is_empty() {
            line.push_str(" — ");
            line.push_str(details);
        }
        self.text.push_str(&wrap_hanging(&line, 72, "  "));
        self.text.push('\n');
        if let Some(url) = url {
            self.text.push_str(&format!("  {url}\n"));
        }
        let title_html = match url {
            Some(url) => format!("<a href=\"{}\">{}</a>", attribute(url), escape(title)),
            None => format!("<strong>{}</strong>", escape(title)),
        };
        let details_html = if details.is_empty() {
            String::new()
        } else {
            format!("<br><span style=\"color:#555\">{}</span>", escape(details))
        };
        self.html.push_str(&format!(
            "<li style=\"margin-bottom:8px\">{title_html}{details_html}</li>\n"
        ));
    }

    fn list_start(&mut self) {
        self.html.push_str("<ul style=\"padding-left:20px\">\n");
    }

    fn list_end(&mut self) {
        self.text.push('\n');
        self.html.push_str("</ul>\n");
    }

    fn footer(mut self, lines: &[String]) -> (String, String) {
        self.text.push_str("-- \n");
        self.html
            .push_str("<hr style=\"border:none;border-top:1px solid #ddd;margin:24px 0\">\n<p style=\"font-size:0.85em;color:#666\">");
        for (i, line) in lines.iter().enumerate() {
            self.text.push_str(&wrap(line, 72));
            self.text.push('\n');
            if i > 0 {
                self.html.push_str("<br>\n");
            }
            self.html.push_str(&escape(line));
        }
        self.html.push_str("</p>\n</div>\n</body>\n</html>\n");
        (self.text, self.html)
    }
}

fn escape(text: &str) -> String {
    html_escape::encode_text(text).into_owned()
}

fn attribute(text: &str) -> String {
    html_escape::encode_double_quoted_attribute(text).into_owned()
}

/// `text` wrapped at `width` columns on spaces; a word longer than the line (an address)
/// stays whole.
pub fn wrap(text: &str, width: usize) -> String {
    wrap_hanging(text, width, "")
}

fn wrap_hanging(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line = indent.to_string();
        }
        if !line.is_empty() && !line.ends_with(' ') {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out
}

fn footer_lines(locale: Locale, organisation: Option<&str>, links: &Links) -> Vec<String> {
    let mut lines = Vec::new();
    match locale {
        Locale::Fr => {
            lines.push(
                "Passerelle, la base partagée des réseaux qui ouvrent aux filles et aux femmes les métiers techniques et industriels."
                    .into(),
            );
            if let Some(org) = organisation {
                lines.push(format!("Votre organisation\u{a0}: {org}."));
            }
            lines.push(format!(
                "{} — message automatique, merci de ne pas y répondre.",
                links.base()
            ));
        }
        Locale::En => {
            lines.push(
                "Passerelle, the shared base of the networks opening technical and industrial careers to girls and women."
                    .into(),
            );
            if let Some(org) = organisation {
                lines.push(format!("Your organisation: {org}."));
            }
            lines.push(format!("{} — automatic message, please do not reply.", links.base()));
        }
    }
    lines
}

fn greeting(locale: Locale, name: &str) -> String {
    match locale {
        Locale::Fr => format!("Bonjour {name},"),
        Locale::En => format!("Hello {name},"),
    }
}

/// The invitation of a new account (or the new temporary password an administrator issued):
/// the identifier, the temporary password, the sign-in link and when the password expires.
pub fn invitation(locale: Locale, params: &InvitationParams, temporary_password: &str, links: &Links) -> Composed {
    let subject = invitation_subject(locale, params);
    let mut body = Body::new(locale, &subject);
    let org = params.organisation.as_deref();
    body.para(&greeting(locale, &params.display_name));
    let intro = match (locale, params.renewed, org) {
        (Locale::Fr, false, Some(org)) => format!(
            "un compte a été créé pour vous sur Passerelle, la base partagée des réseaux partenaires, au titre de {org} ({}).",
            role_fr(params.role)
        ),
        (Locale::Fr, false, None) => format!(
            "un compte a été créé pour vous sur Passerelle, la base partagée des réseaux partenaires ({}).",
            role_fr(params.role)
        ),
        (Locale::Fr, true, _) => {
            "un administrateur de Passerelle vous a donné un nouveau mot de passe provisoire. L’ancien ne fonctionne plus."
                .to_string()
        }
        (Locale::En, false, Some(org)) => format!(
            "an account was created for you on Passerelle, the partner networks' shared base, for {org} ({}).",
            role_en(params.role)
        ),
        (Locale::En, false, None) => format!(
            "an account was created for you on Passerelle, the partner networks' shared base ({}).",
            role_en(params.role)
        ),
        (Locale::En, true, _) => {
            "a Passerelle administrator gave you a new temporary password. The previous one no longer works.".to_string()
        }
    };
    body.para(&intro);
    match locale {
        Locale::Fr => {
            body.value("Identifiant", &params.email);
            body.value("Mot de passe provisoire", temporary_password);
            body.gap();
            body.para(&format!(
                "Ce mot de passe provisoire est valable jusqu’au {}. À la première connexion, vous choisirez votre propre mot de passe.",
                french_instant(params.expires_at, HUB_ZONE)
            ));
            body.link("Se connecter à Passerelle", &links.sign_in());
            body.para(
                "Si vous n’attendiez pas ce message, ignorez-le\u{a0}: sans connexion, le mot de passe provisoire expirera de lui-même.",
            );
        }
        Locale::En => {
            body.value("Identifier", &params.email);
            body.value("Temporary password", temporary_password);
            body.gap();
            body.para(&format!(
                "This temporary password works until {}. When you first sign in, you will choose your own password.",
                english_instant(params.expires_at, HUB_ZONE)
            ));
            body.link("Sign in to Passerelle", &links.sign_in());
            body.para(
                "If you did not expect this message, ignore it: unused, the temporary password expires by itself.",
            );
        }
    }
    let (text, html) = body.footer(&footer_lines(locale, org, links));
    Composed { subject, text, html }
}

/// A self-service password reset: a single-use link valid until `expires_at`.
pub fn password_reset(
    locale: Locale,
    params: &ResetParams,
    link: &str,
    expires_at: DateTime<Utc>,
    links: &Links,
) -> Composed {
    let subject = reset_subject(locale);
    let mut body = Body::new(locale, &subject);
    body.para(&greeting(locale, &params.display_name));
    match locale {
        Locale::Fr => {
            body.para(
                "quelqu’un (vous, sans doute) a demandé à réinitialiser le mot de passe de votre compte Passerelle. \
                 Pour choisir un nouveau mot de passe, ouvrez ce lien\u{a0}:",
            );
            body.link("Choisir un nouveau mot de passe", link);
            body.para(&format!(
                "Le lien ne sert qu’une fois et expire le {}. Une fois le mot de passe changé, toutes vos sessions sont fermées.",
                french_instant(expires_at, HUB_ZONE)
            ));
            body.para(
                "Si vous n’avez rien demandé, ignorez ce message\u{a0}: votre mot de passe actuel reste valable.",
            );
        }
        Locale::En => {
            body.para(
                "someone (you, probably) asked to reset the password of your Passerelle account. \
                 To choose a new password, open this link:",
            );
            body.link("Choose a new password", link);
            body.para(&format!(
                "The link works once and expires on {}. Once the password is changed, every session of yours is signed out.",
                english_instant(expires_at, HUB_ZONE)
            ));
            body.para("If you asked for nothing, ignore this message: your current password still works.");
        }
    }
    let (text, html) = body.footer(&footer_lines(locale, params.organisation.as_deref(), links));
    Composed { subject, text, html }
}

/// The notice that a password was changed (after a reset): no link to act on but signing in.
pub fn password_changed(locale: Locale, params: &NoticeParams, links: &Links) -> Composed {
    let subject = notice_subject(locale);
    let mut body = Body::new(locale, &subject);
    body.para(&greeting(locale, &params.display_name));
    match locale {
        Locale::Fr => {
            body.para(&format!(
                "le mot de passe du compte Passerelle {} a été modifié le {}, et toutes ses sessions ont été fermées.",
                params.email,
                french_instant(params.changed_at, HUB_ZONE)
            ));
            body.para(
                "Si c’est vous, il n’y a rien d’autre à faire. Sinon, demandez sans attendre un nouveau mot de passe \
                 depuis la page de connexion et prévenez un administrateur de Passerelle.",
            );
            body.link("Se connecter à Passerelle", &links.sign_in());
        }
        Locale::En => {
            body.para(&format!(
                "the password of the Passerelle account {} was changed on {}, and every session of it was signed out.",
                params.email,
                english_instant(params.changed_at, HUB_ZONE)
            ));
            body.para(
                "If this was you, there is nothing else to do. If not, ask for a new password from the sign-in page \
                 at once and tell a Passerelle administrator.",
            );
            body.link("Sign in to Passerelle", &links.sign_in());
        }
    }
    let (text, html) = body.footer(&footer_lines(locale, params.organisation.as_deref(), links));
    Composed { subject, text, html }
}

pub fn kit_loan_reminder_subject(locale: Locale, params: &KitLoanReminderParams) -> String {
    match locale {
        Locale::Fr => format!(
            "Passerelle : la mallette « {} » est à rendre le {}",
            one_line(&params.kit_title),
            french_date(params.until).replace(NB, " ")
        ),
        Locale::En => format!(
            "Passerelle: the kit “{}” is due back on {}",
            one_line(&params.kit_title),
            english_date(params.until).replace(NB, " ")
        ),
    }
}

/// The reminder, two days before, that a borrowed kit is due back: which copy, from whom, by
/// when and where to.
pub fn kit_loan_reminder(locale: Locale, params: &KitLoanReminderParams, links: &Links) -> Composed {
    let subject = kit_loan_reminder_subject(locale, params);
    let mut body = Body::new(locale, &subject);
    body.para(&greeting(locale, &params.display_name));
    match locale {
        Locale::Fr => {
            body.para(&format!(
                "la mallette « {} » (exemplaire {}), prêtée par {} à {}, est à rendre le {}.",
                params.kit_title,
                params.inventory_code,
                params.lender,
                params.borrower,
                french_date(params.until)
            ));
            if let Some(place) = &params.kept_at {
                body.para(&format!("Elle est à rapporter à : {place}."));
            }
            body.para(&format!(
                "Pour garder la mallette plus longtemps, demandez à {} de prolonger le prêt. Une fois la mallette \
                 rendue, votre retour d’expérience aide les prochains établissements : vous pouvez le déposer sur \
                 Passerelle.",
                params.lender
            ));
            body.link("Se connecter à Passerelle", &links.sign_in());
        }
        Locale::En => {
            body.para(&format!(
                "the kit “{}” (copy {}), lent by {} to {}, is due back on {}.",
                params.kit_title,
                params.inventory_code,
                params.lender,
                params.borrower,
                english_date(params.until)
            ));
            if let Some(place) = &params.kept_at {
                body.para(&format!("Please bring it back to: {place}."));
            }
            body.para(&format!(
                "To keep the kit longer, ask {} to extend the loan. Once it is back, your experience report helps \
                 the next schools: you can share it on Passerelle.",
                params.lender
            ));
            body.link("Sign in to Passerelle", &links.sign_in());
        }
    }
    let (text, html) = body.footer(&footer_lines(locale, Some(&params.lender), links));
    Composed { subject, text, html }
}

/// A digest of what was added or changed; `unsubscribe` is its one-click link.
pub fn digest(locale: Locale, content: &DigestContent, unsubscribe: &str, links: &Links) -> Composed {
    let frequency = if content.daily {
        DigestFrequency::Daily
    } else {
        DigestFrequency::Weekly
    };
    let subject = digest_subject(locale, frequency);
    let mut body = Body::new(locale, &subject);
    body.para(&greeting(locale, &content.display_name));
    body.para(&match (locale, content.daily) {
        (Locale::Fr, true) => {
            "voici ce que les partenaires ont ajouté ou modifié sur Passerelle depuis hier.".to_string()
        }
        (Locale::Fr, false) => {
            "voici ce que les partenaires ont ajouté ou modifié sur Passerelle depuis la semaine dernière.".to_string()
        }
        (Locale::En, true) => "here is what the partners added or changed on Passerelle since yesterday.".to_string(),
        (Locale::En, false) => "here is what the partners added or changed on Passerelle since last week.".to_string(),
    });
    if !content.events.is_empty() {
        body.heading(match locale {
            Locale::Fr => "Agenda",
            Locale::En => "Events",
        });
        body.list_start();
        for event in &content.events {
            body.item(&event.title, event.url.as_deref(), &event_details(locale, event));
        }
        body.list_end();
        if content.more_events > 0 {
            body.para(&match locale {
                Locale::Fr => format!("… et {} autres événements, à voir sur Passerelle.", content.more_events),
                Locale::En => format!("… and {} more events, to be seen on Passerelle.", content.more_events),
            });
        }
    }
    if !content.resources.is_empty() {
        body.heading(match locale {
            Locale::Fr => "Ressources",
            Locale::En => "Resources",
        });
        body.list_start();
        for resource in &content.resources {
            body.item(
                &resource.title,
                resource.url.as_deref(),
                &resource_details(locale, resource),
            );
        }
        body.list_end();
        if content.more_resources > 0 {
            body.para(&match locale {
                Locale::Fr => format!(
                    "… et {} autres ressources, à voir sur Passerelle.",
                    content.more_resources
                ),
                Locale::En => format!(
                    "… and {} more resources, to be seen on Passerelle.",
                    content.more_resources
                ),
            });
        }
    }
    body.link(
        match locale {
            Locale::Fr => "Tout voir sur Passerelle",
            Locale::En => "See everything on Passerelle",
        },
        &links.sign_in(),
    );
    let mut footer = footer_lines(locale, content.organisation.as_deref(), links);
    footer.push(match locale {
        Locale::Fr => {
            format!("Vous recevez ce message parce que vous y êtes abonné(e). Se désabonner\u{a0}: {unsubscribe}")
        }
        Locale::En => format!("You receive this message because you subscribed to it. Unsubscribe: {unsubscribe}"),
    });
    let (text, html) = body.footer(&footer);
    Composed { subject, text, html }
}

fn event_details(locale: Locale, e: &DigestEvent) -> String {
    let zone: Tz = e.timezone.parse().unwrap_or(HUB_ZONE);
    let mut parts = Vec::new();
    let when = match (locale, e.all_day) {
        (Locale::Fr, true) => french_date(e.starts_at.with_timezone(&zone).date_naive()),
        (Locale::Fr, false) => french_instant(e.starts_at, zone),
        (Locale::En, true) => english_date(e.starts_at.with_timezone(&zone).date_naive()),
        (Locale::En, false) => english_instant(e.starts_at, zone),
    };
    parts.push(when);
    if let Some(city) = e.city.as_deref().filter(|c| !c.is_empty()) {
        parts.push(city.to_string());
    }
    if let Some(org) = e.organiser.as_deref().filter(|o| !o.is_empty()) {
        parts.push(org.to_string());
    }
    let mark = match (locale, e.cancelled, e.new) {
        (Locale::Fr, true, _) => "annulé",
        (Locale::Fr, false, true) => "nouveau",
        (Locale::Fr, false, false) => "modifié",
        (Locale::En, true, _) => "cancelled",
        (Locale::En, false, true) => "new",
        (Locale::En, false, false) => "changed",
    };
    parts.push(mark.to_string());
    parts.join(" · ")
}

fn resource_details(locale: Locale, r: &DigestResource) -> String {
    let mut parts = vec![kind_label(locale, r.kind).to_string()];
    if let Some(org) = r.organisation.as_deref().filter(|o| !o.is_empty()) {
        parts.push(org.to_string());
    }
    if r.free_of_rights {
        parts.push(
            match locale {
                Locale::Fr => "libre de droits",
                Locale::En => "free of rights",
            }
            .to_string(),
        );
    }
    parts.push(
        match (locale, r.new) {
            (Locale::Fr, true) => "nouvelle",
            (Locale::Fr, false) => "modifiée",
            (Locale::En, true) => "new",
            (Locale::En, false) => "changed",
        }
        .to_string(),
    );
    parts.join(" · ")
}

fn kind_label(locale: Locale, kind: entity::ResourceKind) -> &'static str {
    use entity::ResourceKind as K;
    match (locale, kind) {
        (Locale::Fr, K::Video) => "vidéo",
        (Locale::Fr, K::SlideDeck) => "diaporama",
        (Locale::Fr, K::Brochure) => "plaquette",
        (Locale::Fr, K::Poster) => "affiche",
        (Locale::Fr, K::TeachingKit) => "mallette pédagogique",
        (Locale::Fr, K::Exhibition) => "exposition",
        (Locale::Fr, K::Portrait) => "portrait",
        (Locale::Fr, K::Guide) => "guide",
        (Locale::Fr, K::Website) => "site web",
        (Locale::Fr, K::Other) => "ressource",
        (Locale::En, K::Video) => "video",
        (Locale::En, K::SlideDeck) => "slide deck",
        (Locale::En, K::Brochure) => "brochure",
        (Locale::En, K::Poster) => "poster",
        (Locale::En, K::TeachingKit) => "teaching kit",
        (Locale::En, K::Exhibition) => "exhibition",
        (Locale::En, K::Portrait) => "portrait",
        (Locale::En, K::Guide) => "guide",
        (Locale::En, K::Website) => "website",
        (Locale::En, K::Other) => "resource",
    }
}

fn role_fr(role: entity::Role) -> &'static str {
    match role {
        entity::Role::Admin => "administrateur ou administratrice",
        entity::Role::Editor => "éditeur ou éditrice",
        entity::Role::Member => "membre",
    }
}

fn role_en(role: entity::Role) -> &'static str {
    match role {
        entity::Role::Admin => "administrator",
        entity::Role::Editor => "editor",
        entity::Role::Member => "member",
    }
}

const FR_DAYS: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
const FR_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const EN_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Joins the parts of a date with no-break spaces: a wrapped line never splits a date.
const NB: char = '\u{a0}';

/// `mardi 16 décembre 2026` (the first of a month is `1er`), unbreakable.
pub fn french_date(date: chrono::NaiveDate) -> String {
    let day = date.day();
    let day = if day == 1 { "1er".to_string() } else { day.to_string() };
    format!(
        "{}{NB}{day}{NB}{}{NB}{}",
        FR_DAYS[date.weekday().num_days_from_monday() as usize],
        FR_MONTHS[date.month0() as usize],
        date.year()
    )
}

/// `mardi 16 décembre 2026 à 14 h 30` in `zone`, with the zone named when it is not Paris.
pub fn french_instant(at: DateTime<Utc>, zone: Tz) -> String {
    let local = at.with_timezone(&zone);
    let mut out = format!(
        "{}{NB}à{NB}{}{NB}h{NB}{:02}",
        french_date(local.date_naive()),
        local.hour(),
        local.minute()
    );
    if zone == HUB_ZONE {
        out.push_str(" (heure de Paris)");
    } else {
        out.push_str(&format!(" (heure de {})", zone.name()));
    }
    out
}

/// `Tuesday 16 December 2026`, unbreakable.
pub fn english_date(date: chrono::NaiveDate) -> String {
    format!(
        "{}{NB}{}{NB}{}{NB}{}",
        EN_DAYS[date.weekday().num_days_from_monday() as usize],
        date.day(),
        EN_MONTHS[date.month0() as usize],
        date.year()
    )
}

/// `Tuesday 16 December 2026, 14:30 (Paris time)`.
pub fn english_instant(at: DateTime<Utc>, zone: Tz) -> String {
    let local = at.with_timezone(&zone);
    let zone_name = if zone == HUB_ZONE { "Paris" } else { zone.name() };
    format!(
        "{},{NB}{:02}:{:02} ({zone_name} time)",
        english_date(local.date_naive()),
        local.hour(),
        local.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("an instant")
    }

    /// `text` with its no-break spaces read as spaces and its lines joined, as a reader reads it.
    fn read(text: &str) -> String {
        text.replace('\u{a0}', " ").replace("\n  ", " ").replace('\n', " ")
    }

    fn invitation_params() -> InvitationParams {
        InvitationParams {
            email: "camille@example.org".into(),
            display_name: "Camille <b>Dupont</b>".into(),
            organisation: Some("Elles Bougent & Co".into()),
            role: entity::Role::Member,
            expires_at: at("2026-12-24T09:05:00Z"),
            renewed: false,
        }
    }

    #[test]
    fn an_invitation_holds_the_identifier_the_password_the_link_and_the_expiry() {
        let links = Links::new("https://passerelle.example.org/");
        let mail = invitation(Locale::Fr, &invitation_params(), "Secr3tTemp", &links);
        assert_eq!(
            mail.subject,
            "Votre compte Passerelle : identifiant et mot de passe provisoire (Elles Bougent & Co)"
        );
        assert!(
            mail.text.contains("Identifiant\u{a0}: camille@example.org"),
            "{}",
            mail.text
        );
        assert!(mail.text.contains("Mot de passe provisoire\u{a0}: Secr3tTemp"));
        assert!(mail.text.contains("https://passerelle.example.org/\n"));
        assert!(read(&mail.text).contains("jeudi 24 décembre 2026 à 10 h 05 (heure de Paris)"));
        assert!(mail.text.contains("Elles Bougent & Co"));
        // The text is text: no markup, no entities.
        assert!(!mail.text.contains("&amp;") && !mail.text.contains("<p>"));
        // Names are escaped in the HTML.
        assert!(mail.html.contains("Camille &lt;b&gt;Dupont&lt;/b&gt;"), "{}", mail.html);
        assert!(mail.html.contains("Elles Bougent &amp; Co"));
        assert!(!mail.html.contains("<b>Dupont"));
        assert!(mail.html.contains("href=\"https://passerelle.example.org/\""));
        assert!(mail.html.starts_with("<!DOCTYPE html>\n<html lang=\"fr\">"));
        let english = invitation(Locale::En, &invitation_params(), "Secr3tTemp", &links);
        assert!(english.subject.starts_with("Your Passerelle account"));
        assert!(english.text.contains("Identifier: camille@example.org"));
        assert!(read(&english.text).contains("Thursday 24 December 2026, 10:05 (Paris time)"));
        assert!(english.html.contains("<html lang=\"en\">"));
    }

    #[test]
    fn text_lines_stay_short_but_links_stay_whole() {
        let links = Links::new("https://passerelle.example.org");
        let long_link = format!(
            "https://passerelle.example.org/password-reset?token=psr_{}",
            "x".repeat(80)
        );
        let mail = password_reset(
            Locale::Fr,
            &ResetParams {
                display_name: "Camille".into(),
                organisation: None,
            },
            &long_link,
            at("2026-12-01T10:00:00Z"),
            &links,
        );
        for line in mail.text.lines() {
            assert!(line.chars().count() <= 72 || !line.contains(' '), "{line:?}");
        }
        assert!(mail.text.lines().any(|l| l == long_link));
        assert!(
            mail.text
                .contains("1er\u{a0}décembre\u{a0}2026\u{a0}à\u{a0}11\u{a0}h\u{a0}00"),
            "{}",
            mail.text
        );
    }

    #[test]
    fn subjects_and_names_stay_on_one_line() {
        assert_eq!(
            one_line("Bonjour\r\nBcc: victim@example.org"),
            "Bonjour Bcc: victim@example.org"
        );
        let params = InvitationParams {
            organisation: Some("Org\r\nBcc: x@example.org".into()),
            ..invitation_params()
        };
        let subject = invitation_subject(Locale::Fr, &params);
        assert!(!subject.contains('\r') && !subject.contains('\n'), "{subject:?}");
    }

    #[test]
    fn a_digest_lists_its_items_with_their_marks_and_its_unsubscribe_link() {
        let links = Links::new("https://hub.example");
        let content = DigestContent {
            display_name: "Sam".into(),
            organisation: Some("CMQ Industrie".into()),
            daily: false,
            events: vec![DigestEvent {
                title: "Forum des métiers".into(),
                starts_at: at("2026-03-10T13:30:00Z"),
                timezone: "Europe/Paris".into(),
                all_day: false,
                city: Some("Besançon".into()),
                organiser: Some("Elles Bougent".into()),
                url: Some("https://example.org/forum".into()),
                cancelled: false,
                new: true,
            }],
            more_events: 0,
            resources: vec![DigestResource {
                title: "Mallette <micro>".into(),
                kind: entity::ResourceKind::TeachingKit,
                organisation: None,
                url: None,
                free_of_rights: true,
                new: false,
            }],
            more_resources: 3,
        };
        let mail = digest(
            Locale::Fr,
            &content,
            "https://hub.example/mail/unsubscribe?token=t",
            &links,
        );
        assert_eq!(mail.subject, "Passerelle : les nouveautés de la semaine");
        let text = read(&mail.text);
        assert!(
            text.contains(
                "* Forum des métiers — mardi 10 mars 2026 à 14 h 30 (heure de Paris) · Besançon · Elles Bougent · nouveau"
            ),
            "{}",
            mail.text
        );
        assert!(mail.text.contains("\n  https://example.org/forum\n"));
        assert!(text.contains("mallette pédagogique · libre de droits · modifiée"));
        assert!(text.contains("… et 3 autres ressources"));
        assert!(mail.text.contains("https://hub.example/mail/unsubscribe?token=t"));
        assert!(mail.html.contains("Mallette &lt;micro&gt;"));
        assert!(mail.html.contains("href=\"https://example.org/forum\""));
    }

    #[test]
    fn wrapping_keeps_words_and_long_words_whole() {
        assert_eq!(wrap("un deux trois quatre", 9), "un deux\ntrois\nquatre");
        assert_eq!(wrap("a verylongword b", 4), "a\nverylongword\nb");
    }

    #[test]
    fn french_dates_read_as_french() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 5, 1).expect("a date");
        assert_eq!(read(&french_date(d)), "vendredi 1er mai 2026");
        assert_eq!(read(&english_date(d)), "Friday 1 May 2026");
        assert_eq!(
            read(&french_instant(at("2026-07-14T20:00:00Z"), chrono_tz::America::Cayenne)),
            "mardi 14 juillet 2026 à 17 h 00 (heure de America/Cayenne)"
        );
    }
}
