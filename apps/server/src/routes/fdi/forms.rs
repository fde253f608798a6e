//! `formFields` in, `FIELD_ERROR` out.

use super::answers::FormFieldError;
use actix_web::HttpResponse;
use p2p_kernel::{DomainError, ErrorCode, ErrorKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// One field of a form.
#[derive(Deserialize, ToSchema)]
#[schema(as = FdiFormField)]
pub struct FormField {
    pub id: String,
    /// Any JSON value; a string is taken as it is, `null` as empty, anything
    /// else as its JSON text.
    pub value: Value,
}

/// A request body with `formFields`.
#[derive(Deserialize, ToSchema)]
#[schema(as = FdiForm)]
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

    /// The errors of the required fields that are missing or blank (`None`
    /// when every one has a value).
    pub fn missing(&self, required: &[&str]) -> Option<Vec<FormFieldError>> {
        let missing: Vec<FormFieldError> = required
            .iter()
            .filter(|id| self.get(id).trim().is_empty())
            .map(|id| field_error(id, "Field is not optional"))
            .collect();
        (!missing.is_empty()).then_some(missing)
    }
}

/// One field's error.
pub fn field_error(id: &str, error: &str) -> FormFieldError {
    FormFieldError {
        id: id.to_owned(),
        error: error.to_owned(),
    }
}

/// The field errors of a validation error, under the form's field ids
/// (`new_password` is the form's `password`); `None` for other errors.
pub fn validation_fields(e: &DomainError) -> Option<Vec<FormFieldError>> {
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
                field_error(id, &f.message)
            })
            .collect(),
    )
}

/// A 200 answer with `body`.
pub fn answer(body: &impl Serialize) -> HttpResponse {
    HttpResponse::Ok().json(body)
}
