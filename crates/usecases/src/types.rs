//! Request and response types of the use-case API.

use p2p_kernel::ids::{FileId, OrgId, UseCaseId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// `draft` (visible inside its organization) or `published` (platform-wide).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Published,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
        }
    }
}

/// Measured results of a use case.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Outcomes {
    pub cost_savings: Option<String>,
    pub efficiency_gain: Option<String>,
    pub roi_timeline: Option<String>,
    /// Free-form further outcomes, name → value.
    #[serde(default)]
    pub extra: BTreeMap<String, String>,
}

/// Who supplied the solution.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VendorInfo {
    pub name: Option<String>,
    pub contact: Option<String>,
    pub website: Option<String>,
}

/// Where the use case took place; `coordinates` are `[latitude, longitude]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub city: String,
    #[schema(schema_with = coordinates_schema)]
    pub coordinates: Option<[f64; 2]>,
}

/// `[latitude, longitude]`: -90–90 and -180–180 degrees, or null.
fn coordinates_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ArrayItems, ObjectBuilder, Type};
    let degrees = |limit: f64| -> utoipa::openapi::schema::Schema {
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .minimum(Some(-limit))
            .maximum(Some(limit))
            .build()
            .into()
    };
    ArrayBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            Type::Array,
            Type::Null,
        ]))
        .prefix_items([degrees(90.0), degrees(180.0)])
        .items(ArrayItems::False)
        .min_items(Some(2))
        .max_items(Some(2))
        .description(Some("`[latitude, longitude]` in degrees"))
        .build()
}

/// `image` or `video`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MediaType {
    Image,
    Video,
}

/// A file shown with a use case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MediaItem {
    pub file_id: FileId,
    #[serde(rename = "type")]
    pub media_type: MediaType,
    /// `GET` it (signed in) to be redirected to the bytes.
    pub url: String,
    pub caption: Option<String>,
    pub content_type: String,
    pub size: u64,
}

/// A media file to attach: an id from `POST /files` or `/files/presign`.
#[derive(Clone, Debug, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaRef {
    pub file_id: FileId,
    pub caption: Option<String>,
}

/// `POST /use-cases`: a new draft.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUseCase {
    pub title: String,
    pub industry: String,
    #[serde(default)]
    pub technology: Vec<String>,
    pub problem_statement: String,
    pub solution: String,
    #[serde(default)]
    pub outcomes: Outcomes,
    #[serde(default)]
    pub vendor_info: VendorInfo,
    pub location: Option<Location>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Media files uploaded beforehand.
    #[serde(default)]
    pub media: Vec<MediaRef>,
}

/// `PATCH /use-cases/{id}`: fields present are replaced (`location: null` removes it).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UseCasePatch {
    pub title: Option<String>,
    pub industry: Option<String>,
    pub technology: Option<Vec<String>>,
    pub problem_statement: Option<String>,
    pub solution: Option<String>,
    pub outcomes: Option<Outcomes>,
    pub vendor_info: Option<VendorInfo>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Location>)]
    pub location: Option<Option<Location>>,
    pub tags: Option<Vec<String>>,
    /// Replaces the media list (files left out are deleted).
    pub media: Option<Vec<MediaRef>>,
}

/// A use case as clients see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UseCaseView {
    pub id: UseCaseId,
    pub title: String,
    pub industry: String,
    pub technology: Vec<String>,
    pub problem_statement: String,
    pub solution: String,
    pub outcomes: Outcomes,
    pub vendor_info: VendorInfo,
    pub media: Vec<MediaItem>,
    pub location: Option<Location>,
    pub tags: Vec<String>,
    pub status: Status,
    pub submitted_by: UserId,
    pub organization_id: OrgId,
    pub view_count: i64,
    pub revision_count: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
    /// Hidden by a moderator: only its submitter and moderators see it.
    #[serde(default)]
    pub hidden: bool,
}

/// `latest` (published most recently first) or `popular` (most viewed first).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Latest,
    Popular,
}

/// Filters of the list, the facets and the export (all case-insensitive, combined with AND).
#[derive(Clone, Debug, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct UseCaseFilter {
    pub industry: Option<String>,
    pub technology: Option<String>,
    pub tag: Option<String>,
    pub city: Option<String>,
    pub organization_id: Option<OrgId>,
    /// Words that must all appear in the title, problem, solution, industry or tags.
    pub q: Option<String>,
    #[serde(default)]
    pub sort: Sort,
    /// `draft`: the drafts of the caller's organization instead of published use cases.
    pub status: Option<Status>,
    /// `false` leaves the facet counts out (they scan every matching use case). Default `true`.
    pub facets: Option<bool>,
}

/// How many listed use cases carry each value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// Counts per filter value of the use cases matching the other filters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Facets {
    pub industry: Vec<FacetCount>,
    pub technology: Vec<FacetCount>,
    pub tag: Vec<FacetCount>,
    pub city: Vec<FacetCount>,
}

/// A page of use cases with the facets of the whole filtered list.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct UseCaseList {
    pub items: Vec<UseCaseView>,
    pub next_cursor: Option<String>,
    pub facets: Facets,
}

/// A previous version of a published use case.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct UseCaseRevision {
    pub edited_by: UserId,
    #[serde(with = "time::serde::rfc3339")]
    pub edited_at: OffsetDateTime,
    /// The use case as it was before this edit.
    pub before: UseCaseView,
}

/// `csv` or `json`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    #[default]
    Csv,
    Json,
}

/// A field that is present (even as `null`) becomes `Some`.
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}
