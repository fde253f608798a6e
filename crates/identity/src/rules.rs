//! The rules of identity's request fields: its validators check them and
//! the OpenAPI document states them (`REQUEST_CONSTRAINTS`).

use crate::password::{MAX_LENGTH, MIN_LENGTH};
use p2p_kernel::text::{Constraint, FieldConstraint, TextRule, patterns};

/// A first or last name.
pub(crate) const NAME: TextRule = TextRule::line(1, 100);
pub(crate) const JOB_TITLE: TextRule = TextRule::line(0, 100);
pub(crate) const BIO: TextRule = TextRule::paragraphs(0, 2000);
/// The longest phone number, in characters once trimmed.
pub(crate) const PHONE_MAX: usize = 32;
/// Characters of a phone number besides digits.
pub(crate) const PHONE_SIGNS: &str = " +-().";

const EMAIL_MAX: usize = 254;
const EMAIL: &str = "An email address: one `@`, a local part of 1–64 characters without whitespace, a domain of two or more labels of letters, digits and inner hyphens; surrounding whitespace is trimmed, letters are lower-cased.";
const PASSWORD: &str = "10–128 characters with a letter (any alphabet) and a character that is neither a letter nor whitespace (a digit or a symbol), not the email address or its local part (which the pattern cannot state: it compares two fields).";

const PHONE: &str = "At most 32 characters: digits, spaces and `+ - ( ) .` (surrounding whitespace is trimmed); empty removes it.";

/// A password: a letter and a character that is neither a letter nor
/// whitespace, in any order: exactly what `password::check_policy` takes
/// (but for the email comparison).
fn password_pattern() -> String {
    let letters = patterns::letters();
    let blank = patterns::blank();
    let blank = blank.trim_start_matches('[').trim_end_matches(']');
    let letter = format!("[{letters}]");
    let other = format!("[^{letters}{blank}]");
    format!(r"{letter}[\s\S]*{other}|{other}[\s\S]*{letter}")
}

/// A new password's rule, which the document states once (the `Password`
/// component schema: its pattern writes out every letter of Unicode).
const PASSWORD_RULE: Constraint = Constraint::Pattern {
    min: MIN_LENGTH,
    max: MAX_LENGTH,
    pattern: password_pattern,
    description: PASSWORD,
};

fn phone_pattern() -> String {
    let blank = patterns::blank();
    format!(r"^{blank}*[0-9 +().-]*{blank}*$")
}

pub const REQUEST_CONSTRAINTS: &[FieldConstraint] = &[
    FieldConstraint::pattern(
        "SignupRequest",
        "email",
        (0, EMAIL_MAX),
        patterns::email_field,
        EMAIL,
    ),
    FieldConstraint::component("SignupRequest", "password", "Password", &PASSWORD_RULE),
    FieldConstraint::text("SignupRequest", "first_name", NAME),
    FieldConstraint::text("SignupRequest", "last_name", NAME),
    FieldConstraint::text(
        "SignupRequest",
        "organization_name",
        p2p_orgs::ORGANIZATION_NAME,
    ),
    FieldConstraint::component(
        "AcceptInviteRequest",
        "password",
        "Password",
        &PASSWORD_RULE,
    ),
    FieldConstraint::text("AcceptInviteRequest", "first_name", NAME),
    FieldConstraint::text("AcceptInviteRequest", "last_name", NAME),
    FieldConstraint::pattern(
        "PasswordResetRequest",
        "email",
        (0, EMAIL_MAX),
        patterns::email_field,
        EMAIL,
    ),
    FieldConstraint::component(
        "PasswordResetConfirm",
        "new_password",
        "Password",
        &PASSWORD_RULE,
    ),
    FieldConstraint::pattern(
        "InviteRequest",
        "email",
        (0, EMAIL_MAX),
        patterns::email_field,
        EMAIL,
    ),
    FieldConstraint::text("ProfilePatch", "first_name", NAME),
    FieldConstraint::text("ProfilePatch", "last_name", NAME),
    FieldConstraint::text("ProfilePatch", "job_title", JOB_TITLE),
    FieldConstraint::text("ProfilePatch", "bio", BIO),
    FieldConstraint::pattern(
        "ProfilePatch",
        "phone",
        (0, PHONE_MAX),
        phone_pattern,
        PHONE,
    ),
];

#[cfg(test)]
mod tests {
    use crate::password::check_policy;

    /// The document's password pattern takes exactly what the policy takes
    /// (length and the email comparison aside): every short mix of letters,
    /// digits, symbols and whitespace of several scripts, padded with spaces
    /// to the least length.
    #[test]
    fn the_password_pattern_is_the_policy() {
        let pattern = regex::Regex::new(&super::password_pattern());
        let Ok(pattern) = pattern else {
            panic!("{pattern:?}");
        };
        let alphabet = ['a', 'ب', '1', '٣', '!', 'Ⅻ', '\u{3000}', '\t', '\u{0}', '𝐀'];
        let mut last = vec![String::new()];
        let mut checked = 0;
        for _ in 0..3 {
            last = last
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            for password in &last {
                let padded = format!("{password:<10}");
                let accepted = check_policy("password", &padded, "ann@acme.example").is_empty();
                assert_eq!(pattern.is_match(&padded), accepted, "{padded:?}");
                checked += 1;
            }
        }
        assert!(checked > 1000);
    }
}
