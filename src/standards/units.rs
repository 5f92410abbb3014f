//! Matching a preset's units to the plan's areas: by administrative code, then by name.
//!
//! Names change between the documents and the published lists: a town may be listed as a 地区办事处
//! ("王平地区办事处" in the 2016 division list, "王平镇" in the plan document), a street as
//! "大峪街道办事处" or "大峪街道". [`normalise_unit_name`] strips one such suffix; a name only
//! matches when it is unique on both sides, and whatever does not match is returned, not guessed.

use super::Preset;

/// Administrative suffixes, longest first; one is stripped from a unit name.
const SUFFIXES: [&str; 7] = [
    "街道办事处",
    "地区办事处",
    "办事处",
    "街道",
    "地区",
    "镇",
    "乡",
];

/// How a preset unit was matched to an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    /// The area's id is the unit's administrative code.
    Code,
    /// The names agree once the administrative suffix is stripped.
    Name,
}

/// Result of [`match_units`]; all indexes, sorted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitMatch {
    /// (index into [`Preset::units`], index into the areas, how), by unit index.
    pub matched: Vec<(usize, usize, MatchedBy)>,
    /// Preset units no area matched.
    pub unmatched_preset_units: Vec<usize>,
    /// Areas no preset unit matched.
    pub unmatched_areas: Vec<usize>,
}

/// A unit name without whitespace and without one administrative suffix (街道办事处, 地区办事处,
/// 办事处, 街道, 地区, 镇, 乡), unless that would leave fewer than two characters.
pub fn normalise_unit_name(name: &str) -> String {
    let n: String = name.chars().filter(|c| !c.is_whitespace()).collect();
    for s in SUFFIXES {
        if let Some(stem) = n.strip_suffix(s) {
            if stem.chars().count() >= 2 {
                return stem.to_owned();
            }
        }
    }
    n
}

/// A 12-digit administrative code from an id: 12 digits as they are, 9-digit township codes
/// padded with `000`; anything else is not a code.
fn as_code(id: &str) -> Option<String> {
    let id = id.trim();
    if !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match id.len() {
        12 => Some(id.to_owned()),
        9 => Some(format!("{id}000")),
        _ => None,
    }
}

/// Matches the preset's units to areas given as (id, name): first by code (the area id is the
/// unit's code), then by normalised name among what is left, only where the name is unique on
/// both sides and, when both carry codes, they lie in the same county (first 6 digits).
pub fn match_units(preset: &Preset, areas: &[(&str, &str)]) -> UnitMatch {
    let units = &preset.units;
    let area_codes: Vec<Option<String>> = areas.iter().map(|(id, _)| as_code(id)).collect();
    let mut unit_done = vec![false; units.len()];
    let mut area_done = vec![false; areas.len()];
    let mut matched = Vec::new();

    for (u, unit) in units.iter().enumerate() {
        let Some(code) = unit.code.as_deref() else {
            continue;
        };
        let hits: Vec<usize> = (0..areas.len())
            .filter(|&a| !area_done[a] && area_codes[a].as_deref() == Some(code))
            .collect();
        if let [a] = hits[..] {
            unit_done[u] = true;
            area_done[a] = true;
            matched.push((u, a, MatchedBy::Code));
        }
    }

    let unit_names: Vec<String> = units.iter().map(|u| normalise_unit_name(&u.name)).collect();
    let area_names: Vec<String> = areas.iter().map(|(_, n)| normalise_unit_name(n)).collect();
    let county = |c: &str| c.get(..6).map(str::to_owned);
    for u in 0..units.len() {
        if unit_done[u] {
            continue;
        }
        let compatible = |a: usize| match (units[u].code.as_deref(), &area_codes[a]) {
            (Some(uc), Some(ac)) => county(uc) == county(ac),
            _ => true,
        };
        let hits: Vec<usize> = (0..areas.len())
            .filter(|&a| !area_done[a] && area_names[a] == unit_names[u] && compatible(a))
            .collect();
        let rivals = (0..units.len())
            .filter(|&o| !unit_done[o] && unit_names[o] == unit_names[u])
            .count();
        if let ([a], 1) = (&hits[..], rivals) {
            unit_done[u] = true;
            area_done[*a] = true;
            matched.push((u, *a, MatchedBy::Name));
        }
    }
    matched.sort_unstable_by_key(|m| m.0);
    UnitMatch {
        matched,
        unmatched_preset_units: (0..units.len()).filter(|&u| !unit_done[u]).collect(),
        unmatched_areas: (0..areas.len()).filter(|&a| !area_done[a]).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_are_stripped_once_and_carefully() {
        assert_eq!(normalise_unit_name("王平地区办事处"), "王平");
        assert_eq!(normalise_unit_name("王平镇"), "王平");
        assert_eq!(normalise_unit_name("大峪街道办事处"), "大峪");
        assert_eq!(normalise_unit_name(" 大峪街道 "), "大峪");
        assert_eq!(normalise_unit_name("北臧村镇"), "北臧村");
        assert_eq!(normalise_unit_name("镇江街道"), "镇江");
        // A one-character stem keeps its suffix: "X镇" would collide with every "X乡".
        assert_eq!(normalise_unit_name("城镇"), "城镇");
        assert_eq!(
            normalise_unit_name("北京经济技术开发区"),
            "北京经济技术开发区"
        );
    }

    #[test]
    fn codes_accept_nine_digit_township_codes_only() {
        assert_eq!(as_code("110109001"), Some("110109001000".into()));
        assert_eq!(as_code("110109001000"), Some("110109001000".into()));
        assert_eq!(as_code("00100"), None);
        assert_eq!(as_code("11010900100x"), None);
    }
}
