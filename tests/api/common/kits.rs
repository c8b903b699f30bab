//! Kits and their loans, as the kit and indicator tests set them up.

use serde_json::{Value, json};

use super::TestApp;

/// The fields of a loan the tests read back.
pub const LOAN: &str = "id status from until loanDays notes confirmedAt handedOutAt returnedAt \
                        kit { inventoryCode } borrower { slug } lender { slug }";

/// Creates a resource (a teaching kit) of `organisation` and returns its id.
pub async fn resource(app: &TestApp, organisation: &str, title: &str, extra: Value) -> String {
    let mut input = json!({ "kind": "TEACHING_KIT", "title": title, "organisationId": organisation });
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            input.insert(k.clone(), v.clone());
        }
    }
    let data = app
        .data(
            "mutation($input: CreateResourceInput!) { createResource(input: $input) { resource { id } } }",
            json!({ "input": input }),
        )
        .await;
    data["createResource"]["resource"]["id"]
        .as_str()
        .expect("an id")
        .to_string()
}

/// Creates a kit (as the administrator) and returns its id.
pub async fn kit(app: &TestApp, organisation: &str, resource: &str, code: &str, extra: Value) -> String {
    let mut input = json!({ "organisationId": organisation, "resourceId": resource, "inventoryCode": code });
    if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            input.insert(k.clone(), v.clone());
        }
    }
    let data = app
        .data(
            "mutation($input: CreateKitInput!) { createKit(input: $input) { kit { id } } }",
            json!({ "input": input }),
        )
        .await;
    data["createKit"]["kit"]["id"].as_str().expect("an id").to_string()
}

/// Asks for a loan as `token`'s caller and returns the whole response.
pub async fn request(app: &TestApp, token: &str, kit: &str, borrower: &str, from: &str, until: &str) -> Value {
    app.gql_as(
        Some(token),
        &format!(
            "mutation($input: RequestKitLoanInput!) {{ requestKitLoan(input: $input) {{ kitLoan {{ {LOAN} }} }} }}"
        ),
        json!({ "input": { "kitId": kit, "borrowerOrganisationId": borrower, "from": from, "until": until } }),
    )
    .await
}

/// Asks for a loan and returns its id, failing the test on any error.
pub async fn requested(app: &TestApp, token: &str, kit: &str, borrower: &str, from: &str, until: &str) -> String {
    let body = request(app, token, kit, borrower, from, until).await;
    assert!(body.get("errors").is_none(), "[{}] {body:#}", app.backend);
    body["data"]["requestKitLoan"]["kitLoan"]["id"]
        .as_str()
        .expect("an id")
        .to_string()
}

/// Takes a step (`confirmKitLoan`, `handOutKitLoan`…) as `token`'s caller; the whole response.
pub async fn step(app: &TestApp, token: &str, mutation: &str, loan: &str) -> Value {
    app.gql_as(
        Some(token),
        &format!("mutation($id: ID!) {{ {mutation}(id: $id) {{ kitLoan {{ {LOAN} }} }} }}"),
        json!({ "id": loan }),
    )
    .await
}

/// Takes the steps, failing the test on any error, and returns the loan after the last.
pub async fn steps(app: &TestApp, token: &str, loan: &str, mutations: &[&str]) -> Value {
    let mut last = Value::Null;
    for mutation in mutations {
        let body = step(app, token, mutation, loan).await;
        assert!(body.get("errors").is_none(), "[{}] {mutation}: {body:#}", app.backend);
        last = body["data"][*mutation]["kitLoan"].clone();
    }
    last
}

/// A loan asked for and confirmed by the administrator; its id.
pub async fn confirmed(app: &TestApp, kit: &str, borrower: &str, from: &str, until: &str) -> String {
    let token = app.admin_token.clone();
    let id = requested(app, &token, kit, borrower, from, until).await;
    steps(app, &token, &id, &["confirmKitLoan"]).await;
    id
}
