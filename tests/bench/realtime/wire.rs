//! The WebSocket wire format (RFC 6455) as far as the realtime bench needs
//! it, on plain sockets: frame headers, masking, and a per-socket decoder.
//! Shared by the lean client (`lean`) and the minimal fan-out server
//! (`floor`), which both skip everything a general library does and these
//! runs do not need (extensions, fragmentation, validation beyond the frame
//! boundaries), so that the bench's own costs stay small next to the
//! server's.

/// Text frame.
pub const TEXT: u8 = 0x1;
/// Connection close.
pub const CLOSE: u8 = 0x8;
/// Ping.
pub const PING: u8 = 0x9;
/// Pong.
pub const PONG: u8 = 0xA;

/// A complete, unfragmented frame with `payload`, masked with `mask` when
/// given (a client's frames must be, a server's must not).
pub fn encode(opcode: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
    let mut frame = Vec::with_capacity(payload.len() + 14);
    frame.push(0x80 | opcode);
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        len @ 0..=125 => frame.push(mask_bit | len as u8),
        len @ 126..=0xFFFF => {
            frame.push(mask_bit | 126);
            frame.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            frame.push(mask_bit | 127);
            frame.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    match mask {
        Some(key) => {
            frame.extend_from_slice(&key);
            frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        }
        None => frame.extend_from_slice(payload),
    }
    frame
}

/// The length of the frame at the start of `bytes` (header and payload)
/// with the offset of its payload and its mask, or `None` while incomplete.
fn frame_bounds(bytes: &[u8]) -> Option<(usize, usize, Option<[u8; 4]>)> {
    let second = *bytes.get(1)?;
    let (len, mut header) = match second & 0x7F {
        126 => (
            u16::from_be_bytes(bytes.get(2..4)?.try_into().ok()?) as usize,
            4,
        ),
        127 => (
            usize::try_from(u64::from_be_bytes(bytes.get(2..10)?.try_into().ok()?)).ok()?,
            10,
        ),
        len => (len as usize, 2),
    };
    let mask = if second & 0x80 != 0 {
        let key: [u8; 4] = bytes.get(header..header + 4)?.try_into().ok()?;
        header += 4;
        Some(key)
    } else {
        None
    };
    (bytes.len() >= header + len).then_some((header + len, header, mask))
}

/// Hands `on_frame` each complete frame at the start of `bytes` (opcode,
/// unmasked payload); returns the bytes used.
fn decode_frames(bytes: &mut [u8], on_frame: &mut impl FnMut(u8, &[u8])) -> usize {
    let mut used = 0;
    while let Some((len, header, mask)) = frame_bounds(&bytes[used..]) {
        let frame = &mut bytes[used..used + len];
        let opcode = frame[0] & 0x0F;
        let payload = &mut frame[header..];
        if let Some(key) = mask {
            payload
                .iter_mut()
                .enumerate()
                .for_each(|(i, b)| *b ^= key[i % 4]);
        }
        on_frame(opcode, payload);
        used += len;
    }
    used
}

/// Splits the bytes of one socket into frames. Whole frames are decoded
/// where they were read; only a frame split across reads is copied (and
/// held until its rest arrives), so an idle socket holds no buffer.
#[derive(Default)]
pub struct Decoder {
    pending: Vec<u8>,
}

impl Decoder {
    /// Hands `on_frame` each frame completed by `bytes` (just read, after
    /// any held tail): its opcode and unmasked payload.
    pub fn decode(&mut self, bytes: &mut [u8], mut on_frame: impl FnMut(u8, &[u8])) {
        if self.pending.is_empty() {
            let used = decode_frames(bytes, &mut on_frame);
            self.pending.extend_from_slice(&bytes[used..]);
        } else {
            let mut pending = std::mem::take(&mut self.pending);
            pending.extend_from_slice(bytes);
            let used = decode_frames(&mut pending, &mut on_frame);
            pending.drain(..used);
            if !pending.is_empty() {
                self.pending = pending;
            }
        }
    }

    /// Whether no bytes are waiting for the rest of their frame.
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
        let mut frames = Vec::new();
        Decoder::default().decode(&mut bytes.to_vec(), |opcode, payload| {
            frames.push((opcode, payload.to_vec()))
        });
        frames
    }

    #[test]
    fn frames_round_trip_at_every_length_class() {
        for len in [0, 125, 126, 65_535, 65_536] {
            let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
            for mask in [None, Some([7, 1, 250, 3])] {
                let frame = encode(TEXT, &payload, mask);
                assert_eq!(decode_all(&frame), vec![(TEXT, payload.clone())]);
            }
        }
    }

    #[test]
    fn a_frame_split_across_reads_waits_for_its_rest() {
        let mut bytes = encode(TEXT, b"first", None);
        bytes.extend(encode(PING, b"heartbeat", None));
        let (head, tail) = bytes.split_at(10);
        let mut decoder = Decoder::default();
        let mut frames = Vec::new();
        decoder.decode(&mut head.to_vec(), |op, p| frames.push((op, p.to_vec())));
        assert_eq!(frames, vec![(TEXT, b"first".to_vec())]);
        assert!(!decoder.is_empty());
        decoder.decode(&mut tail.to_vec(), |op, p| frames.push((op, p.to_vec())));
        assert_eq!(frames[1], (PING, b"heartbeat".to_vec()));
        assert!(decoder.is_empty());
    }
}
