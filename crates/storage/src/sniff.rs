//! Content sniffing: recognise a file's type from its first bytes (magic
//! numbers) instead of trusting the name or the declared type.

/// How many leading bytes [`sniff`] looks at; reading this many (or the whole
/// file, if shorter) is always enough.
pub const SNIFF_LEN: usize = 512;

/// A file type recognised from its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SniffedType {
    /// PNG image.
    Png,
    /// JPEG image.
    Jpeg,
    /// GIF image (87a or 89a).
    Gif,
    /// WebP image (RIFF container).
    WebP,
    /// PDF document.
    Pdf,
    /// A ZIP archive: the container of docx/xlsx/pptx (and of plain archives).
    Zip,
    /// An OLE2 compound file: the container of legacy doc/xls/ppt.
    Ole2,
    /// ISO base media file with a video brand (MP4 and relatives).
    Mp4,
    /// QuickTime movie (`ftyp` brand `qt  `).
    QuickTime,
    /// WebM video (EBML with doc type `webm`).
    WebM,
}

impl SniffedType {
    /// The MIME type this content is, or for containers (ZIP, OLE2) the type
    /// of the container itself.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Gif => "image/gif",
            Self::WebP => "image/webp",
            Self::Pdf => "application/pdf",
            Self::Zip => "application/zip",
            Self::Ole2 => "application/x-ole-storage",
            Self::Mp4 => "video/mp4",
            Self::QuickTime => "video/quicktime",
            Self::WebM => "video/webm",
        }
    }
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
const JPEG: &[u8] = b"\xff\xd8\xff";
const GIF87: &[u8] = b"GIF87a";
const GIF89: &[u8] = b"GIF89a";
const PDF: &[u8] = b"%PDF-";
const ZIP: &[u8] = b"PK\x03\x04";
const OLE2: &[u8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";
const EBML: &[u8] = b"\x1a\x45\xdf\xa3";
const EBML_DOC_TYPE: &[u8] = b"\x42\x82";

/// `ftyp` major brands that are still images or audio, not video.
const NON_VIDEO_BRANDS: &[&[u8; 4]] = &[
    b"avif", b"avis", b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1",
    b"M4A ", b"M4B ", b"M4P ",
];

/// Recognises the type of a file from its first bytes (give at least
/// [`SNIFF_LEN`] of them when the file is that long). `None` when the content
/// matches none of the known types.
pub fn sniff(head: &[u8]) -> Option<SniffedType> {
    let table: [(&[u8], SniffedType); 7] = [
        (PNG, SniffedType::Png),
        (JPEG, SniffedType::Jpeg),
        (GIF87, SniffedType::Gif),
        (GIF89, SniffedType::Gif),
        (PDF, SniffedType::Pdf),
        (ZIP, SniffedType::Zip),
        (OLE2, SniffedType::Ole2),
    ];
    if let Some((_, ty)) = table.iter().find(|(magic, _)| head.starts_with(magic)) {
        return Some(*ty);
    }
    if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some(SniffedType::WebP);
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return iso_media(&head[8..12]);
    }
    if head.starts_with(EBML) && ebml_doc_type(head) == Some(b"webm".as_slice()) {
        return Some(SniffedType::WebM);
    }
    None
}

fn iso_media(major_brand: &[u8]) -> Option<SniffedType> {
    if NON_VIDEO_BRANDS.iter().any(|b| b.as_slice() == major_brand) {
        None
    } else if major_brand == b"qt  " {
        Some(SniffedType::QuickTime)
    } else {
        Some(SniffedType::Mp4)
    }
}

/// The value of the EBML header's DocType element, if it is in `head`.
fn ebml_doc_type(head: &[u8]) -> Option<&[u8]> {
    let at = head
        .windows(EBML_DOC_TYPE.len())
        .position(|w| w == EBML_DOC_TYPE)?;
    let rest = &head[at + EBML_DOC_TYPE.len()..];
    let (len, width) = ebml_vint(rest)?;
    rest.get(width..width.checked_add(len)?)
}

/// Decodes an EBML variable-length integer: (value, bytes used).
fn ebml_vint(bytes: &[u8]) -> Option<(usize, usize)> {
    let first = *bytes.first()?;
    let width = first.leading_zeros() as usize + 1;
    if width > 8 {
        return None;
    }
    let mut value = u64::from(first & (0xffu8 >> width));
    for byte in bytes.get(1..width)? {
        value = (value << 8) | u64::from(*byte);
    }
    Some((usize::try_from(value).ok()?, width))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_tail(magic: &[u8]) -> Vec<u8> {
        let mut v = magic.to_vec();
        v.extend_from_slice(&[0u8; 32]);
        v
    }

    fn ftyp(brand: &[u8; 4]) -> Vec<u8> {
        let mut v = vec![0, 0, 0, 0x20];
        v.extend_from_slice(b"ftyp");
        v.extend_from_slice(brand);
        v.extend_from_slice(&[0, 0, 0, 0]);
        v
    }

    fn ebml(doc_type: &[u8]) -> Vec<u8> {
        let mut v = EBML.to_vec();
        v.push(0x9f); // header size
        v.extend_from_slice(&[0x42, 0x86, 0x81, 0x01]); // EBMLVersion 1
        v.extend_from_slice(EBML_DOC_TYPE);
        v.push(0x80 | u8::try_from(doc_type.len()).unwrap_or(0));
        v.extend_from_slice(doc_type);
        v
    }

    #[test]
    fn images() {
        assert_eq!(sniff(&with_tail(PNG)), Some(SniffedType::Png));
        assert_eq!(
            sniff(&with_tail(b"\xff\xd8\xff\xe0")),
            Some(SniffedType::Jpeg)
        );
        assert_eq!(sniff(&with_tail(GIF87)), Some(SniffedType::Gif));
        assert_eq!(sniff(&with_tail(GIF89)), Some(SniffedType::Gif));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some(SniffedType::WebP));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WAVEfmt "), None, "a WAV is not WebP");
    }

    #[test]
    fn documents() {
        assert_eq!(sniff(b"%PDF-1.7\n%\xe2\xe3"), Some(SniffedType::Pdf));
        assert_eq!(
            sniff(&with_tail(b"PK\x03\x04\x14\0")),
            Some(SniffedType::Zip)
        );
        assert_eq!(sniff(&with_tail(OLE2)), Some(SniffedType::Ole2));
        assert_eq!(
            sniff(b"PK\x05\x06"),
            None,
            "an empty archive is no document"
        );
    }

    #[test]
    fn videos() {
        assert_eq!(sniff(&ftyp(b"isom")), Some(SniffedType::Mp4));
        assert_eq!(sniff(&ftyp(b"mp42")), Some(SniffedType::Mp4));
        assert_eq!(sniff(&ftyp(b"qt  ")), Some(SniffedType::QuickTime));
        assert_eq!(sniff(&ftyp(b"heic")), None, "HEIC is an image container");
        assert_eq!(sniff(&ftyp(b"avif")), None);
        assert_eq!(sniff(&ftyp(b"M4A ")), None, "audio");
        assert_eq!(sniff(&ebml(b"webm")), Some(SniffedType::WebM));
        assert_eq!(sniff(&ebml(b"matroska")), None, "Matroska is not allowed");
    }

    #[test]
    fn unknown_and_truncated() {
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"\x89PN"), None);
        assert_eq!(sniff(b"<html><script>"), None);
        assert_eq!(sniff(b"MZ\x90\0"), None, "executables are unknown");
        assert_eq!(sniff(b"\0\0\0\x20ftyp"), None, "truncated ftyp box");
        assert_eq!(sniff(EBML), None);
        assert_eq!(sniff(b"\x1a\x45\xdf\xa3\x9f\x42\x82\x88web"), None);
    }

    #[test]
    fn ebml_vints() {
        assert_eq!(ebml_vint(&[0x84]), Some((4, 1)));
        assert_eq!(ebml_vint(&[0x40, 0x04]), Some((4, 2)));
        assert_eq!(ebml_vint(&[0x10, 0, 0, 4]), Some((4, 4)));
        assert_eq!(ebml_vint(&[0x00]), None);
        assert_eq!(ebml_vint(&[0x40]), None, "truncated");
    }
}
