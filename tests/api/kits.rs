//! Lending kits and their loans, on both databases: the status flow and who may take each
//! step, no double booking (also when two editors confirm at the same moment, and when a
//! writer bypasses the hub's own check), availability around the edges of bookings, lists and
//! nested lists under the visibility policy, the loan calendars, reports on loans, the audit
//! log.

use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

use crate::common::kits::{self, LOAN};
use crate::common::{self, TestApp, apps, error_code, organisation};

/// An owner (a CMQ) with a kit resource, two schools, and people of each.
struct Lending {
    owner: String,
    school: String,
    other_school: String,
    resource: String,
    /// An editor of the owner.
    editor: String,
    /// A member of `school`.
    teacher: String,
    /// A member of `other_school`.
    other_teacher: String,
}

async fn lending(app: &TestApp) -> Lending {
    let owner = organisation(
        app,
        "cmq-msi",
        "CMQ MSI",
        json!({ "kind": "CMQ", "postalCode": "25000" }),
    )
    .await;
    let school = organisation(app, "lycee-haag", "Lycée Jules Haag", json!({ "kind": "SCHOOL" })).await;
    let other_school = organisation(app, "lycee-faure", "Lycée Edgar Faure", json!({ "kind": "SCHOOL" })).await;
    let resource = kits::resource(app, &owner, "Mallette « Femmes et Microtechniques »", json!({})).await;
    let editor = app
        .account("editrice@cmq.example.org", entity::Role::Editor, Some(&owner))
        .await;
    let teacher = app
        .account("prof@haag.example.org", entity::Role::Member, Some(&school))
        .await;
    let other_teacher = app
        .account("prof@faure.example.org", entity::Role::Member, Some(&other_school))
        .await;
    Lending {
        owner,
        school,
        other_school,
        resource,
        editor,
        teacher,
        other_teacher,
    }
}

fn loan_of<'a>(body: &'a Value, mutation: &str) -> &'a Value {
    &body["data"][mutation]["kitLoan"]
}

#[tokio::test]
async fn a_loan_goes_from_request_to_return_and_each_step_is_the_owners_and_logged() {
    for app in apps(false).await {
        let l = lending(&app).await;
        let kit = kits::kit(
            &app,
            &l.owner,
            &l.resource,
            "FMT-01",
            json!({ "location": "ENSMM, Besançon" }),
        )
        .await;

        // A member of the school asks, for her school by default.
        let asked = app
            .gql_as(
                Some(&l.teacher),
                &format!("mutation($input: RequestKitLoanInput!) {{ requestKitLoan(input: $input) {{ kitLoan {{ {LOAN} }} }} }}"),
                json!({ "input": { "kitId": kit, "from": "2027-03-01", "until": "2027-03-10", "notes": "Deux classes de seconde" } }),
            )
            .await;
        assert!(asked.get("errors").is_none(), "[{}] {asked:#}", app.backend);
        let loan = loan_of(&asked, "requestKitLoan");
        assert_eq!(loan["status"], "REQUESTED");
        assert_eq!(loan["borrower"]["slug"], "lycee-haag");
        assert_eq!(loan["lender"]["slug"], "cmq-msi");
        assert_eq!(
            (loan["loanDays"].as_i64(), loan["notes"].as_str()),
            (Some(9), Some("Deux classes de seconde"))
        );
        let id = loan["id"].as_str().expect("an id").to_string();

        // Only the owner's editors confirm; the borrower may not, another school does not see it.
        assert_eq!(
            error_code(&kits::step(&app, &l.teacher, "confirmKitLoan", &id).await),
            "FORBIDDEN"
        );
        assert_eq!(
            error_code(&kits::step(&app, &l.other_teacher, "confirmKitLoan", &id).await),
            "NOT_FOUND"
        );
        assert_eq!(
            error_code(&kits::step(&app, &l.editor, "handOutKitLoan", &id).await),
            "CONFLICT",
            "[{}] not confirmed yet",
            app.backend
        );
        let confirmed = kits::steps(&app, &l.editor, &id, &["confirmKitLoan"]).await;
        assert_eq!(confirmed["status"], "CONFIRMED");
        assert!(confirmed["confirmedAt"].is_string());
        assert_eq!(
            error_code(&kits::step(&app, &l.editor, "confirmKitLoan", &id).await),
            "CONFLICT"
        );
        let back = kits::steps(&app, &l.editor, &id, &["handOutKitLoan", "returnKitLoan"]).await;
        assert_eq!(back["status"], "RETURNED");
        assert!(back["handedOutAt"].is_string() && back["returnedAt"].is_string());
        assert_eq!(
            error_code(&kits::step(&app, &l.teacher, "cancelKitLoan", &id).await),
            "CONFLICT"
        );

        // The school's « retour » on the loan.
        let report = app
            .gql_as(
                Some(&l.teacher),
                "mutation($input: CreateExperienceReportInput!) { createExperienceReport(input: $input) { experienceReport { id kitLoan { id } } } }",
                json!({ "input": { "kitLoanId": id, "author": "Équipe de technologie", "text": "Très utile.", "rating": 5, "peopleReached": 52, "reportedOn": "2027-03-12" } }),
            )
            .await;
        assert!(report.get("errors").is_none(), "[{}] {report:#}", app.backend);
        assert_eq!(
            report["data"]["createExperienceReport"]["experienceReport"]["kitLoan"]["id"],
            id
        );
        let outsider = app
            .gql_as(
                Some(&l.other_teacher),
                "mutation($input: CreateExperienceReportInput!) { createExperienceReport(input: $input) { experienceReport { id } } }",
                json!({ "input": { "kitLoanId": id, "author": "X", "text": "Y", "reportedOn": "2027-03-12" } }),
            )
            .await;
        assert_eq!(error_code(&outsider), "FORBIDDEN", "[{}] {outsider}", app.backend);
        let reports = app
            .data(
                "query($id: ID!) { kitLoan(id: $id) { experienceReports { totalCount nodes { peopleReached } } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(reports["kitLoan"]["experienceReports"]["totalCount"], 1);

        // Declining and cancelling end other requests; either side cancels.
        let declined = kits::requested(&app, &l.teacher, &kit, &l.school, "2027-04-01", "2027-04-05").await;
        assert_eq!(
            kits::steps(&app, &l.editor, &declined, &["declineKitLoan"]).await["status"],
            "DECLINED"
        );
        let cancelled = kits::requested(&app, &l.teacher, &kit, &l.school, "2027-05-01", "2027-05-05").await;
        assert_eq!(
            kits::steps(&app, &l.teacher, &cancelled, &["cancelKitLoan"]).await["status"],
            "CANCELLED"
        );

        // Every step is in the audit log, by whom it was taken.
        let log = app
            .data(
                "query($id: ID!) { auditLog(filter: { entityType: \"KitLoan\", entityId: $id }) { nodes { operation actorLabel } } }",
                json!({ "id": id }),
            )
            .await;
        // Newest first: read in the order they happened.
        let entries: Vec<(String, String)> = log["auditLog"]["nodes"]
            .as_array()
            .expect("entries")
            .iter()
            .rev()
            .map(|e| {
                (
                    e["operation"].as_str().unwrap_or("").into(),
                    e["actorLabel"].as_str().unwrap_or("").into(),
                )
            })
            .collect();
        let operations: Vec<&str> = entries.iter().map(|(o, _)| o.as_str()).collect();
        assert_eq!(
            operations,
            ["request", "confirm", "hand_out", "take_back"],
            "[{}]",
            app.backend
        );
        assert_eq!(entries[0].1, "prof@haag.example.org");
        assert_eq!(entries[1].1, "editrice@cmq.example.org");
        app.stop().await;
    }
}

#[tokio::test]
async fn two_editors_confirming_overlapping_loans_at_the_same_moment_end_with_one_conflict() {
    for app in apps(false).await {
        let l = lending(&app).await;
        let second_editor = app
            .account("editeur2@cmq.example.org", entity::Role::Editor, Some(&l.owner))
            .await;
        for round in 0..6 {
            let kit = kits::kit(&app, &l.owner, &l.resource, &format!("RACE-{round}"), json!({})).await;
            let a = kits::requested(&app, &l.teacher, &kit, &l.school, "2027-03-01", "2027-03-10").await;
            let b = kits::requested(
                &app,
                &l.other_teacher,
                &kit,
                &l.other_school,
                "2027-03-05",
                "2027-03-15",
            )
            .await;
            let (first, second) = tokio::join!(
                kits::step(&app, &l.editor, "confirmKitLoan", &a),
                kits::step(&app, &second_editor, "confirmKitLoan", &b),
            );
            let answers = [(&a, &first), (&b, &second)];
            let won: Vec<&String> = answers
                .iter()
                .filter(|(_, body)| body.get("errors").is_none())
                .map(|(id, _)| *id)
                .collect();
            let lost: Vec<&Value> = answers
                .iter()
                .filter(|(_, body)| body.get("errors").is_some())
                .map(|(_, body)| *body)
                .collect();
            assert_eq!((won.len(), lost.len()), (1, 1), "[{}] {first} {second}", app.backend);
            assert_eq!(error_code(lost[0]), "CONFLICT", "[{}] {}", app.backend, lost[0]);
            assert_eq!(
                lost[0]["errors"][0]["extensions"]["conflictingLoanId"].as_str(),
                Some(won[0].as_str()),
                "[{}] the refusal names the loan it collides with",
                app.backend
            );
            let message = lost[0]["errors"][0]["message"].as_str().unwrap_or("");
            assert!(message.starts_with("cette mallette est déjà réservée"), "{message}");
            let held = app
                .data(
                    "query($kit: ID!) { kitLoans(filter: { kitId: $kit, statuses: [CONFIRMED] }) { totalCount } }",
                    json!({ "kit": kit }),
                )
                .await;
            assert_eq!(held["kitLoans"]["totalCount"], 1, "[{}] round {round}", app.backend);
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn loans_that_touch_are_allowed_and_availability_is_right_around_the_edges() {
    for app in apps(false).await {
        let l = lending(&app).await;
        let a = kits::kit(&app, &l.owner, &l.resource, "FMT-A", json!({})).await;
        let b = kits::kit(&app, &l.owner, &l.resource, "FMT-B", json!({ "status": "IN_REPAIR" })).await;
        kits::kit(&app, &l.owner, &l.resource, "FMT-C", json!({ "status": "RETIRED" })).await;
        let d = kits::kit(&app, &l.owner, &l.resource, "FMT-D", json!({})).await;

        let march = kits::confirmed(&app, &a, &l.school, "2027-03-01", "2027-03-10").await;
        // Ends the day the next starts: allowed.
        let next = kits::confirmed(&app, &a, &l.other_school, "2027-03-10", "2027-03-20").await;
        let before = kits::confirmed(&app, &a, &l.other_school, "2027-02-20", "2027-03-01").await;
        let overlapping = kits::requested(&app, &l.teacher, &a, &l.school, "2027-03-19", "2027-03-21").await;
        let refused = kits::step(&app, &l.editor, "confirmKitLoan", &overlapping).await;
        assert_eq!(error_code(&refused), "CONFLICT", "[{}] {refused}", app.backend);
        assert_eq!(refused["errors"][0]["extensions"]["conflictingLoanId"], next);
        // A kit in repair is not lent.
        let repair = kits::request(&app, &l.teacher, &b, &l.school, "2027-03-01", "2027-03-02").await;
        assert_eq!(error_code(&repair), "CONFLICT", "[{}] {repair}", app.backend);
        // A loan of no day, or backwards, is refused.
        let empty = kits::request(&app, &l.teacher, &d, &l.school, "2027-03-01", "2027-03-01").await;
        assert_eq!(
            (error_code(&empty), common::error_field(&empty)),
            ("BAD_USER_INPUT", "until")
        );

        let availability = |from: &'static str, until: &'static str| {
            let app = &app;
            let resource = l.resource.clone();
            async move {
                app.data(
                    "query($r: ID!, $from: Date!, $until: Date!) { kitAvailability(resourceId: $r, from: $from, until: $until) { \
                     free { inventoryCode } busy { kit { inventoryCode } freeFrom loans { id } } unavailable { inventoryCode status } } }",
                    json!({ "r": resource, "from": from, "until": until }),
                )
                .await["kitAvailability"]
                    .clone()
            }
        };
        let codes = |v: &Value| -> Vec<String> {
            v.as_array()
                .expect("a list")
                .iter()
                .map(|k| k["inventoryCode"].as_str().unwrap_or("").to_string())
                .collect()
        };
        // The day before the first booking ends there: A is free from Feb 20 to Feb 20 excluded…
        let early = availability("2027-02-10", "2027-02-20").await;
        assert_eq!(codes(&early["free"]), ["FMT-A", "FMT-D"], "[{}] {early}", app.backend);
        assert_eq!(codes(&early["unavailable"]), ["FMT-B"], "retired kits are left out");
        // …and busy from Feb 20: the run of bookings (Feb 20 → Mar 1 → Mar 10 → Mar 20) frees it
        // on Mar 20.
        let run = availability("2027-02-25", "2027-02-26").await;
        assert_eq!(codes(&run["free"]), ["FMT-D"]);
        assert_eq!(run["busy"][0]["kit"]["inventoryCode"], "FMT-A");
        assert_eq!(run["busy"][0]["freeFrom"], "2027-03-20", "[{}] {run}", app.backend);
        let held_by: Vec<&str> = run["busy"][0]["loans"]
            .as_array()
            .expect("loans")
            .iter()
            .filter_map(|l| l["id"].as_str())
            .collect();
        assert_eq!(held_by, [before.as_str(), march.as_str(), next.as_str()]);
        // The day the last booking ends, A is free again.
        let after = availability("2027-03-20", "2027-03-25").await;
        assert_eq!(codes(&after["free"]), ["FMT-A", "FMT-D"], "[{}] {after}", app.backend);
        // A period that ends the day the first booking starts does not collide with it.
        let touching = availability("2027-02-15", "2027-02-20").await;
        assert_eq!(codes(&touching["free"]), ["FMT-A", "FMT-D"]);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_database_itself_refuses_an_overlap_the_hub_did_not_check() {
    for app in apps(false).await {
        let l = lending(&app).await;
        let kit = kits::kit(&app, &l.owner, &l.resource, "FMT-DB", json!({})).await;
        let first = kits::confirmed(&app, &kit, &l.school, "2027-03-01", "2027-03-10").await;
        let uuid = |s: &str| uuid::Uuid::parse_str(s).expect("a uuid");
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a day");
        let row = |from: &str, until: &str, status: entity::KitLoanStatus| {
            let now = chrono::Utc::now();
            entity::kit_loan::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                kit_id: Set(uuid(&kit)),
                lender_organisation_id: Set(uuid(&l.owner)),
                borrower_organisation_id: Set(uuid(&l.other_school)),
                borrower_contact_id: Set(None),
                requested_by_user_id: Set(None),
                requested_by_organisation_id: Set(None),
                starts_on: Set(day(from)),
                ends_on: Set(day(until)),
                status: Set(status),
                notes: Set(None),
                requested_at: Set(now),
                confirmed_at: Set(None),
                handed_out_at: Set(None),
                returned_at: Set(None),
                cancelled_at: Set(None),
                declined_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
        };
        // Written straight to the database, past the hub's check.
        let refused = row("2027-03-09", "2027-03-12", entity::KitLoanStatus::Out)
            .insert(app.db())
            .await;
        let error = refused.expect_err("the database refuses the overlap").to_string();
        assert!(error.contains("kit_loans_no_overlap"), "[{}] {error}", app.backend);
        // A request may overlap; turning it into a booking may not.
        let request = row("2027-03-09", "2027-03-12", entity::KitLoanStatus::Requested)
            .insert(app.db())
            .await
            .expect("a request may overlap");
        let mut booking: entity::kit_loan::ActiveModel = request.into();
        booking.status = Set(entity::KitLoanStatus::Confirmed);
        let error = booking.update(app.db()).await.expect_err("refused").to_string();
        assert!(error.contains("kit_loans_no_overlap"), "[{}] {error}", app.backend);
        // Touching is allowed by the database too.
        row("2027-03-10", "2027-03-12", entity::KitLoanStatus::Confirmed)
            .insert(app.db())
            .await
            .expect("a loan starting the day the other ends");
        // And a loan of no day is refused by the table's check.
        assert!(
            row("2027-04-01", "2027-04-01", entity::KitLoanStatus::Requested)
                .insert(app.db())
                .await
                .is_err()
        );
        let _ = first;
        app.stop().await;
    }
}

#[tokio::test]
async fn lists_nested_lists_and_notes_follow_the_visibility_policy() {
    for app in apps(false).await {
        let l = lending(&app).await;
        let public = kits::kit(
            &app,
            &l.owner,
            &l.resource,
            "FMT-01",
            json!({ "conditionNotes": "Complète" }),
        )
        .await;
        let private = kits::kit(
            &app,
            &l.owner,
            &l.resource,
            "FMT-INT",
            json!({ "visibility": "ORGANISATION" }),
        )
        .await;
        let booked = kits::confirmed(&app, &public, &l.school, "2027-03-01", "2027-03-10").await;
        let asked = kits::requested(&app, &l.teacher, &public, &l.school, "2027-04-01", "2027-04-10").await;
        app.data(
            "mutation($id: ID!) { updateKitLoan(id: $id, input: { notes: \"Clé USB à part\" }) { kitLoan { id } } }",
            json!({ "id": booked }),
        )
        .await;

        // Inventory codes are unique per organisation, whatever the case.
        let twice = app
            .gql(
                "mutation($input: CreateKitInput!) { createKit(input: $input) { kit { id } } }",
                json!({ "input": { "organisationId": l.owner, "resourceId": l.resource, "inventoryCode": "fmt-01" } }),
            )
            .await;
        assert_eq!(error_code(&twice), "CONFLICT", "[{}] {twice}", app.backend);

        let query = "query($r: ID!, $o: ID!, $s: ID!) { \
            kits(filter: { resourceId: $r }) { totalCount nodes { inventoryCode } } \
            resource(id: $r) { kits { totalCount } } \
            organisation(id: $o) { kits { totalCount } lent: kitLoans(side: LENDER) { totalCount nodes { id status notes } } } \
            school: organisation(id: $s) { kitLoans { totalCount } } \
            kitLoans { totalCount } }";
        let vars = json!({ "r": l.resource, "o": l.owner, "s": l.school });
        let anonymous = app.data_anon(query, vars.clone()).await;
        assert_eq!(anonymous["kits"]["totalCount"], 1, "[{}] {anonymous}", app.backend);
        assert_eq!(anonymous["resource"]["kits"]["totalCount"], 1);
        assert_eq!(anonymous["organisation"]["kits"]["totalCount"], 1);
        // Anyone who sees the kit sees when it is booked, not the requests nor the notes.
        assert_eq!(anonymous["kitLoans"]["totalCount"], 1);
        assert_eq!(anonymous["organisation"]["lent"]["nodes"][0]["status"], "CONFIRMED");
        assert!(anonymous["organisation"]["lent"]["nodes"][0]["notes"].is_null());
        assert_eq!(anonymous["school"]["kitLoans"]["totalCount"], 1);

        let teacher = app.gql_as(Some(&l.teacher), query, vars.clone()).await;
        assert!(teacher.get("errors").is_none(), "{teacher}");
        let t = &teacher["data"];
        assert_eq!(t["kitLoans"]["totalCount"], 2, "the borrower sees its request");
        assert_eq!(t["school"]["kitLoans"]["totalCount"], 2);
        assert_eq!(t["organisation"]["lent"]["nodes"][0]["notes"], "Clé USB à part");
        assert_eq!(t["kits"]["totalCount"], 1, "the owner's private kit stays hidden");
        let other = app.gql_as(Some(&l.other_teacher), query, vars.clone()).await;
        assert_eq!(other["data"]["kitLoans"]["totalCount"], 1);
        assert!(other["data"]["organisation"]["lent"]["nodes"][0]["notes"].is_null());

        let editor = app.gql_as(Some(&l.editor), query, vars).await;
        assert_eq!(editor["data"]["kits"]["totalCount"], 2, "[{}] {editor}", app.backend);
        assert_eq!(editor["data"]["organisation"]["lent"]["totalCount"], 2);
        let node = app
            .data_anon(
                "query($a: ID!, $k: ID!, $p: ID!) { a: node(id: $a) { __typename id } k: node(id: $k) { __typename } p: node(id: $p) { __typename } }",
                json!({ "a": asked, "k": public, "p": private }),
            )
            .await;
        assert!(node["a"].is_null(), "a request is the parties'");
        assert_eq!(node["k"]["__typename"], "Kit");
        assert!(node["p"].is_null());

        // The owner keeps its kits: an organisation that still has some is not deleted.
        let owner_gone = app
            .gql(
                "mutation($id: ID!) { deleteOrganisation(id: $id) { deletedId } }",
                json!({ "id": l.owner }),
            )
            .await;
        assert_eq!(error_code(&owner_gone), "CONFLICT", "[{}] {owner_gone}", app.backend);
        // A kit with a history is retired, not deleted.
        let deleted = app
            .gql(
                "mutation($id: ID!) { deleteKit(id: $id) { deletedId } }",
                json!({ "id": public }),
            )
            .await;
        assert_eq!(error_code(&deleted), "CONFLICT", "[{}] {deleted}", app.backend);
        let gone = app
            .gql(
                "mutation($id: ID!) { deleteKit(id: $id) { deletedId } }",
                json!({ "id": private }),
            )
            .await;
        assert!(gone.get("errors").is_none(), "{gone}");
        app.stop().await;
    }
}

fn parse_calendar(text: &str) -> ical::parser::ical::component::IcalCalendar {
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    parser.next().expect("one calendar").expect("the calendar parses")
}

fn value(props: &[ical::property::Property], name: &str) -> String {
    props
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.clone())
        .unwrap_or_default()
}

fn has_date_value(props: &[ical::property::Property], name: &str) -> bool {
    props.iter().find(|p| p.name == name).is_some_and(|p| {
        p.params
            .as_ref()
            .is_some_and(|ps| ps.iter().any(|(k, v)| k == "VALUE" && v.iter().any(|x| x == "DATE")))
    })
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> (u16, String) {
    let mut req = app.client.get(format!("{}{path}", app.base));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.expect("sent");
    let status = resp.status().as_u16();
    (status, resp.text().await.expect("a body"))
}

#[tokio::test]
async fn loan_calendars_parse_with_another_parser_and_private_links_carry_the_loans() {
    for app in apps(false).await {
        let l = lending(&app).await;
        let kit = kits::kit(&app, &l.owner, &l.resource, "FMT-07", json!({})).await;
        let booked = kits::confirmed(&app, &kit, &l.school, "2027-03-01", "2027-03-10").await;
        let asked = kits::requested(&app, &l.teacher, &kit, &l.school, "2027-04-01", "2027-04-10").await;

        let (status, text) = get(&app, &format!("/kits/{kit}/loans.ics"), None).await;
        assert_eq!(status, 200, "{text}");
        let calendar = parse_calendar(&text);
        assert_eq!(
            calendar.events.len(),
            1,
            "[{}] anonymous callers see the booking only",
            app.backend
        );
        let event = &calendar.events[0].properties;
        assert_eq!(value(event, "UID"), format!("kit-loan-{booked}@passerelle"));
        assert_eq!(value(event, "DTSTART"), "20270301");
        assert_eq!(value(event, "DTEND"), "20270310", "the day the kit is back, excluded");
        assert!(has_date_value(event, "DTSTART") && has_date_value(event, "DTEND"));
        assert_eq!(value(event, "STATUS"), "CONFIRMED");
        assert_eq!(value(event, "TRANSP"), "TRANSPARENT");
        assert!(
            value(event, "SUMMARY").starts_with("Prêt de la mallette FMT-07 à Lycée Jules Haag"),
            "{}",
            value(event, "SUMMARY")
        );

        let (_, text) = get(&app, &format!("/kits/{kit}/loans.ics"), Some(&l.editor)).await;
        let calendar = parse_calendar(&text);
        let statuses: Vec<String> = calendar.events.iter().map(|e| value(&e.properties, "STATUS")).collect();
        assert_eq!(
            statuses,
            ["CONFIRMED", "TENTATIVE"],
            "[{}] the owner sees the request",
            app.backend
        );
        let (missing, _) = get(&app, &format!("/kits/{}/loans.ics", uuid::Uuid::now_v7()), None).await;
        assert_eq!(missing, 404);

        // A private link of the school's teacher shows her school's loans beside the events.
        let created = app
            .gql_as(
                Some(&l.teacher),
                "mutation { createCalendarSubscription(name: \"Agenda du lycée\") { url subscription { id kitLoans } } }",
                json!({}),
            )
            .await;
        assert!(created.get("errors").is_none(), "{created}");
        assert_eq!(
            created["data"]["createCalendarSubscription"]["subscription"]["kitLoans"],
            true
        );
        let url = created["data"]["createCalendarSubscription"]["url"]
            .as_str()
            .expect("a url");
        let text = app
            .client
            .get(url)
            .send()
            .await
            .expect("sent")
            .text()
            .await
            .expect("a body");
        let calendar = parse_calendar(&text);
        let uids: Vec<String> = calendar.events.iter().map(|e| value(&e.properties, "UID")).collect();
        assert_eq!(
            uids,
            [
                format!("kit-loan-{booked}@passerelle"),
                format!("kit-loan-{asked}@passerelle")
            ],
            "[{}] {text}",
            app.backend
        );
        let link = created["data"]["createCalendarSubscription"]["subscription"]["id"].clone();
        let off = app
            .gql_as(
                Some(&l.teacher),
                "mutation($id: ID!) { updateCalendarSubscription(id: $id, kitLoans: false) { subscription { kitLoans } } }",
                json!({ "id": link }),
            )
            .await;
        assert_eq!(
            off["data"]["updateCalendarSubscription"]["subscription"]["kitLoans"], false,
            "{off}"
        );
        let text = app
            .client
            .get(url)
            .send()
            .await
            .expect("sent")
            .text()
            .await
            .expect("a body");
        assert!(parse_calendar(&text).events.is_empty(), "{text}");
        app.stop().await;
    }
}
