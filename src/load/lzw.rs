//! A TIFF LZW decoder (TIFF 6.0 section 13: MSB-first codes of 9 to 12 bits that widen one
//! code early, Clear = 256, EndOfInformation = 257) decoding one strip or tile into a buffer.
//!
//! Every table string is a run of bytes already written to the output: the entry made after a
//! code is the previous code's output followed by the first byte of this code's output, and the
//! two sit side by side. So the table holds `(start, length)` pairs into the output, and a code
//! is decoded by one copy from earlier in the buffer. Rasters such as WorldPop's are stored in
//! thousands of small strips; decoding each with a reused table into a reused buffer is several
//! times faster than a general streaming decoder built per strip.

const CLEAR: u32 = 256;
const EOI: u32 = 257;
const FIRST: u32 = 258;
const MAX_CODES: usize = 4096;
/// The output buffer starts with the 256 bytes `0..=255`, so that literal codes are strings
/// in the buffer like every other code.
const LITERALS: usize = 256;

/// A code that is neither a literal, Clear, EndOfInformation nor a table entry made so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidCode(pub u32);

/// A reusable decoder: its table and output buffer are allocated once.
pub(crate) struct Lzw {
    /// Per code: where its string starts in `buf` (low 32 bits) and its length (high 32 bits;
    /// 0 for Clear and EndOfInformation).
    table: Box<[u64; MAX_CODES]>,
    /// The literals, then the output.
    buf: Vec<u8>,
}

impl Default for Lzw {
    fn default() -> Self {
        let mut table = Box::new([0u64; MAX_CODES]);
        for c in 0..LITERALS as u64 {
            table[c as usize] = c | 1 << 32;
        }
        Lzw {
            table,
            buf: (0..=255u8).collect(),
        }
    }
}

impl Lzw {
    /// Decodes `input` until `max` bytes are out, the EndOfInformation code or the end of the
    /// input, and returns the bytes decoded (what goes past `max` is dropped).
    pub(crate) fn decode(&mut self, input: &[u8], max: usize) -> Result<&[u8], InvalidCode> {
        let table = &mut *self.table;
        self.buf.resize(LITERALS + max, 0);
        let out = &mut self.buf[..];
        let end = out.len();
        // Bit reader: the low `bits` bits of `acc` are unread, most significant first.
        let mut acc: u64 = 0;
        let mut bits: u32 = 0;
        let mut i = 0usize;
        let mut width: u32 = 9;
        let mut next: u32 = FIRST;
        let mut pos: usize = LITERALS;
        // The previous code's string (start, length); length 0 right after a Clear.
        let (mut ps, mut pl): (usize, usize) = (0, 0);
        let done = loop {
            if bits < width {
                if let Some(b) = input.get(i..i + 8) {
                    let v = u64::from_be_bytes(b.try_into().expect("8 bytes"));
                    let take = (63 - bits) / 8;
                    acc = (acc << (take * 8)) | (v >> (64 - take * 8));
                    bits += take * 8;
                    i += take as usize;
                } else {
                    while bits < width && i < input.len() {
                        acc = (acc << 8) | u64::from(input[i]);
                        bits += 8;
                        i += 1;
                    }
                    if bits < width {
                        break pos;
                    }
                }
            }
            bits -= width;
            let code = ((acc >> bits) as u32) & ((1 << width) - 1);
            // This code's string is written at `pos`, `l` bytes.
            let l;
            if code < next {
                let e = table[code as usize & (MAX_CODES - 1)];
                let s = e as u32 as usize;
                l = (e >> 32) as usize;
                if l == 0 {
                    if code == CLEAR {
                        width = 9;
                        next = FIRST;
                        pl = 0;
                        continue;
                    }
                    debug_assert_eq!(code, EOI);
                    break pos;
                }
                if l <= 16 && pos + 16 <= end {
                    // Most strings are short: one 16-byte load and store (the string ends at
                    // or before `pos`; the bytes past it are overwritten by what follows).
                    let tmp: [u8; 16] = out[s..s + 16].try_into().expect("16 bytes");
                    out[pos..pos + 16].copy_from_slice(&tmp);
                } else if l <= end - pos {
                    out.copy_within(s..s + l, pos);
                } else {
                    out.copy_within(s..s + (end - pos), pos);
                    break end;
                }
            } else if code == next && pl > 0 && (next as usize) < MAX_CODES {
                // KwKwK: the previous string and its own first byte. The previous string ends
                // where this one starts, so the copy does not overlap.
                l = pl + 1;
                if l > end - pos {
                    out.copy_within(ps..ps + pl.min(end - pos), pos);
                    break end;
                }
                out.copy_within(ps..ps + pl, pos);
                out[pos + pl] = out[ps];
            } else {
                return Err(InvalidCode(code));
            }
            // The new entry: the previous string and this one's first byte, side by side.
            if pl > 0 && (next as usize) < MAX_CODES {
                table[next as usize] = ps as u64 | ((pl as u64 + 1) << 32);
                next += 1;
                // Early change: the width grows one code before the table needs it.
                if next + 1 >= (1 << width) && width < 12 {
                    width += 1;
                }
            }
            ps = pos;
            pl = l;
            pos += l;
        };
        Ok(&self.buf[LITERALS..done])
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Seeded xorshift (the GeoTIFF tests use it too).
    pub(in crate::load) struct Rng(pub u64);
    impl Rng {
        pub(in crate::load) fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        pub(in crate::load) fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn weezl_encode(data: &[u8]) -> Vec<u8> {
        weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8)
            .encode(data)
            .unwrap()
    }

    fn weezl_decode(code: &[u8]) -> Vec<u8> {
        weezl::decode::Decoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8)
            .decode(code)
            .unwrap()
    }

    /// Random data of several kinds: uniform bytes (the table fills up and is cleared many
    /// times), a small alphabet (long strings), long runs (KwKwK codes) and float32 rasters
    /// that are mostly nodata and zeros, as WorldPop's.
    fn sample(rng: &mut Rng, kind: u64) -> Vec<u8> {
        let n = rng.below(40_000) as usize;
        match kind {
            0 => (0..n).map(|_| rng.next() as u8).collect(),
            1 => {
                let k = 1 + rng.below(4);
                (0..n).map(|_| rng.below(k) as u8).collect()
            }
            2 => {
                let mut v = Vec::with_capacity(n);
                while v.len() < n {
                    let b = rng.next() as u8;
                    let run = 1 + rng.below(3000) as usize;
                    v.extend(std::iter::repeat_n(b, run));
                }
                v
            }
            _ => {
                let mut v = Vec::with_capacity(n);
                while v.len() < n {
                    let x: f32 = match rng.below(10) {
                        0..=5 => -99999.0,
                        6 | 7 => 0.0,
                        _ => rng.below(1000) as f32 / 7.0,
                    };
                    v.extend(x.to_le_bytes());
                }
                v
            }
        }
    }

    /// Whatever weezl's TIFF-flavoured encoder writes, this decoder reads back exactly, and
    /// agrees with weezl's decoder; into a shorter buffer it gives the same prefix.
    #[test]
    fn decodes_what_weezl_encodes() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut lzw = Lzw::default();
        let mut kwkwk = 0;
        for round in 0..400 {
            let data = sample(&mut rng, round % 4);
            let code = weezl_encode(&data);
            assert_eq!(weezl_decode(&code), data, "round {round}: weezl round trip");
            let out = lzw.decode(&code, data.len()).unwrap();
            assert!(out == data, "round {round}: {} bytes differ", data.len());
            // Room for more than the data: stops at EndOfInformation.
            let out = lzw.decode(&code, data.len() + 100).unwrap();
            assert!(out == data, "round {round}");
            // Less room: the prefix.
            let cut = rng.below(data.len() as u64 + 1) as usize;
            let out = lzw.decode(&code, cut).unwrap();
            assert!(out == &data[..cut], "round {round} cut {cut}");
            if data.windows(3).any(|w| w[0] == w[1] && w[1] == w[2]) {
                kwkwk += 1;
            }
        }
        assert!(kwkwk > 100);
    }

    /// Hand-made code streams: a literal, a KwKwK code (258 right after its first use is
    /// possible), Clear in the middle, and invalid codes.
    #[test]
    fn kwkwk_clear_and_invalid_codes() {
        // Pack 9-bit codes MSB first.
        let pack = |codes: &[u32]| -> Vec<u8> {
            let mut bits = Vec::new();
            for &c in codes {
                for k in (0..9).rev() {
                    bits.push((c >> k) & 1);
                }
            }
            bits.chunks(8)
                .map(|b| {
                    b.iter()
                        .enumerate()
                        .fold(0u8, |a, (k, &x)| a | ((x as u8) << (7 - k)))
                })
                .collect()
        };
        let mut lzw = Lzw::default();
        // "a", then 258 = "aa" (KwKwK), then 259 = "aaa" (KwKwK), Clear, "b", EOI.
        let code = pack(&[256, 97, 258, 259, 256, 98, 257]);
        assert_eq!(lzw.decode(&code, 64).unwrap(), b"aaaaaab");
        assert_eq!(weezl_decode(&code), b"aaaaaab");
        // Cut inside a KwKwK string and inside a table string.
        assert_eq!(lzw.decode(&code, 2).unwrap(), b"aa");
        assert_eq!(
            lzw.decode(&pack(&[256, 97, 98, 258, 257]), 3).unwrap(),
            b"aba"
        );
        // 259 before 258 exists; 258 right after a Clear.
        assert_eq!(
            lzw.decode(&pack(&[256, 97, 259, 257]), 64),
            Err(InvalidCode(259))
        );
        assert_eq!(
            lzw.decode(&pack(&[256, 97, 256, 258, 257]), 64),
            Err(InvalidCode(258))
        );
    }
}
