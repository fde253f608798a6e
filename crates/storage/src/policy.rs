//! The upload content policy: which kinds of files are accepted, how large
//! each kind may be, and whether the content matches the declared type.
//! Pure functions; the files API calls them before streaming to a store.

use crate::sniff::{SniffedType, sniff};
use p2p_kernel::DomainError;

/// One mebibyte.
pub const MIB: u64 = 1024 * 1024;

/// The kinds of files the platform accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// PNG, JPEG, GIF, WebP.
    Image,
    /// PDF.
    Pdf,
    /// Word, Excel, PowerPoint (OOXML and legacy binary formats).
    Office,
    /// MP4, QuickTime, WebM.
    Video,
}

impl FileKind {
    /// A lowercase name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Pdf => "pdf",
            Self::Office => "office document",
            Self::Video => "video",
        }
    }
}

/// Which kinds are allowed and the largest size of each, in bytes (`None`:
/// that kind is refused). `Default` allows everything: images 10 MiB, PDF and
/// office documents 25 MiB, videos 200 MiB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadPolicy {
    /// Largest image, or `None` to refuse images.
    pub image_max: Option<u64>,
    /// Largest PDF, or `None` to refuse PDFs.
    pub pdf_max: Option<u64>,
    /// Largest office document, or `None` to refuse them.
    pub office_max: Option<u64>,
    /// Largest video, or `None` to refuse videos.
    pub video_max: Option<u64>,
}

impl Default for UploadPolicy {
    fn default() -> Self {
        Self {
            image_max: Some(10 * MIB),
            pdf_max: Some(25 * MIB),
            office_max: Some(25 * MIB),
            video_max: Some(200 * MIB),
        }
    }
}

/// What the policy accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AcceptedUpload {
    /// The canonical MIME type to store the file with.
    pub content_type: &'static str,
    /// The file's kind.
    pub kind: FileKind,
    /// The most bytes this upload may have: stream the body through
    /// [`crate::limit_body`] with it when the size was not known up front.
    pub max_size: u64,
}

struct KnownType {
    /// Accepted spellings; the first is canonical.
    names: &'static [&'static str],
    kind: FileKind,
    /// The contents that may carry this type.
    content: &'static [SniffedType],
}

const OOXML_WORD: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const OOXML_EXCEL: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const OOXML_POWERPOINT: &str =
    "application/vnd.openxmlformats-officedocument.presentationml.presentation";

const KNOWN_TYPES: &[KnownType] = &[
    KnownType {
        names: &["image/png"],
        kind: FileKind::Image,
        content: &[SniffedType::Png],
    },
    KnownType {
        names: &["image/jpeg", "image/jpg", "image/pjpeg"],
        kind: FileKind::Image,
        content: &[SniffedType::Jpeg],
    },
    KnownType {
        names: &["image/gif"],
        kind: FileKind::Image,
        content: &[SniffedType::Gif],
    },
    KnownType {
        names: &["image/webp"],
        kind: FileKind::Image,
        content: &[SniffedType::WebP],
    },
    KnownType {
        names: &["application/pdf"],
        kind: FileKind::Pdf,
        content: &[SniffedType::Pdf],
    },
    KnownType {
        names: &[OOXML_WORD],
        kind: FileKind::Office,
        content: &[SniffedType::Zip],
    },
    KnownType {
        names: &[OOXML_EXCEL],
        kind: FileKind::Office,
        content: &[SniffedType::Zip],
    },
    KnownType {
        names: &[OOXML_POWERPOINT],
        kind: FileKind::Office,
        content: &[SniffedType::Zip],
    },
    KnownType {
        names: &["application/msword"],
        kind: FileKind::Office,
        content: &[SniffedType::Ole2],
    },
    KnownType {
        names: &["application/vnd.ms-excel"],
        kind: FileKind::Office,
        content: &[SniffedType::Ole2],
    },
    KnownType {
        names: &["application/vnd.ms-powerpoint"],
        kind: FileKind::Office,
        content: &[SniffedType::Ole2],
    },
    // MP4 and QuickTime share the ISO container and are routinely mislabelled.
    KnownType {
        names: &["video/mp4"],
        kind: FileKind::Video,
        content: &[SniffedType::Mp4, SniffedType::QuickTime],
    },
    KnownType {
        names: &["video/quicktime"],
        kind: FileKind::Video,
        content: &[SniffedType::QuickTime, SniffedType::Mp4],
    },
    KnownType {
        names: &["video/webm"],
        kind: FileKind::Video,
        content: &[SniffedType::WebM],
    },
];

/// Declared types that say nothing about the content.
const GENERIC_TYPES: &[&str] = &["", "application/octet-stream", "binary/octet-stream"];

/// `Image/PNG; charset=x` → `image/png`.
fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn known(essence: &str) -> Option<&'static KnownType> {
    KNOWN_TYPES.iter().find(|t| t.names.contains(&essence))
}

fn known_for_content(sniffed: SniffedType) -> Option<&'static KnownType> {
    // Containers (ZIP, OLE2) do not say which document they hold.
    KNOWN_TYPES
        .iter()
        .find(|t| t.content.first() == Some(&sniffed) && t.names[0] == sniffed.mime())
}

fn unsupported(detail: impl Into<String>) -> DomainError {
    DomainError::unsupported_media_type(detail)
}

impl UploadPolicy {
    /// Only images, up to `max` bytes (avatars).
    pub fn images_only(max: u64) -> Self {
        Self {
            image_max: Some(max),
            pdf_max: None,
            office_max: None,
            video_max: None,
        }
    }

    /// Per accepted kind, the declared types naming it and its size limit:
    /// what [`UploadPolicy::check_declared`] accepts (types in lower case,
    /// without parameters).
    pub fn declarable(&self) -> Vec<(Vec<&'static str>, u64)> {
        [
            FileKind::Image,
            FileKind::Pdf,
            FileKind::Office,
            FileKind::Video,
        ]
        .into_iter()
        .filter_map(|kind| {
            let names = KNOWN_TYPES
                .iter()
                .filter(|t| t.kind == kind)
                .flat_map(|t| t.names.iter().copied())
                .collect();
            Some((names, self.limit_for(kind)?))
        })
        .collect()
    }

    /// The size limit of `kind`, or `None` when the kind is refused.
    pub fn limit_for(&self, kind: FileKind) -> Option<u64> {
        match kind {
            FileKind::Image => self.image_max,
            FileKind::Pdf => self.pdf_max,
            FileKind::Office => self.office_max,
            FileKind::Video => self.video_max,
        }
    }

    /// The largest size any accepted file may have (0 when nothing is
    /// accepted): a bound for reading a body before its type is known.
    pub fn largest_limit(&self) -> u64 {
        [
            self.image_max,
            self.pdf_max,
            self.office_max,
            self.video_max,
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(0)
    }

    /// The canonical content types this policy accepts (for documentation and
    /// error messages).
    pub fn accepted_content_types(&self) -> Vec<&'static str> {
        KNOWN_TYPES
            .iter()
            .filter(|t| self.limit_for(t.kind).is_some())
            .map(|t| t.names[0])
            .collect()
    }

    /// Checks an upload announced before any byte is seen (presigned upload):
    /// the declared type must be accepted (415 `unsupported_media_type`) and
    /// `size` within its kind's limit (413 `payload_too_large`).
    pub fn check_declared(&self, declared: &str, size: u64) -> Result<AcceptedUpload, DomainError> {
        let essence = essence(declared);
        let known = known(&essence)
            .ok_or_else(|| unsupported(format!("files of type {essence:?} are not accepted")))?;
        self.accept(known, Some(size))
    }

    /// Checks an upload from its first bytes (`head`, at least
    /// [`crate::SNIFF_LEN`] of them unless the file is shorter): the content
    /// must be of an accepted type and agree with `declared` (a generic
    /// declared type such as `application/octet-stream`, or none, lets the
    /// content decide, except for office documents whose container is
    /// ambiguous); `size`, when known, must be within the kind's limit.
    pub fn check_content(
        &self,
        declared: Option<&str>,
        head: &[u8],
        size: Option<u64>,
    ) -> Result<AcceptedUpload, DomainError> {
        let sniffed = sniff(head)
            .ok_or_else(|| unsupported("the file's content is not of an accepted type"))?;
        let declared = essence(declared.unwrap_or_default());
        let known = if GENERIC_TYPES.contains(&declared.as_str()) {
            known_for_content(sniffed).ok_or_else(|| {
                unsupported("declare the file's content type (office documents need it)")
            })?
        } else {
            known(&declared).ok_or_else(|| {
                unsupported(format!("files of type {declared:?} are not accepted"))
            })?
        };
        if !known.content.contains(&sniffed) {
            return Err(unsupported(format!(
                "the file's content ({}) does not match its declared type {declared:?}",
                sniffed.mime()
            )));
        }
        self.accept(known, size)
    }

    fn accept(&self, known: &KnownType, size: Option<u64>) -> Result<AcceptedUpload, DomainError> {
        let kind = known.kind;
        let max_size = self
            .limit_for(kind)
            .ok_or_else(|| unsupported(format!("{} files are not accepted here", kind.name())))?;
        if let Some(size) = size.filter(|s| *s > max_size) {
            return Err(DomainError::payload_too_large(format!(
                "{} files may be at most {} bytes, this one has {size}",
                kind.name(),
                max_size
            )));
        }
        Ok(AcceptedUpload {
            content_type: known.names[0],
            kind,
            max_size,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p2p_kernel::{ErrorCode, ErrorKind};

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const JPEG: &[u8] = b"\xff\xd8\xff\xe0\0\x10JFIF";
    const PDF: &[u8] = b"%PDF-1.4\n";
    const ZIP: &[u8] = b"PK\x03\x04\x14\0\x06\0";
    const OLE2: &[u8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0";
    const MOV: &[u8] = b"\0\0\0\x14ftypqt  \0\0\0\0";
    const MP4: &[u8] = b"\0\0\0\x18ftypisom\0\0\x02\0";

    fn kind_of<T: std::fmt::Debug>(r: Result<T, DomainError>) -> ErrorKind {
        match r {
            Ok(v) => panic!("expected an error, got {v:?}"),
            Err(e) => {
                let kind = e.kind();
                assert_eq!(e.code(), kind.default_code());
                kind
            }
        }
    }

    #[test]
    fn defaults() {
        let p = UploadPolicy::default();
        assert_eq!(p.limit_for(FileKind::Image), Some(10 * MIB));
        assert_eq!(p.limit_for(FileKind::Pdf), Some(25 * MIB));
        assert_eq!(p.limit_for(FileKind::Office), Some(25 * MIB));
        assert_eq!(p.limit_for(FileKind::Video), Some(200 * MIB));
        assert_eq!(p.largest_limit(), 200 * MIB);
        assert_eq!(p.accepted_content_types().len(), KNOWN_TYPES.len());
    }

    #[test]
    fn matching_content_is_accepted_with_canonical_type() {
        let p = UploadPolicy::default();
        let a = p.check_content(Some("image/PNG"), PNG, Some(1000)).ok();
        assert_eq!(
            a.map(|a| (a.content_type, a.kind)),
            Some(("image/png", FileKind::Image))
        );
        let a = p.check_content(Some("image/jpg"), JPEG, None).ok();
        assert_eq!(a.map(|a| a.content_type), Some("image/jpeg"));
        let a = p
            .check_content(Some("application/pdf; x=y"), PDF, None)
            .ok();
        assert_eq!(
            a.map(|a| (a.kind, a.max_size)),
            Some((FileKind::Pdf, 25 * MIB))
        );
        let a = p.check_content(Some(OOXML_WORD), ZIP, None).ok();
        assert_eq!(
            a.map(|a| (a.content_type, a.kind)),
            Some((OOXML_WORD, FileKind::Office))
        );
        let a = p
            .check_content(Some("application/vnd.ms-excel"), OLE2, None)
            .ok();
        assert_eq!(a.map(|a| a.kind), Some(FileKind::Office));
        let a = p.check_content(Some("video/mp4"), MOV, None).ok();
        assert_eq!(
            a.map(|a| a.content_type),
            Some("video/mp4"),
            "mp4/mov are interchangeable"
        );
        let a = p.check_content(Some("video/quicktime"), MP4, None).ok();
        assert_eq!(a.map(|a| a.content_type), Some("video/quicktime"));
    }

    #[test]
    fn generic_declared_type_lets_content_decide() {
        let p = UploadPolicy::default();
        let a = p
            .check_content(Some("application/octet-stream"), PNG, None)
            .ok();
        assert_eq!(a.map(|a| a.content_type), Some("image/png"));
        let a = p.check_content(None, MOV, None).ok();
        assert_eq!(a.map(|a| a.content_type), Some("video/quicktime"));
        assert_eq!(
            kind_of(p.check_content(None, ZIP, None)),
            ErrorKind::UnsupportedMediaType,
            "a bare ZIP is no office document"
        );
        assert_eq!(
            kind_of(p.check_content(None, OLE2, None)),
            ErrorKind::UnsupportedMediaType
        );
    }

    #[test]
    fn contradictions_and_unknown_content_are_415() {
        let p = UploadPolicy::default();
        let cases: [(&str, &[u8]); 6] = [
            ("image/png", JPEG),
            ("application/pdf", PNG),
            (OOXML_WORD, OLE2),
            ("application/msword", ZIP),
            ("image/png", b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            ("text/html", b"<html>"),
        ];
        for (declared, head) in cases {
            let kind = kind_of(p.check_content(Some(declared), head, None));
            assert_eq!(kind, ErrorKind::UnsupportedMediaType, "{declared}");
            assert_eq!(kind.status(), 415);
        }
        assert_eq!(
            kind_of(p.check_content(Some("application/zip"), ZIP, None)),
            ErrorKind::UnsupportedMediaType,
            "plain archives are not on the allow-list"
        );
    }

    #[test]
    fn kinds_outside_the_policy_are_415() {
        let avatars = UploadPolicy::images_only(2 * MIB);
        assert!(
            avatars
                .check_content(Some("image/png"), PNG, Some(MIB))
                .is_ok()
        );
        assert_eq!(
            kind_of(avatars.check_content(Some("application/pdf"), PDF, Some(10))),
            ErrorKind::UnsupportedMediaType
        );
        assert_eq!(
            kind_of(avatars.check_declared("video/mp4", 10)),
            ErrorKind::UnsupportedMediaType
        );
        assert_eq!(avatars.accepted_content_types().len(), 4);
    }

    #[test]
    fn sizes_over_the_kind_limit_are_413() {
        let p = UploadPolicy::default();
        assert!(
            p.check_content(Some("image/png"), PNG, Some(10 * MIB))
                .is_ok()
        );
        let kind = kind_of(p.check_content(Some("image/png"), PNG, Some(10 * MIB + 1)));
        assert_eq!(kind, ErrorKind::PayloadTooLarge);
        assert_eq!(kind.status(), 413);
        assert!(p.check_declared("video/webm", 200 * MIB).is_ok());
        assert_eq!(
            kind_of(p.check_declared("video/webm", 200 * MIB + 1)),
            ErrorKind::PayloadTooLarge
        );
        assert_eq!(
            kind_of(p.check_declared(OOXML_EXCEL, 26 * MIB)),
            ErrorKind::PayloadTooLarge
        );
    }

    #[test]
    fn declared_checks_refuse_unknown_and_generic_types() {
        let p = UploadPolicy::default();
        let ok = p.check_declared("application/vnd.ms-powerpoint", 1).ok();
        assert_eq!(ok.map(|a| a.kind), Some(FileKind::Office));
        for declared in [
            "application/octet-stream",
            "",
            "image/svg+xml",
            "text/plain",
        ] {
            assert_eq!(
                kind_of(p.check_declared(declared, 1)),
                ErrorKind::UnsupportedMediaType,
                "{declared:?}"
            );
        }
    }
}
