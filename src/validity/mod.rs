//! Polygon validity: finding and repairing what GeoJSON, Shapefile and GeoPackage polygons get
//! wrong, one feature at a time.
//!
//! [`repair`] fixes, counting each fix as an [`Issue`]:
//! - **silent repairs** — unclosed rings are closed, consecutive duplicate points dropped,
//!   rings turned to RFC 7946 orientation (shells counter-clockwise, holes clockwise), rings
//!   with fewer than three distinct points and parts without rings dropped;
//! - **structural repairs** — self-intersecting rings (bow-ties, figure-8s, spikes), holes
//!   crossing or outside their shell, holes inside holes and overlapping parts: the feature is
//!   rebuilt as the region covered by an **odd** number of its rings (even-odd rule). This is
//!   what GEOS `MakeValid` does with its default "linework" method (shapely's `make_valid`,
//!   PostGIS `ST_MakeValid`): every edge of every ring is noded against the others, edges that
//!   occur an even number of times cancel, and the faces of the remaining arrangement are
//!   traced into polygons. So a bow-tie becomes two triangles, a spike (`…A B A…`) vanishes, a
//!   hole outside its shell becomes an island and two overlapping parts keep only what they
//!   do not share (GEOS's "structure" method would union the parts instead; we follow the
//!   method planners meet in QGIS and shapely, and the overlap is reported so they can look).
//!   GEOS keeps the collapsed spike as a separate line; a polygon layer drops it (zero area).
//!
//! Topology is computed in the input lon/lat coordinates as planar geometry, as GEOS does, so
//! the results match shapely's. Orientation and on-segment tests are exact (Shewchuk's
//! adaptive predicates, `robust` crate). **Collinear overlapping edges** are noded at each
//! other's endpoints, exactly (those cut points are input vertices), so overlapping pieces
//! become identical edges: within the even-odd rule an edge used twice cancels, one used three
//! times counts once. Only crossing points of properly crossing edges are rounded; noding is
//! repeated until no two edges cross, so the output rings never cross.
//!
//! Areas ([`Repair::area_before`], [`Repair::area_after`]) are in m² on the WGS 84 ellipsoid,
//! see [`area`].

pub mod area;
mod rebuild;
mod segments;
pub(crate) mod strips;
pub(crate) mod sweep;

use crate::load::geojson::Polygon;
use segments::{meeting_pairs, Meet, P};
use std::collections::{HashMap, HashSet};
use std::fmt;
use strips::Located;

/// What is wrong with a ring or part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IssueKind {
    /// The ring's last point differs from its first (closed by repair).
    Unclosed,
    /// Consecutive repeated points (dropped by repair).
    DuplicatePoints,
    /// A shell running clockwise or a hole counter-clockwise (turned by repair).
    WrongOrientation,
    /// A ring with fewer than three distinct points (dropped by repair).
    TooFewPoints,
    /// A part without rings (dropped by repair).
    EmptyPart,
    /// A ring crossing or touching itself (bow-tie, figure-8, spike), or two rings of one part
    /// crossing or sharing an edge (rebuilt by the even-odd rule).
    SelfIntersection,
    /// A hole not inside its shell (becomes an island).
    HoleOutsideShell,
    /// A hole inside another hole of the same part (becomes an island).
    HoleInsideHole,
    /// Two parts crossing, sharing an edge or one inside the other (rebuilt by the even-odd
    /// rule: shared area drops out).
    OverlappingParts,
}

impl IssueKind {
    /// Whether the repair rebuilds the feature's topology (a change of shape the user should
    /// hear about) rather than just tidying its rings.
    pub fn is_structural(self) -> bool {
        matches!(
            self,
            IssueKind::SelfIntersection
                | IssueKind::HoleOutsideShell
                | IssueKind::HoleInsideHole
                | IssueKind::OverlappingParts
        )
    }

    /// Short lower-case name for reports ("self-intersection").
    pub fn name(self) -> &'static str {
        match self {
            IssueKind::Unclosed => "unclosed ring",
            IssueKind::DuplicatePoints => "duplicate points",
            IssueKind::WrongOrientation => "wrong ring orientation",
            IssueKind::TooFewPoints => "ring with too few points",
            IssueKind::EmptyPart => "empty part",
            IssueKind::SelfIntersection => "self-intersection",
            IssueKind::HoleOutsideShell => "hole outside shell",
            IssueKind::HoleInsideHole => "hole inside hole",
            IssueKind::OverlappingParts => "overlapping parts",
        }
    }
}

impl fmt::Display for IssueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One finding in one feature.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// Index of the part (polygon) in the feature's input, from 0.
    pub part: usize,
    /// Index of the ring in that part's input (0 = shell), from 0.
    pub ring: usize,
    /// What is wrong.
    pub kind: IssueKind,
    /// Human-readable detail ("3 repeated points", "crosses itself near 24.97722, 60.23952").
    pub detail: String,
}

/// The result of [`repair`].
#[derive(Debug, Clone)]
pub struct Repair {
    /// Valid polygons: closed rings, shells counter-clockwise, holes clockwise, holes inside
    /// their shell, no crossings, parts not overlapping. Empty when nothing with area remains.
    pub polygons: Vec<Polygon>,
    /// Everything found, in part/ring order (empty for valid input).
    pub issues: Vec<Issue>,
    /// Area of the input in m², read naively as Σ shells − Σ holes after the silent repairs.
    pub area_before: f64,
    /// Area of [`Repair::polygons`] in m².
    pub area_after: f64,
}

impl Repair {
    /// Whether the topology was rebuilt (some issue is [`IssueKind::is_structural`]).
    pub fn rebuilt(&self) -> bool {
        self.issues.iter().any(|i| i.kind.is_structural())
    }
}

/// A ring after the silent repairs: open (no closing repeat), no consecutive duplicates.
struct Clean {
    part: usize,
    ring: usize,
    pts: Vec<P>,
}

/// Closes, de-duplicates and drops degenerate rings; records the silent issues, including
/// input orientation. Returns kept rings grouped by part (shell first when it survived).
fn clean(polys: &[Polygon], issues: &mut Vec<Issue>) -> Vec<Vec<Clean>> {
    let mut parts = Vec::new();
    for (pi, poly) in polys.iter().enumerate() {
        if poly.is_empty() {
            issues.push(issue(
                pi,
                0,
                IssueKind::EmptyPart,
                "part has no rings".into(),
            ));
            continue;
        }
        let mut kept = Vec::new();
        for (ri, ring) in poly.iter().enumerate() {
            let closed = ring.len() >= 2 && ring.first() == ring.last();
            if !ring.is_empty() && !closed {
                issues.push(issue(
                    pi,
                    ri,
                    IssueKind::Unclosed,
                    "ring was not closed".into(),
                ));
            }
            let body = if closed {
                &ring[..ring.len() - 1]
            } else {
                &ring[..]
            };
            let mut pts: Vec<P> = Vec::with_capacity(body.len());
            let mut dups = 0;
            for &p in body {
                if pts.last() == Some(&p) {
                    dups += 1;
                } else {
                    pts.push(p);
                }
            }
            while pts.len() > 1 && pts.first() == pts.last() {
                pts.pop();
                dups += 1;
            }
            if dups > 0 {
                let what = format!("{dups} repeated consecutive point(s) dropped");
                issues.push(issue(pi, ri, IssueKind::DuplicatePoints, what));
            }
            if pts.len() < 3 {
                let what = format!("{} distinct point(s); ring dropped", pts.len());
                issues.push(issue(pi, ri, IssueKind::TooFewPoints, what));
                continue;
            }
            let a = segments::signed_area2(&pts);
            if (ri == 0 && a < 0.0) || (ri > 0 && a > 0.0) {
                let what = if ri == 0 {
                    "shell runs clockwise"
                } else {
                    "hole runs counter-clockwise"
                };
                issues.push(issue(pi, ri, IssueKind::WrongOrientation, what.into()));
            }
            kept.push(Clean {
                part: pi,
                ring: ri,
                pts,
            });
        }
        parts.push(kept);
    }
    parts
}

fn issue(part: usize, ring: usize, kind: IssueKind, detail: String) -> Issue {
    Issue {
        part,
        ring,
        kind,
        detail,
    }
}

/// Finds crossings, self-touches, shared edges, misplaced holes and overlapping parts among
/// the cleaned rings.
fn structure(parts: &[Vec<Clean>], issues: &mut Vec<Issue>) {
    let rings: Vec<&Clean> = parts.iter().flatten().collect();
    let mut segs = Vec::new();
    let mut owner = Vec::new();
    for (g, r) in rings.iter().enumerate() {
        let n = r.pts.len();
        for k in 0..n {
            segs.push([r.pts[k], r.pts[(k + 1) % n]]);
            owner.push((g, k));
        }
    }
    // (ring index, other ring index, kind) -> (count, first location)
    let mut hits: Vec<((usize, usize, IssueKind), usize, P)> = Vec::new();
    let mut first: HashMap<(usize, usize, IssueKind), usize> = HashMap::new();
    for (i, j, m) in meeting_pairs(&segs) {
        let ((gi, ki), (gj, kj)) = (owner[i], owner[j]);
        let [p1, p2] = segs[i];
        let [q1, q2] = segs[j];
        let (ri, rj) = (rings[gi], rings[gj]);
        let kind = if gi == gj {
            let n = ri.pts.len();
            let adjacent = (ki + 1) % n == kj || (kj + 1) % n == ki;
            if adjacent && m != Meet::Overlap {
                continue;
            }
            IssueKind::SelfIntersection
        } else if m == Meet::Touch {
            continue;
        } else if ri.part == rj.part {
            IssueKind::SelfIntersection
        } else {
            IssueKind::OverlappingParts
        };
        let at = match m {
            Meet::Cross(x) => x,
            _ if on_seg_or_end(p1, p2, q1) => q1,
            _ if on_seg_or_end(p1, p2, q2) => q2,
            _ => p1,
        };
        let key = (gi.min(gj), gi.max(gj), kind);
        match first.get(&key) {
            Some(&h) => hits[h].1 += 1,
            None => {
                first.insert(key, hits.len());
                hits.push((key, 1, at));
            }
        }
    }
    for ((a, b, kind), count, at) in hits {
        let (ra, rb) = (rings[a], rings[b]);
        let (part, ring) = if kind == IssueKind::OverlappingParts {
            (rb.part, rb.ring)
        } else {
            (ra.part, ra.ring.max(rb.ring))
        };
        let what = if a == b {
            "ring touches or crosses itself".to_string()
        } else if kind == IssueKind::OverlappingParts {
            format!("crosses or shares an edge with part {}", ra.part)
        } else {
            format!(
                "crosses or shares an edge with ring {}",
                ra.ring.min(rb.ring)
            )
        };
        let detail = format!(
            "{what} at {count} place(s), first near {:.7}, {:.7}",
            at[0], at[1]
        );
        issues.push(issue(part, ring, kind, detail));
    }

    // Holes inside their shell and not inside each other; parts not inside each other.
    let located: Vec<Vec<Located>> = parts
        .iter()
        .map(|p| p.iter().map(|r| Located::new(&r.pts)).collect())
        .collect();
    let crossed: HashSet<(usize, usize)> = issues
        .iter()
        .filter(|i| i.kind == IssueKind::SelfIntersection)
        .map(|i| (i.part, i.ring))
        .collect();
    for (part, loc) in parts.iter().zip(&located) {
        if part.first().is_none_or(|r| r.ring != 0) {
            continue;
        }
        for h in &part[1..] {
            let (inn, out) = if crossed.contains(&(h.part, h.ring)) {
                (true, false)
            } else {
                relation(&h.pts, &loc[0])
            };
            if out && !inn {
                let what = "hole lies outside its shell".to_string();
                issues.push(issue(h.part, h.ring, IssueKind::HoleOutsideShell, what));
            } else if out {
                let what = "hole leaves its shell through a vertex".to_string();
                issues.push(issue(h.part, h.ring, IssueKind::SelfIntersection, what));
            }
        }
        let boxes: Vec<[f64; 4]> = loc[1..].iter().map(Located::bbox).collect();
        let mut nested = Vec::new();
        for (i, j) in overlapping_boxes(&boxes) {
            for (x, y) in [(i + 1, j + 1), (j + 1, i + 1)] {
                if relation(&part[x].pts, &loc[y]).0 {
                    nested.push((x, y));
                }
            }
        }
        nested.sort_unstable();
        for (x, y) in nested {
            let what = format!("lies inside hole {}", part[y].ring);
            let x = &part[x];
            issues.push(issue(x.part, x.ring, IssueKind::HoleInsideHole, what));
        }
    }
    let firsts: Vec<usize> = (0..parts.len()).filter(|&a| !parts[a].is_empty()).collect();
    let boxes: Vec<[f64; 4]> = firsts.iter().map(|&a| located[a][0].bbox()).collect();
    let mut overlaps: Vec<(usize, usize)> = overlapping_boxes(&boxes)
        .into_iter()
        .map(|(i, j)| (firsts[i], firsts[j]))
        .filter(|&(a, b)| {
            part_reaches_into(&parts[b][0], &parts[a], &located[a])
                || part_reaches_into(&parts[a][0], &parts[b], &located[b])
        })
        .collect();
    overlaps.sort_unstable();
    for (a, b) in overlaps {
        let what = format!("overlaps part {}", parts[a][0].part);
        issues.push(issue(
            parts[b][0].part,
            0,
            IssueKind::OverlappingParts,
            what,
        ));
    }
}

fn on_seg_or_end(a: P, b: P, p: P) -> bool {
    p == a || p == b || segments::strictly_on_segment(a, b, p)
}

/// Whether some vertex or edge midpoint of `ring` (off `part`'s boundary) is inside `part`
/// (`loc`: the part's rings, located).
fn part_reaches_into(ring: &Clean, part: &[Clean], loc: &[Located]) -> bool {
    if part[0].ring != 0 {
        return false;
    }
    probes(&ring.pts).any(|p| {
        !loc.iter().any(|r| r.on_ring(p))
            && loc[0].inside(p)
            && !loc[1..].iter().any(|h| h.inside(p))
    })
}

/// Vertices, then edge midpoints, of an open ring.
fn probes(pts: &[P]) -> impl Iterator<Item = P> + '_ {
    let n = pts.len();
    pts.iter().copied().chain((0..n).map(move |k| {
        let (a, b) = (pts[k], pts[(k + 1) % n]);
        [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0]
    }))
}

/// Whether any probe point of `a` off `b` is inside `b`, and whether any is outside.
fn relation(a: &[P], b: &Located) -> (bool, bool) {
    let (mut inn, mut out) = (false, false);
    for p in probes(a) {
        if b.on_ring(p) {
            continue;
        }
        if b.inside(p) {
            inn = true;
        } else {
            out = true;
        }
        if inn && out {
            break;
        }
    }
    (inn, out)
}

/// Pairs `(i, j)`, `i < j`, of closed boxes `[min_x, min_y, max_x, max_y]` that meet: sorted
/// by `min_x`, each compared with the following ones until the x ranges separate.
fn overlapping_boxes(boxes: &[[f64; 4]]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by(|&a, &b| boxes[a][0].total_cmp(&boxes[b][0]));
    let mut out = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        let x = boxes[i];
        for &j in &order[k + 1..] {
            let y = boxes[j];
            if y[0] > x[2] {
                break;
            }
            if x[1] <= y[3] && y[1] <= x[3] {
                out.push((i.min(j), i.max(j)));
            }
        }
    }
    out
}

fn sort_issues(issues: &mut [Issue]) {
    issues.sort_by_key(|i| (i.part, i.ring, i.kind));
}

/// Lists everything wrong with one feature's polygons (empty when valid), without repairing.
pub fn check(polys: &[Polygon]) -> Vec<Issue> {
    let mut issues = Vec::new();
    let parts = clean(polys, &mut issues);
    structure(&parts, &mut issues);
    sort_issues(&mut issues);
    issues
}

/// One finding in a layer: the feature it is in and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The feature's index in its file (as the caller numbered it).
    pub feature: usize,
    /// What is wrong.
    pub issue: Issue,
}

/// Checks every feature of a layer, in parallel; findings in feature order, then part/ring
/// order (deterministic whatever the thread count).
pub fn check_layer(features: &[(usize, &[Polygon])]) -> Vec<Finding> {
    use rayon::prelude::*;
    let mut per: Vec<(usize, Vec<Issue>)> = features
        .par_iter()
        .map(|&(feature, polys)| (feature, check(polys)))
        .collect();
    per.sort_by_key(|(f, _)| *f);
    per.into_iter()
        .flat_map(|(feature, issues)| {
            issues
                .into_iter()
                .map(move |issue| Finding { feature, issue })
        })
        .collect()
}

/// Checks and repairs one feature's polygons (see the module docs for the rules). Cheap on
/// valid input: one sweep over the edges, plus containment tests for holes and for parts whose
/// boxes meet.
pub fn repair(polys: &[Polygon]) -> Repair {
    let mut issues = Vec::new();
    let parts = clean(polys, &mut issues);
    structure(&parts, &mut issues);
    sort_issues(&mut issues);
    let naive: Vec<Vec<Vec<P>>> = parts
        .iter()
        .map(|p| p.iter().map(|r| r.pts.clone()).collect())
        .collect();
    let area_before = area::polygons_area_m2(&naive);
    let shell_lost = parts.iter().any(|p| p.first().is_some_and(|r| r.ring != 0));
    let polygons = if shell_lost || issues.iter().any(|i| i.kind.is_structural()) {
        let rings: Vec<Vec<P>> = naive.into_iter().flatten().collect();
        rebuild::even_odd(&rings)
    } else {
        naive
            .into_iter()
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.into_iter()
                    .enumerate()
                    .map(|(k, mut r)| {
                        let ccw = segments::signed_area2(&r) > 0.0;
                        if ccw != (k == 0) {
                            r.reverse();
                        }
                        let first = r[0];
                        r.push(first);
                        r
                    })
                    .collect()
            })
            .collect()
    };
    let area_after = area::polygons_area_m2(&polygons);
    Repair {
        polygons,
        issues,
        area_before,
        area_after,
    }
}

#[cfg(test)]
mod tests;
