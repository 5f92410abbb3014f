//! Shamos–Hoey sweep (issue 15): decides in O(n log n), with exact orientation tests, whether
//! segments meet only at shared endpoints, as the edges of simple rings do. Then the meeting
//! pairs are just the pairs sharing an endpoint, found by sorting endpoints; a many-vertex
//! simple outline (a star of long spikes packed within float resolution of each other, which
//! defeats every box or cell search) is checked without looking at box-overlapping pairs.
//!
//! The status (segments crossing the sweep line, bottom to top) is a `BTreeSet` ordered at the
//! current event point, held in a thread-local: every comparison involves the segment being
//! inserted or removed, which has the event point as an endpoint. The sweep line is tilted
//! infinitesimally (events in lexicographic (x, y) order), so vertical segments need no special
//! case. Any tie (an event point on another segment's inside, collinear segments at a shared
//! endpoint) means the segments meet elsewhere than at shared endpoints: the sweep stops and
//! answers `false`.

use super::segments::{meet, orient, Meet, P};
use std::cell::Cell;
use std::cmp::Ordering;
use std::collections::BTreeSet;

thread_local! {
    /// The current event point, and whether a comparison found a tie.
    static EVENT: Cell<P> = const { Cell::new([0.0, 0.0]) };
    static TIED: Cell<bool> = const { Cell::new(false) };
}

/// A segment in the status: left (lexicographically smaller) and right endpoints.
#[derive(Clone, Copy)]
struct Active {
    l: P,
    r: P,
    id: u32,
}

impl Active {
    /// Order of `self` against `u` near the event point `e`, which must be an endpoint of
    /// `self`. `None` on a tie.
    fn against(&self, u: &Active, e: P) -> Option<Ordering> {
        let o = if e == self.l && e == u.l {
            orient(u.l, u.r, self.r)
        } else if e == self.r && e == u.r {
            orient(u.l, u.r, self.l)
        } else if e == u.l || e == u.r {
            0.0
        } else {
            orient(u.l, u.r, e)
        };
        o.partial_cmp(&0.0).filter(|c| *c != Ordering::Equal)
    }
}

impl Ord for Active {
    fn cmp(&self, u: &Active) -> Ordering {
        if self.id == u.id {
            return Ordering::Equal;
        }
        let e = EVENT.with(Cell::get);
        let c = if e == self.l || e == self.r {
            self.against(u, e)
        } else if e == u.l || e == u.r {
            u.against(self, e).map(Ordering::reverse)
        } else {
            None
        };
        c.unwrap_or_else(|| {
            TIED.with(|t| t.set(true));
            self.id.cmp(&u.id)
        })
    }
}

impl PartialOrd for Active {
    fn partial_cmp(&self, u: &Active) -> Option<Ordering> {
        Some(self.cmp(u))
    }
}

impl PartialEq for Active {
    fn eq(&self, u: &Active) -> bool {
        self.id == u.id
    }
}

impl Eq for Active {}

fn lex(a: &P, b: &P) -> Ordering {
    a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1]))
}

/// Whether `a` and `b` meet only at an endpoint they share (or not at all).
fn endpoint_touch_only(a: &Active, b: &Active) -> bool {
    match meet(a.l, a.r, b.l, b.r) {
        Meet::None => true,
        Meet::Touch => a.l == b.l || a.l == b.r || a.r == b.l || a.r == b.r,
        _ => false,
    }
}

/// Whether no two of the segments (none of zero length, no NaN) meet except at endpoints
/// they share.
pub fn only_endpoints_shared(segs: &[[P; 2]]) -> bool {
    if segs
        .iter()
        .any(|s| s[0] == s[1] || s.iter().flatten().any(|v| !v.is_finite()))
    {
        return false;
    }
    let active: Vec<Active> = segs
        .iter()
        .enumerate()
        .map(|(id, s)| {
            let (l, r) = if lex(&s[0], &s[1]) == Ordering::Greater {
                (s[1], s[0])
            } else {
                (s[0], s[1])
            };
            Active {
                l,
                r,
                id: id as u32,
            }
        })
        .collect();
    // Events: at each point, segments ending there (0) before segments starting there (1).
    let mut events: Vec<(P, u8, u32)> = Vec::with_capacity(2 * segs.len());
    for a in &active {
        events.push((a.l, 1, a.id));
        events.push((a.r, 0, a.id));
    }
    events.sort_unstable_by(|x, y| lex(&x.0, &y.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    TIED.with(|t| t.set(false));
    let mut status: BTreeSet<Active> = BTreeSet::new();
    for (p, starts, id) in events {
        EVENT.with(|e| e.set(p));
        let s = &active[id as usize];
        let below = status.range(..s).next_back().copied();
        let above = status.range(s..).find(|u| u.id != s.id).copied();
        let ok = if starts == 1 {
            status.insert(*s);
            [below, above]
                .iter()
                .flatten()
                .all(|u| endpoint_touch_only(s, u))
        } else {
            status.remove(s);
            match (below, above) {
                (Some(b), Some(a)) => endpoint_touch_only(&b, &a),
                _ => true,
            }
        };
        if !ok || TIED.with(Cell::get) {
            return false;
        }
    }
    true
}

/// Every pair `(i, j, how)`, `i < j`, of segments sharing an endpoint, each once, with how
/// they meet; `None` when some such pair overlaps (then they meet beyond the endpoint).
pub fn endpoint_pairs(segs: &[[P; 2]]) -> Option<Vec<(u32, u32, Meet)>> {
    let mut ends: Vec<(P, u32)> = Vec::with_capacity(2 * segs.len());
    for (k, s) in segs.iter().enumerate() {
        ends.push((s[0], k as u32));
        ends.push((s[1], k as u32));
    }
    ends.sort_unstable_by(|x, y| lex(&x.0, &y.0).then(x.1.cmp(&y.1)));
    let mut found = Vec::new();
    for group in ends.chunk_by(|x, y| x.0 == y.0) {
        for (k, &(_, i)) in group.iter().enumerate() {
            for &(_, j) in &group[k + 1..] {
                let (a, b) = (i.min(j), i.max(j));
                match meet(
                    segs[a as usize][0],
                    segs[a as usize][1],
                    segs[b as usize][0],
                    segs[b as usize][1],
                ) {
                    Meet::Touch => found.push((a, b, Meet::Touch)),
                    _ => return None,
                }
            }
        }
    }
    found.sort_unstable_by_key(|&(i, j, _)| (i, j));
    found.dedup_by_key(|&mut (i, j, _)| (i, j));
    Some(found)
}
