//! Create, read, update and delete every type over HTTP, with validation errors and codes.

use serde_json::json;

use crate::common::{apps, error_code, error_field, event, organisation};

#[tokio::test]
async fn organisations_crud_conflict_and_not_found() {
    for app in apps(false).await {
        let id = organisation(
            &app,
            "elles-bougent",
            "Elles Bougent",
            json!({ "region": "ILE_DE_FRANCE", "departement": "75", "website": "https://www.ellesbougent.com" }),
        )
        .await;
        let data = app
            .data(
                "query($id: ID!) { organisation(id: $id) { id slug name kind region departement website } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(data["organisation"]["slug"], "elles-bougent");
        assert_eq!(data["organisation"]["region"], "ILE_DE_FRANCE");
        let by_slug = app
            .data("{ organisation(slug: \"elles-bougent\") { id } }", json!({}))
            .await;
        assert_eq!(by_slug["organisation"]["id"], id.as_str());

        // A duplicate slug is a conflict, and nothing is written.
        let dup = app
            .gql(
                "mutation { createOrganisation(input: { slug: \"elles-bougent\", name: \"Copie\", kind: NETWORK }) { organisation { id } } }",
                json!({}),
            )
            .await;
        assert_eq!(error_code(&dup), "CONFLICT", "[{}] {dup}", app.backend);
        let count = app.data("{ organisations { totalCount } }", json!({})).await;
        assert_eq!(count["organisations"]["totalCount"], 1);

        // Only the given fields change; null clears an optional one.
        let updated = app
            .data(
                "mutation($id: ID!) { updateOrganisation(id: $id, input: { name: \"Elles bougent\", website: null }) { organisation { slug name website region } } }",
                json!({ "id": id }),
            )
            .await;
        let org = &updated["updateOrganisation"]["organisation"];
        assert_eq!(org["name"], "Elles bougent");
        assert_eq!(org["slug"], "elles-bougent");
        assert_eq!(org["region"], "ILE_DE_FRANCE");
        assert!(org["website"].is_null());

        let bad = app
            .gql(
                "mutation($id: ID!) { updateOrganisation(id: $id, input: { slug: \"Pas Un Slug\" }) { organisation { id } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(error_code(&bad), "BAD_USER_INPUT");
        assert_eq!(error_field(&bad), "slug");

        let deleted = app
            .data(
                "mutation($id: ID!) { deleteOrganisation(id: $id) { deletedId } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(deleted["deleteOrganisation"]["deletedId"], id.as_str());
        let again = app
            .gql(
                "mutation($id: ID!) { deleteOrganisation(id: $id) { deletedId } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(error_code(&again), "NOT_FOUND");
        let gone = app
            .data("query($id: ID!) { organisation(id: $id) { id } }", json!({ "id": id }))
            .await;
        assert!(gone["organisation"].is_null());
        app.stop().await;
    }
}

#[tokio::test]
async fn events_crud_with_validation() {
    for app in apps(false).await {
        let org = organisation(&app, "cmq-msi", "CMQ MSI", json!({ "kind": "CMQ" })).await;
        let id = event(
            &app,
            json!({
                "title": "  Forum des métiers  ",
                "startsAt": "2026-03-08T09:00:00+01:00",
                "endsAt": "2026-03-08T17:00:00+01:00",
                "organiserId": org,
                "location": { "name": "ENSMM", "city": "Besançon", "postalCode": "25000", "departement": "25",
                              "region": "BOURGOGNE_FRANCHE_COMTE", "latitude": 47.25, "longitude": 5.99 },
                "audiences": ["LYCEE", "COLLEGE", "LYCEE"],
                "tags": ["Forum", "forum", "métiers"],
                "url": "https://msi.cmq-bfc.org/collectif-femmes/"
            }),
        )
        .await;
        let data = app
            .data(
                "query($id: ID!) { event(id: $id) { title startsAt endsAt timezone openToPublic status visibility audiences tags
                   location { name city postalCode departement region latitude longitude }
                   organiser { slug } provenance { sourceUid } } }",
                json!({ "id": id }),
            )
            .await;
        let e = &data["event"];
        assert_eq!(e["title"], "Forum des métiers");
        assert_eq!(e["startsAt"], "2026-03-08T08:00:00+00:00");
        assert_eq!(e["timezone"], "Europe/Paris");
        assert_eq!(e["openToPublic"], true);
        assert_eq!(e["status"], "SCHEDULED");
        assert_eq!(e["visibility"], "PUBLIC");
        assert_eq!(e["audiences"], json!(["LYCEE", "COLLEGE"]));
        assert_eq!(e["tags"], json!(["forum", "métiers"]));
        assert_eq!(e["location"]["city"], "Besançon");
        assert_eq!(e["location"]["latitude"], 47.25);
        assert_eq!(e["organiser"]["slug"], "cmq-msi");
        assert!(e["provenance"].is_null());

        // Each invalid input is refused with the offending field.
        for (input, field) in [
            (json!({ "title": "", "startsAt": "2026-01-01T10:00:00Z" }), "title"),
            (
                json!({ "title": "x".repeat(201), "startsAt": "2026-01-01T10:00:00Z" }),
                "title",
            ),
            (
                json!({ "title": "A", "startsAt": "2026-01-01T10:00:00Z", "endsAt": "2026-01-01T09:00:00Z" }),
                "endsAt",
            ),
            (
                json!({ "title": "A", "startsAt": "2026-01-01T10:00:00Z", "url": "ftp://example.org" }),
                "url",
            ),
            (
                json!({ "title": "A", "startsAt": "2026-01-01T10:00:00Z", "timezone": "Europe/Atlantis" }),
                "timezone",
            ),
            (
                json!({ "title": "A", "startsAt": "2026-01-01T10:00:00Z", "location": { "latitude": 91, "longitude": 1 } }),
                "location.latitude",
            ),
            (
                json!({ "title": "A", "startsAt": "2026-01-01T10:00:00Z", "location": { "departement": "20" } }),
                "location.departement",
            ),
            (
                json!({ "title": "A", "startsAt": "2026-01-01T10:00:00Z", "organiserId": "not-a-uuid" }),
                "organiserId",
            ),
            (
                json!({ "title": "A", "startsAt": "2026-01-01T10:00:00Z", "organiserId": uuid::Uuid::new_v4().to_string() }),
                "organiserId",
            ),
        ] {
            let body = app
                .gql(
                    "mutation($input: CreateEventInput!) { createEvent(input: $input) { event { id } } }",
                    json!({ "input": input }),
                )
                .await;
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "[{}] {body}", app.backend);
            assert_eq!(error_field(&body), field, "[{}] {body}", app.backend);
        }
        // An unknown enum value is refused by the schema.
        let body = app
            .gql(
                "mutation { createEvent(input: { title: \"A\", startsAt: \"2026-01-01T10:00:00Z\", status: POSTPONED }) { event { id } } }",
                json!({}),
            )
            .await;
        assert!(body["errors"].is_array());
        let count = app.data("{ events { totalCount } }", json!({})).await;
        assert_eq!(
            count["events"]["totalCount"], 1,
            "[{}] refused inputs wrote nothing",
            app.backend
        );

        // Update checks the merged record: an end before the stored start is refused.
        let body = app
            .gql(
                "mutation($id: ID!) { updateEvent(id: $id, input: { endsAt: \"2026-03-07T10:00:00Z\" }) { event { id } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(error_field(&body), "endsAt");
        let body = app
            .gql(
                "mutation($id: ID!) { updateEvent(id: $id, input: { title: null }) { event { id } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(error_field(&body), "title");
        let data = app
            .data(
                "mutation($id: ID!) { updateEvent(id: $id, input: { status: CANCELLED, organiserId: null, location: { city: \"Dole\" } }) {
                    event { title status organiser { id } location { city name } } } }",
                json!({ "id": id }),
            )
            .await;
        let e = &data["updateEvent"]["event"];
        assert_eq!(e["title"], "Forum des métiers");
        assert_eq!(e["status"], "CANCELLED");
        assert!(e["organiser"].is_null());
        assert_eq!(e["location"]["city"], "Dole");
        assert!(e["location"]["name"].is_null());

        let data = app
            .data(
                "mutation($id: ID!) { deleteEvent(id: $id) { deletedId } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(data["deleteEvent"]["deletedId"], id.as_str());
        let body = app
            .gql(
                "mutation($id: ID!) { deleteEvent(id: $id) { deletedId } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND");
        let body = app.gql("{ event(id: \"nope\") { id } }", json!({})).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT");
        app.stop().await;
    }
}

#[tokio::test]
async fn resources_contacts_actions_and_reports_crud() {
    for app in apps(false).await {
        let org = organisation(&app, "capital-filles", "Capital Filles", json!({})).await;

        let data = app
            .data(
                "mutation($org: ID!) { createResource(input: { kind: TEACHING_KIT, title: \"Mallette pédagogique\", freeOfRights: true,
                   organisationId: $org, audiences: [COLLEGE], tags: [\"Mallette\"], url: \"https://msi.cmq-bfc.org/\" }) {
                   resource { id kind title freeOfRights language audiences tags organisation { id } visibility } } }",
                json!({ "org": org }),
            )
            .await;
        let r = &data["createResource"]["resource"];
        assert_eq!(r["kind"], "TEACHING_KIT");
        assert_eq!(r["language"], "fr");
        assert_eq!(r["tags"], json!(["mallette"]));
        assert_eq!(r["organisation"]["id"], org.as_str());
        let rid = r["id"].as_str().expect("id").to_string();
        let data = app
            .data(
                "mutation($id: ID!) { updateResource(id: $id, input: { freeOfRights: false, licence: \"CC BY-NC\" }) { resource { title freeOfRights licence } } }",
                json!({ "id": rid }),
            )
            .await;
        assert_eq!(data["updateResource"]["resource"]["freeOfRights"], false);
        assert_eq!(data["updateResource"]["resource"]["title"], "Mallette pédagogique");
        let bad = app
            .gql("mutation { createResource(input: { kind: VIDEO, title: \"V\", language: \"français\" }) { resource { id } } }", json!({}))
            .await;
        assert_eq!(error_field(&bad), "language");

        let data = app
            .data(
                "mutation($org: ID!) { createContact(input: { firstName: \"Camille\", lastName: \"Martin\", email: \"Camille.Martin@EXAMPLE.org\",
                   phone: \"+33 1 99 00 12 34\", organisationId: $org, audiences: [LYCEE, PARENTS] }) {
                   contact { id firstName email phone visibility organisation { slug } } } }",
                json!({ "org": org }),
            )
            .await;
        let c = &data["createContact"]["contact"];
        assert_eq!(c["email"], "Camille.Martin@example.org");
        assert_eq!(c["visibility"], "PARTNERS");
        assert_eq!(c["organisation"]["slug"], "capital-filles");
        let cid = c["id"].as_str().expect("id").to_string();
        for (input, field) in [
            (
                json!({ "firstName": "A", "lastName": "B", "email": "pas-un-email" }),
                "email",
            ),
            (json!({ "firstName": "A", "lastName": "B", "phone": "12" }), "phone"),
            (json!({ "firstName": " ", "lastName": "B" }), "firstName"),
        ] {
            let body = app
                .gql(
                    "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
                    json!({ "input": input }),
                )
                .await;
            assert_eq!(error_field(&body), field, "{body}");
        }
        let data = app
            .data(
                "mutation($id: ID!) { updateContact(id: $id, input: { jobTitle: \"Chargée de mission\", phone: null }) { contact { jobTitle phone lastName } } }",
                json!({ "id": cid }),
            )
            .await;
        assert_eq!(data["updateContact"]["contact"]["jobTitle"], "Chargée de mission");
        assert!(data["updateContact"]["contact"]["phone"].is_null());

        let data = app
            .data(
                "mutation($org: ID!) { createAction(input: { organisationId: $org, title: \"Collectif de femmes\", findings: \"Des clichés subsistent\",
                   status: IN_PROGRESS, priority: HIGH, region: BOURGOGNE_FRANCHE_COMTE, peopleReached: 120 }) {
                   action { id title status priority region peopleReached organisation { slug } } } }",
                json!({ "org": org }),
            )
            .await;
        let a = &data["createAction"]["action"];
        assert_eq!(a["status"], "IN_PROGRESS");
        assert_eq!(a["organisation"]["slug"], "capital-filles");
        let aid = a["id"].as_str().expect("id").to_string();
        let bad = app
            .gql(
                "mutation($org: ID!) { createAction(input: { organisationId: $org, title: \"X\", peopleReached: -3 }) { action { id } } }",
                json!({ "org": org }),
            )
            .await;
        assert_eq!(error_field(&bad), "peopleReached");

        let data = app
            .data(
                "mutation($a: ID!) { createExperienceReport(input: { actionId: $a, author: \"Capital Filles\", text: \"Très bon accueil\", rating: 5, reportedOn: \"2023-11-15\" }) {
                   experienceReport { id rating reportedOn action { title } event { id } } } }",
                json!({ "a": aid }),
            )
            .await;
        let rep = &data["createExperienceReport"]["experienceReport"];
        assert_eq!(rep["rating"], 5);
        assert_eq!(rep["reportedOn"], "2023-11-15");
        assert_eq!(rep["action"]["title"], "Collectif de femmes");
        let rep_id = rep["id"].as_str().expect("id").to_string();
        for (input, field) in [
            (
                json!({ "actionId": aid, "author": "A", "text": "T", "rating": 6, "reportedOn": "2023-01-01" }),
                "rating",
            ),
            (
                json!({ "author": "A", "text": "T", "reportedOn": "2023-01-01" }),
                "actionId",
            ),
        ] {
            let body = app
                .gql(
                    "mutation($input: CreateExperienceReportInput!) { createExperienceReport(input: $input) { experienceReport { id } } }",
                    json!({ "input": input }),
                )
                .await;
            assert_eq!(error_field(&body), field, "{body}");
        }
        let data = app
            .data(
                "query($a: ID!) { action(id: $a) { experienceReports { totalCount nodes { text } } } }",
                json!({ "a": aid }),
            )
            .await;
        assert_eq!(data["action"]["experienceReports"]["totalCount"], 1);
        let data = app
            .data(
                "mutation($id: ID!) { updateExperienceReport(id: $id, input: { rating: null, peopleReached: 30 }) { experienceReport { rating peopleReached text } } }",
                json!({ "id": rep_id }),
            )
            .await;
        assert!(data["updateExperienceReport"]["experienceReport"]["rating"].is_null());

        // An organisation that owns actions cannot be deleted.
        let body = app
            .gql(
                "mutation($id: ID!) { deleteOrganisation(id: $id) { deletedId } }",
                json!({ "id": org }),
            )
            .await;
        assert_eq!(error_code(&body), "CONFLICT");

        // Every type resolves through node(id:).
        for (id, typename) in [
            (&org, "Organisation"),
            (&rid, "Resource"),
            (&cid, "Contact"),
            (&aid, "Action"),
            (&rep_id, "ExperienceReport"),
        ] {
            let data = app
                .data(
                    "query($id: ID!) { node(id: $id) { __typename id } }",
                    json!({ "id": id }),
                )
                .await;
            assert_eq!(data["node"]["__typename"], typename);
            assert_eq!(data["node"]["id"], id.as_str());
        }
        let data = app
            .data(
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": uuid::Uuid::new_v4().to_string() }),
            )
            .await;
        assert!(data["node"].is_null());

        // Deleting an action deletes its reports; deleting a contact erases it.
        app.data(
            "mutation($id: ID!) { deleteAction(id: $id) { deletedId } }",
            json!({ "id": aid }),
        )
        .await;
        let data = app
            .data(
                "query($id: ID!) { experienceReport(id: $id) { id } }",
                json!({ "id": rep_id }),
            )
            .await;
        assert!(data["experienceReport"].is_null());
        app.data(
            "mutation($id: ID!) { deleteContact(id: $id) { deletedId } }",
            json!({ "id": cid }),
        )
        .await;
        app.data(
            "mutation($id: ID!) { deleteResource(id: $id) { deletedId } }",
            json!({ "id": rid }),
        )
        .await;
        let data = app
            .data(
                "{ contacts { totalCount } resources { totalCount } actions { totalCount } }",
                json!({}),
            )
            .await;
        assert_eq!(
            data,
            json!({ "contacts": { "totalCount": 0 }, "resources": { "totalCount": 0 }, "actions": { "totalCount": 0 } })
        );
        app.stop().await;
    }
}
