//! The one registry of field-error codes: every `code` a field error of a
//! problem document (`errors[].code`) can carry, with its Arabic message.
//!
//! Like [`crate::Code`], the set is part of the API contract: a code is added
//! here, never spelled as a string literal elsewhere, and never renamed. The
//! English message comes from the domain, which knows the specifics; the
//! Arabic one is written here once per code. `{n}` in it stands for the limit
//! the rule names ([`crate::FieldError::with_limit`]).

use serde::{Serialize, Serializer};
use std::fmt;

macro_rules! field_codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal => $arabic:literal, )*) => {
        /// A stable, snake_case machine code of one invalid field.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum FieldCode {
            $( $(#[$doc])* $variant, )*
        }

        impl FieldCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [FieldCode] = &[$(FieldCode::$variant),*];

            /// The code as it appears in problem documents.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(FieldCode::$variant => $text,)*
                }
            }

            /// The Arabic message template (`{n}`: the limit).
            const fn arabic_template(self) -> &'static str {
                match self {
                    $(FieldCode::$variant => $arabic,)*
                }
            }
        }
    };
}

field_codes! {
    // Presence, size and shape.
    Required = "required" => "هذا الحقل مطلوب.",
    TooShort = "too_short" => "يجب ألا يقل طوله عن {n} من الأحرف.",
    TooLong = "too_long" => "يجب ألا يزيد طوله على {n} من الأحرف.",
    /// Too many entries in a list (tags, files, ids).
    TooMany = "too_many" => "العدد أكبر من المسموح به، والحد الأقصى {n}.",
    /// The same entry listed twice.
    Duplicate = "duplicate" => "هذا العنصر مكرر.",
    OutOfRange = "out_of_range" => "القيمة خارج النطاق المسموح به.",
    /// A JSON member the request type does not have.
    UnknownField = "unknown_field" => "هذا الحقل غير معروف.",
    /// A JSON value of the wrong type (a string for a number…).
    InvalidType = "invalid_type" => "نوع القيمة غير صحيح.",
    NotSupported = "not_supported" => "هذه القيمة غير مدعومة هنا.",

    // Text people type.
    InvalidCharacters = "invalid_characters" => "يحتوي على رموز تحكم غير مسموح بها.",
    MarkupNotAllowed = "markup_not_allowed" => "يجب أن يكون نصًا عاديًا دون وسوم HTML.",
    UnsafeLink = "unsafe_link" => "يحتوي على رابط غير آمن؛ الروابط المسموح بها روابط الويب فقط.",
    InvalidUrl = "invalid_url" => "الرابط غير صالح.",
    InvalidEmail = "invalid_email" => "يجب أن يكون عنوان بريد إلكتروني صالحًا.",
    InvalidPhone = "invalid_phone" => "يجب أن يحتوي رقم الهاتف على أرقام ومسافات والرموز + - ( ) . فقط.",

    // Passwords.
    PasswordTooShort = "password_too_short" => "يجب ألا يقل طول كلمة المرور عن {n} من الأحرف.",
    PasswordTooLong = "password_too_long" => "يجب ألا يزيد طول كلمة المرور على {n} من الأحرف.",
    PasswordTooWeak = "password_too_weak" => "كلمة المرور ضعيفة: استخدم حروفًا مع أرقام أو رموز، ولا تستخدم بريدك الإلكتروني.",

    // Lists, paging and search.
    InvalidCursor = "invalid_cursor" => "مؤشر الصفحة غير صالح.",
    InvalidQuery = "invalid_query" => "عبارة البحث غير صالحة: اكتب كلمة واحدة على الأقل.",
    InvalidKind = "invalid_kind" => "لا يبحث هذا المسار في هذا النوع.",
    InvalidRange = "invalid_range" => "يجب ألا يكون تاريخ البداية بعد تاريخ النهاية.",

    // Forum, use cases, messaging.
    /// A reply's parent that is not in the topic.
    InvalidParent = "invalid_parent" => "المشاركة الأصلية ليست في هذا الموضوع.",
    /// Replies nested deeper than allowed.
    TooDeep = "too_deep" => "لا تتداخل الردود لأكثر من {n} مستويات.",
    InvalidLatitude = "invalid_latitude" => "يجب أن يكون خط العرض بين ‎-90 و90.",
    InvalidLongitude = "invalid_longitude" => "يجب أن يكون خط الطول بين ‎-180 و180.",
    /// Acting on oneself where that makes no sense (writing to or blocking oneself).
    #[doc(alias = "self")]
    SelfTarget = "self" => "لا يمكنك تنفيذ هذا الإجراء على نفسك.",

    // Files and storage.
    UnknownFile = "unknown_file" => "الملف غير موجود.",
    AlreadyAttached = "already_attached" => "الملف مرفق بمحتوى آخر.",
    NotUploaded = "not_uploaded" => "لم يُرفع محتوى الملف بعد.",
    RejectedFile = "rejected_file" => "رُفض الملف.",
    NotMedia = "not_media" => "يجب أن تكون الوسائط صورًا أو مقاطع فيديو.",
    InvalidKey = "invalid_key" => "مفتاح الملف غير صالح.",
    KeyConflict = "key_conflict" => "مفتاح الملف يتعارض مع ملف آخر.",
    InvalidContentType = "invalid_content_type" => "يجب أن يكون نوع المحتوى من أنواع MIME مثل image/png.",
    InvalidExpiry = "invalid_expiry" => "مدة صلاحية الرابط غير مسموح بها.",
}

impl FieldCode {
    /// The Arabic message, with `limit` in place of `{n}`; a template that
    /// needs a limit it was not given falls back to a general sentence.
    pub fn arabic_message(self, limit: Option<u64>) -> String {
        let template = self.arabic_template();
        match (template.contains("{n}"), limit) {
            (false, _) => template.to_owned(),
            (true, Some(n)) => template.replace("{n}", &n.to_string()),
            (true, None) => "القيمة غير مقبولة.".to_owned(),
        }
    }
}

impl fmt::Display for FieldCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FieldCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl PartialEq<str> for FieldCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for FieldCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl utoipa::PartialSchema for FieldCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::code::string_enum(FieldCode::ALL.iter().map(|c| c.as_str()))
    }
}

impl utoipa::ToSchema for FieldCode {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case_with_arabic_messages() {
        let mut seen = HashSet::new();
        for code in FieldCode::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} is listed twice");
            assert!(
                text.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{text} is not snake_case"
            );
            let arabic = code.arabic_message(Some(7));
            assert!(
                arabic
                    .chars()
                    .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
                "{text} has no Arabic message"
            );
            assert!(!arabic.contains("{n}"), "{text} leaves a placeholder");
        }
    }

    #[test]
    fn limits_fill_the_template() {
        assert_eq!(
            FieldCode::TooLong.arabic_message(Some(200)),
            "يجب ألا يزيد طوله على 200 من الأحرف."
        );
        assert_eq!(
            FieldCode::TooLong.arabic_message(None),
            "القيمة غير مقبولة."
        );
        assert_eq!(
            FieldCode::Required.arabic_message(Some(3)),
            "هذا الحقل مطلوب."
        );
    }

    #[test]
    fn serializes_as_its_text() {
        assert_eq!(
            serde_json::to_string(&FieldCode::SelfTarget)
                .ok()
                .as_deref(),
            Some("\"self\"")
        );
        assert_eq!(FieldCode::TooLong, "too_long");
    }
}
