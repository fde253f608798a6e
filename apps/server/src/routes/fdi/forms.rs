//! `formFields` in, `FIELD_ERROR` out.

use actix_web::HttpResponse;
use p2p_kernel::{DomainError, ErrorCode, ErrorKind};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub struct FormField {
    pub id: String,
    pub value: Value,
}

/// A request body with `formFields`.
#[derive(Deserialize)]
pub struct Form {
    #[serde(rename = "formFields")]
    pub form_fields: Vec<FormField>,
}

impl Form {
    /// The value of a field as text (an empty string when missing).
    pub fn get(&self, id: &str) -> String {
        self.form_fields
            .iter()
            .find(|f| f.id == id)
            .map(|f| match &f.value {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            })
            .unwrap_or_default()
    }

    /// `FIELD_ERROR` for the required fields that are missing or blank.
    pub fn missing(&self, required: &[&str]) -> Option<HttpResponse> {
        let missing: Vec<(String, String)> = required
            .iter()
            .filter(|id| self.get(id).trim().is_empty())
            .map(|id| ((*id).to_owned(), "Field is not optional".to_owned()))
            .collect();
        (!missing.is_empty()).then(|| field_error(&missing))
    }
}

/// `{"status": "FIELD_ERROR", "formFields": [{"id", "error"}]}`.
pub fn field_error(fields: &[(String, String)]) -> HttpResponse {
    let form_fields: Vec<Value> = fields
        .iter()
        .map(|(id, error)| json!({"id": id, "error": error}))
        .collect();
    HttpResponse::Ok().json(json!({"status": "FIELD_ERROR", "formFields": form_fields}))
}

/// The field errors of a validation error, under the form's field ids
/// (`new_password` is the form's `password`); `None` for other errors.
pub fn validation_fields(e: &DomainError) -> Option<Vec<(String, String)>> {
    if e.kind() != ErrorKind::Validation {
        return None;
    }
    Some(
        e.field_errors()
            .iter()
            .map(|f| {
                let id = if f.field == "new_password" {
                    "password"
                } else {
                    f.field.as_str()
                };
                (id.to_owned(), f.message.clone())
            })
            .collect(),
    )
}

/// `{"status": <status>}`.
pub fn status(status: &str) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": status }))
}
