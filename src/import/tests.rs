//! The importer's pure parts: the plan of a row from its old and new values, rows claimed
//! twice, the reader's warnings placed on their lines. What a whole file does is tested
//! against the real server and database (`tests/api/imports.rs`).

use super::*;

fn values(title: &str, city: Option<&str>) -> Values {
    vec![
        ("title", Some(title.to_string())),
        ("location.city", city.map(str::to_string)),
    ]
}

fn write() -> Write {
    Write::Contact {
        id: None,
        fields: Box::new(
            crate::domain::contact::ContactFields::parse(crate::domain::contact::ContactDraft {
                organisation_id: None,
                first_name: "Inès".into(),
                last_name: "Durand".into(),
                job_title: None,
                email: None,
                phone: None,
                region: None,
                departement: None,
                postal_code: None,
                city: None,
                audiences: Vec::new(),
                tags: Vec::new(),
                notes: None,
                visibility: Visibility::Partners,
                consent_at: None,
            })
            .expect("valid"),
        ),
    }
}

#[test]
fn a_plan_lists_the_fields_a_row_sets_or_changes() {
    let created = Planned::matched(2, "Forum".into(), None, None, values("Forum", None), write());
    assert_eq!(created.report.outcome, Outcome::Created);
    assert_eq!(created.report.changes.len(), 1, "empty fields are not listed");
    assert!(created.write.is_some());

    let before = Some(values("Forum", Some("Lille")));
    let updated = Planned::matched(
        3,
        "Forum".into(),
        Some(Uuid::nil()),
        before.clone(),
        values("Forum", None),
        write(),
    );
    assert_eq!(updated.report.outcome, Outcome::Updated);
    assert_eq!(
        updated.report.changes,
        [FieldChange {
            field: "location.city",
            before: Some("Lille".into()),
            after: None
        }]
    );
    let same = Planned::matched(
        4,
        "Forum".into(),
        Some(Uuid::nil()),
        before,
        values("Forum", Some("Lille")),
        write(),
    );
    assert_eq!(same.report.outcome, Outcome::Unchanged);
    assert!(same.write.is_none(), "nothing to write");
}

#[test]
fn rows_are_counted_once_whatever_their_errors() {
    let mut report = Report {
        errors: vec![
            Notice {
                line: 2,
                column: Some("Lien".into()),
                message: "a".into(),
            },
            Notice {
                line: 2,
                column: Some("Ouvert".into()),
                message: "b".into(),
            },
        ],
        ..Default::default()
    };
    finish(
        &mut report,
        vec![
            Planned::refused(2, "Forum".into()),
            Planned::skipped(3, "Autre".into(), None, "skipped".into()),
        ],
    );
    assert_eq!(
        (report.rows, report.refused, report.valid, report.skipped),
        (2, 1, 1, 1)
    );
}

#[test]
fn a_key_is_claimed_by_its_first_row() {
    let mut seen = Seen::default();
    assert_eq!(seen.claim("a".into(), 2), None);
    assert_eq!(seen.claim("b".into(), 3), None);
    assert_eq!(seen.claim("a".into(), 5), Some(2));
}
