//! Seeded mutators for the hostile-input tests (issue 15): byte flips, truncations, deleted and
//! duplicated ranges, and numbers swapped for huge, negative or non-finite ones. Every mutation
//! is a pure function of the seed, so a failing case can be replayed from its label.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

/// A small seeded generator (64-bit LCG, high bits out): reproducible without a dependency.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 ^ (self.0 >> 29)
    }
    /// A value in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Numbers a hostile or broken file may carry in place of a plausible one.
pub const HOSTILE_NUMBERS: &[&str] = &[
    "1e308",
    "-1e308",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "-1",
    "3e38",
    "1e400",
    "99999999999999999999",
    "0",
    "-0",
    "4294967296",
    "2147483647",
    "",
];

/// One mutation of `bytes`, chosen by the generator; returns a label (for replay) and the result.
pub fn mutate(bytes: &[u8], rng: &mut Lcg) -> (String, Vec<u8>) {
    let n = bytes.len().max(1);
    let mut b = bytes.to_vec();
    match rng.below(6) {
        0 => {
            let k = 1 + rng.below(8);
            for _ in 0..k {
                let i = rng.below(n).min(b.len().saturating_sub(1));
                if !b.is_empty() {
                    b[i] ^= 1 << rng.below(8);
                }
            }
            (format!("flip {k} bits"), b)
        }
        1 => {
            let at = rng.below(n);
            b.truncate(at);
            (format!("truncate at {at}"), b)
        }
        2 => {
            let at = rng.below(n);
            let len = 1 + rng.below(64.min(n));
            let end = (at + len).min(b.len());
            b.drain(at.min(end)..end);
            (format!("delete {at}..{end}"), b)
        }
        3 => {
            let at = rng.below(n).min(b.len());
            let len = 1 + rng.below(64.min(n));
            let end = (at + len).min(b.len());
            let piece = b[at..end].to_vec();
            b.splice(at..at, piece);
            (format!("duplicate {at}..{end}"), b)
        }
        4 => {
            // Overwrite 4 or 8 bytes with an extreme little- or big-endian integer (header
            // counts, offsets and sizes in binary formats).
            let at = rng.below(n).min(b.len());
            let v: u64 = [u64::MAX, u32::MAX as u64, 0x7fff_ffff, 0, 1 << 40][rng.below(5)];
            let w = if rng.below(2) == 0 { 4 } else { 8 };
            let bytes_v = if rng.below(2) == 0 {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            };
            for k in 0..w {
                if at + k < b.len() {
                    b[at + k] = bytes_v[k];
                }
            }
            (format!("extreme int at {at}"), b)
        }
        _ => swap_number(bytes, rng),
    }
}

/// Replaces one run of ASCII number characters with a hostile number (text formats).
pub fn swap_number(bytes: &[u8], rng: &mut Lcg) -> (String, Vec<u8>) {
    let is_num = |c: u8| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E');
    let mut runs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let mut s = i;
            while s > 0 && is_num(bytes[s - 1]) {
                s -= 1;
            }
            let mut e = i;
            while e < bytes.len() && is_num(bytes[e]) {
                e += 1;
            }
            runs.push((s, e));
            i = e;
        } else {
            i += 1;
        }
    }
    if runs.is_empty() {
        return ("no number to swap".into(), bytes.to_vec());
    }
    let (s, e) = runs[rng.below(runs.len())];
    let with = HOSTILE_NUMBERS[rng.below(HOSTILE_NUMBERS.len())];
    let mut b = bytes[..s].to_vec();
    b.extend_from_slice(with.as_bytes());
    b.extend_from_slice(&bytes[e..]);
    (format!("number {s}..{e} -> {with:?}"), b)
}

/// Every file below `dir` with its bytes, by relative path (to prove an output folder was left
/// exactly as it was).
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    fn walk(base: &Path, d: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(d) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

/// The fuzz loop of `scripts/fuzz.sh`: runs `one(seed)` for seeds `first, first + 1, …` until
/// `time` has passed; `one` returns whether the input was refused and the finding, if any.
/// Prints `NAME: N runs in S s (seeds …), R refused, F findings` and each finding; returns F.
pub fn fuzz_for(
    name: &str,
    time: std::time::Duration,
    first: u64,
    mut one: impl FnMut(u64) -> (bool, Option<String>),
) -> usize {
    let start = std::time::Instant::now();
    let (mut runs, mut refused, mut findings) = (0u64, 0u64, Vec::new());
    let mut seed = first;
    while start.elapsed() < time {
        let (r, finding) = one(seed);
        runs += 1;
        refused += r as u64;
        findings.extend(finding);
        seed += 1;
    }
    println!(
        "{name}: {runs} runs in {:.0} s (seeds {first}..{seed}), {refused} refused, {} findings",
        start.elapsed().as_secs_f64(),
        findings.len()
    );
    for f in &findings {
        println!("  {f}");
    }
    findings.len()
}
