//! Validation and normalization of use-case content.

use crate::types::{Location, MediaRef, NewUseCase, Outcomes, UseCasePatch, VendorInfo};
use p2p_kernel::DomainError;
use p2p_kernel::FieldCode;
use p2p_kernel::text::{Markdown, UrlKind};
use p2p_kernel::validate::Validator;

pub(crate) const LIST_MAX: usize = 20;
pub(crate) const MEDIA_MAX: usize = 20;
const TITLE: (usize, usize) = (3, 200);
const LABEL_MAX: usize = 100;
const TERM_MAX: usize = 50;
const TEXT_MAX: usize = 20_000;
const SHORT_MAX: usize = 200;
const CAPTION_MAX: usize = 300;

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
        let title = plain(&mut v, "title", &self.title, TITLE.0, TITLE.1);
        let industry = plain(&mut v, "industry", &self.industry, 1, LABEL_MAX);
        let technology = terms(&mut v, "technology", &self.technology);
        let tags = terms(&mut v, "tags", &self.tags);
        let problem_statement = text(&mut v, "problem_statement", &self.problem_statement);
        let solution = text(&mut v, "solution", &self.solution);
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
                        probe.plain_text("name", &name);
                        let field = if probe.is_empty() {
                            format!("outcomes.extra.{name}")
                        } else {
                            format!("outcomes.extra[{i}]")
                        };
                        let name = plain(&mut v, &field, &name, 1, TERM_MAX);
                        optional(&mut v, &field, Some(value)).map(|value| (name, value))
                    })
                    .collect()
            },
        };
        let vendor_info = VendorInfo {
            name: optional(&mut v, "vendor_info.name", self.vendor_info.name),
            contact: url(
                &mut v,
                "vendor_info.contact",
                self.vendor_info.contact,
                UrlKind::Contact,
            ),
            website: url(
                &mut v,
                "vendor_info.website",
                self.vendor_info.website,
                UrlKind::Web,
            ),
        };
        let location = self.location.map(|l| Location {
            city: plain(&mut v, "location.city", &l.city, 1, LABEL_MAX),
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

fn plain(v: &mut Validator, field: &str, value: &str, min: usize, max: usize) -> String {
    let value = value.trim();
    v.length(field, value, min, max);
    v.plain_text(field, value);
    value.to_owned()
}

/// Markdown: line breaks and tabs are fine, other control characters are not.
fn text(v: &mut Validator, field: &str, value: &str) -> String {
    let value = value.trim();
    v.length(field, value, 1, TEXT_MAX);
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        v.add(
            field,
            FieldCode::InvalidCharacters,
            "must not contain control characters other than line breaks and tabs",
        );
    }
    value.to_owned()
}

fn optional(v: &mut Validator, field: &str, value: Option<String>) -> Option<String> {
    let value = value?.trim().to_owned();
    if value.is_empty() {
        return None;
    }
    v.length(field, &value, 1, SHORT_MAX);
    v.plain_text(field, &value);
    Some(value)
}

/// An optional short text that is (or, for a contact, may be) a URL.
fn url(v: &mut Validator, field: &str, value: Option<String>, kind: UrlKind) -> Option<String> {
    let value = optional(v, field, value)?;
    v.url(field, &value, kind);
    Some(value)
}

fn terms(v: &mut Validator, field: &str, values: &[String]) -> Vec<String> {
    v.at_most(field, values.len(), LIST_MAX, "entries");
    let mut out: Vec<String> = Vec::new();
    for (i, value) in values.iter().enumerate() {
        let value = plain(v, &format!("{field}[{i}]"), value, 1, TERM_MAX);
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
    let caption = caption?.trim();
    if caption.is_empty() {
        return None;
    }
    v.length(field, caption, 1, CAPTION_MAX);
    v.plain_text(field, caption);
    Some(caption.to_owned())
}
