//! The rules of identity's request fields: its validators check them and
//! the OpenAPI document states them (`REQUEST_CONSTRAINTS`).

use crate::password::{MAX_LENGTH, MIN_LENGTH};
use p2p_kernel::text::{FieldConstraint, TextRule, patterns};

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
const PASSWORD: &str = "10–128 characters with a letter and a digit or symbol, not only one repeated character, not the email address or its local part. (The pattern states a part of it: an ASCII letter and an ASCII digit or symbol; any letter and any digit or symbol count.)";
const PHONE: &str = "At most 32 characters: digits, spaces and `+ - ( ) .` (surrounding whitespace is trimmed); empty removes it.";

/// A password: an ASCII letter and an ASCII digit or symbol, in any order
/// (a part of what the policy accepts, see `password::check_policy`).
fn password_pattern() -> String {
    let letter = "[A-Za-z]";
    let other = r"[0-9!-/:-@\[-`{-~]";
    format!(r"{letter}[\s\S]*{other}|{other}[\s\S]*{letter}")
}

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
    FieldConstraint::pattern(
        "SignupRequest",
        "password",
        (MIN_LENGTH, MAX_LENGTH),
        password_pattern,
        PASSWORD,
    ),
    FieldConstraint::text("SignupRequest", "first_name", NAME),
    FieldConstraint::text("SignupRequest", "last_name", NAME),
    FieldConstraint::text(
        "SignupRequest",
        "organization_name",
        p2p_orgs::ORGANIZATION_NAME,
    ),
    FieldConstraint::pattern(
        "AcceptInviteRequest",
        "password",
        (MIN_LENGTH, MAX_LENGTH),
        password_pattern,
        PASSWORD,
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
    FieldConstraint::pattern(
        "PasswordResetConfirm",
        "new_password",
        (MIN_LENGTH, MAX_LENGTH),
        password_pattern,
        PASSWORD,
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
