//! Validation and normalization of use-case content.

use crate::types::{Location, MediaRef, NewUseCase, Outcomes, UseCasePatch, VendorInfo};
use p2p_kernel::DomainError;
use p2p_kernel::FieldCode;
use p2p_kernel::text::{FieldConstraint, Markdown, TextRule, UrlKind};
use p2p_kernel::validate::Validator;

const LIST_MAX: usize = 20;
pub(crate) const MEDIA_MAX: usize = 20;
const TITLE: TextRule = TextRule::line(3, 200);
/// Industries and cities.
const LABEL: TextRule = TextRule::line(1, 100);
/// Technologies, tags and the names of further outcomes.
const TERM: TextRule = TextRule::line(1, 50);
const TEXT: TextRule = TextRule::markdown(1, 20_000);
/// Optional short texts: outcomes, vendor details (empty or blank: none).
const SHORT: TextRule = TextRule::line(0, 200);
/// The vendor's website: a short text that is a web URL.
const WEBSITE: TextRule = SHORT.with_url(UrlKind::Web);
/// The vendor's contact: a short text that may be a URL (web or mail).
const CONTACT: TextRule = SHORT.with_url(UrlKind::Contact);
/// A media caption (in a body, or the query of a media upload).
pub const CAPTION: TextRule = TextRule::line(0, 300);

/// The rules above, as the OpenAPI document states them.
pub const REQUEST_CONSTRAINTS: &[FieldConstraint] = &[
    FieldConstraint::text("NewUseCase", "title", TITLE),
    FieldConstraint::text("NewUseCase", "industry", LABEL),
    FieldConstraint::text("NewUseCase", "technology[]", TERM),
    FieldConstraint::max_items("NewUseCase", "technology", LIST_MAX),
    FieldConstraint::text("NewUseCase", "problem_statement", TEXT),
    FieldConstraint::text("NewUseCase", "solution", TEXT),
    FieldConstraint::text("NewUseCase", "tags[]", TERM),
    FieldConstraint::max_items("NewUseCase", "tags", LIST_MAX),
    FieldConstraint::max_items("NewUseCase", "media", MEDIA_MAX),
    FieldConstraint::text("UseCasePatch", "title", TITLE),
    FieldConstraint::text("UseCasePatch", "industry", LABEL),
    FieldConstraint::text("UseCasePatch", "technology[]", TERM),
    FieldConstraint::max_items("UseCasePatch", "technology", LIST_MAX),
    FieldConstraint::text("UseCasePatch", "problem_statement", TEXT),
    FieldConstraint::text("UseCasePatch", "solution", TEXT),
    FieldConstraint::text("UseCasePatch", "tags[]", TERM),
    FieldConstraint::max_items("UseCasePatch", "tags", LIST_MAX),
    FieldConstraint::max_items("UseCasePatch", "media", MEDIA_MAX),
    FieldConstraint::text("Outcomes", "cost_savings", SHORT),
    FieldConstraint::text("Outcomes", "efficiency_gain", SHORT),
    FieldConstraint::text("Outcomes", "roi_timeline", SHORT),
    FieldConstraint::entries("Outcomes", "extra", LIST_MAX, (TERM, SHORT)),
    FieldConstraint::text("VendorInfo", "name", SHORT),
    FieldConstraint::text("VendorInfo", "contact", CONTACT),
    FieldConstraint::text("VendorInfo", "website", WEBSITE),
    FieldConstraint::text("Location", "city", LABEL),
    FieldConstraint::text("MediaRef", "caption", CAPTION),
];

/// The editable content of a use case, validated and normalized.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Content {
    pub title: String,
    pub industry: String,
    pub technology: Vec<String>,
    pub problem_statement: String,
    pub solution: String,
    pub outcomes: Outcomes,
    pub vendor_info: VendorInfo,
    pub location: Option<Location>,
    pub tags: Vec<String>,
}

impl Content {
    pub fn from_new(input: &NewUseCase) -> Self {
        Self {
            title: input.title.clone(),
            industry: input.industry.clone(),
            technology: input.technology.clone(),
            problem_statement: input.problem_statement.clone(),
            solution: input.solution.clone(),
            outcomes: input.outcomes.clone(),
            vendor_info: input.vendor_info.clone(),
            location: input.location.clone(),
            tags: input.tags.clone(),
        }
    }

    pub fn patched(mut self, patch: &UseCasePatch) -> Self {
        let p = patch.clone();
        if let Some(v) = p.title {
            self.title = v;
        }
        if let Some(v) = p.industry {
            self.industry = v;
        }
        if let Some(v) = p.technology {
            self.technology = v;
        }
        if let Some(v) = p.problem_statement {
            self.problem_statement = v;
        }
        if let Some(v) = p.solution {
            self.solution = v;
        }
        if let Some(v) = p.outcomes {
            self.outcomes = v;
        }
        if let Some(v) = p.vendor_info {
            self.vendor_info = v;
        }
        if let Some(v) = p.location {
            self.location = v;
        }
        if let Some(v) = p.tags {
            self.tags = v;
        }
        self
    }

    /// Trims every text, drops empty optional ones and duplicate list entries,
    /// checks lengths, plain text, links and coordinates, and sanitizes the
    /// Markdown of the problem statement and the solution.
    pub fn validate(self, markdown: &Markdown) -> Result<Self, DomainError> {
        let mut v = Validator::new();
        let title = v.text("title", &self.title, TITLE);
        let industry = v.text("industry", &self.industry, LABEL);
        let technology = terms(&mut v, "technology", &self.technology);
        let tags = terms(&mut v, "tags", &self.tags);
        let problem_statement = v.text("problem_statement", &self.problem_statement, TEXT);
        let solution = v.text("solution", &self.solution, TEXT);
        let (problem_statement, solution) = (
            markdown.sanitize(&problem_statement),
            markdown.sanitize(&solution),
        );
        let outcomes = Outcomes {
            cost_savings: optional(&mut v, "outcomes.cost_savings", self.outcomes.cost_savings),
            efficiency_gain: optional(
                &mut v,
                "outcomes.efficiency_gain",
                self.outcomes.efficiency_gain,
            ),
            roi_timeline: optional(&mut v, "outcomes.roi_timeline", self.outcomes.roi_timeline),
            extra: {
                v.at_most(
                    "outcomes.extra",
                    self.outcomes.extra.len(),
                    LIST_MAX,
                    "entries",
                );
                self.outcomes
                    .extra
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, (name, value))| {
                        // Field errors name the entry; a name that is not
                        // plain text is not echoed back, its position is.
                        let mut probe = Validator::new();
                        probe.text("name", &name, TERM);
                        let field = if probe.is_empty() {
                            format!("outcomes.extra.{name}")
                        } else {
                            format!("outcomes.extra[{i}]")
                        };
                        let name = v.text(&field, &name, TERM);
                        optional(&mut v, &field, Some(value)).map(|value| (name, value))
                    })
                    .collect()
            },
        };
        let vendor_info = VendorInfo {
            name: optional(&mut v, "vendor_info.name", self.vendor_info.name),
            contact: v.optional_text(
                "vendor_info.contact",
                self.vendor_info.contact.as_deref(),
                CONTACT,
            ),
            website: v.optional_text(
                "vendor_info.website",
                self.vendor_info.website.as_deref(),
                WEBSITE,
            ),
        };
        let location = self.location.map(|l| Location {
            city: v.text("location.city", &l.city, LABEL),
            coordinates: l.coordinates.inspect(|[lat, lng]| {
                if !lat.is_finite() || !(-90.0..=90.0).contains(lat) {
                    v.add(
                        "location.coordinates[0]",
                        FieldCode::InvalidLatitude,
                        "latitude must be between -90 and 90",
                    );
                }
                if !lng.is_finite() || !(-180.0..=180.0).contains(lng) {
                    v.add(
                        "location.coordinates[1]",
                        FieldCode::InvalidLongitude,
                        "longitude must be between -180 and 180",
                    );
                }
            }),
        });
        v.finish()?;
        Ok(Self {
            title,
            industry,
            technology,
            problem_statement,
            solution,
            outcomes,
            vendor_info,
            location,
            tags,
        })
    }
}

fn optional(v: &mut Validator, field: &str, value: Option<String>) -> Option<String> {
    v.optional_text(field, value.as_deref(), SHORT)
}

/// At most [`LIST_MAX`] entries as sent, each checked; repeated ones (in
/// any case) are dropped.
fn terms(v: &mut Validator, field: &str, values: &[String]) -> Vec<String> {
    v.at_most(field, values.len(), LIST_MAX, "entries");
    let mut out: Vec<String> = Vec::new();
    for (i, value) in values.iter().enumerate() {
        let value = v.text(&format!("{field}[{i}]"), value, TERM);
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&value)) {
            out.push(value);
        }
    }
    out
}

/// Checks the media list's size and captions.
pub(crate) fn media(refs: &[MediaRef]) -> Result<Vec<MediaRef>, DomainError> {
    let mut v = Validator::new();
    v.at_most("media", refs.len(), MEDIA_MAX, "media files");
    let clean = refs
        .iter()
        .enumerate()
        .map(|(i, r)| MediaRef {
            file_id: r.file_id,
            caption: optional_caption(&mut v, &format!("media[{i}].caption"), r.caption.as_deref()),
        })
        .collect();
    v.finish().map(|()| clean)
}

pub(crate) fn optional_caption(
    v: &mut Validator,
    field: &str,
    caption: Option<&str>,
) -> Option<String> {
    v.optional_text(field, caption, CAPTION)
}
