//! Planning standards built in: district presets and national norms.
//!
//! A preset is a data file in `presets/` (compiled into the binary) holding the rules one
//! planning document sets: per facility kind, the population group served, the service-circle
//! radius and walking minutes, the blank-spot targets (`min_per_area`, `coverage_target`,
//! `capacity_per_1000`), zone-specific variants (a mountain zone judged by presence only) and
//! the document's units with their administrative codes. Every rule keeps its provenance: the
//! document, the quoted phrases and which of its values are inferred rather than literal.
//!
//! Kind and group names are the preset's own (`station`, `age60`); a plan maps them to its data
//! (`kinds.station = "service_station"`, `groups.age60 = "elderly"`) and [`apply`] turns the
//! mapped rules into service rules. A kind the plan does not map is reported, never guessed.

mod quote;
mod units;

pub use quote::{normalise_document, normalise_quote, occurrences};
pub use units::{match_units, normalise_unit_name, MatchedBy, UnitMatch};

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

/// The built-in presets: (file name, text).
const SOURCES: [(&str, &str); 6] = [
    (
        "mentougou-2025.toml",
        include_str!("../../presets/mentougou-2025.toml"),
    ),
    (
        "shuangqiao-2025.toml",
        include_str!("../../presets/shuangqiao-2025.toml"),
    ),
    (
        "daxing-2023.toml",
        include_str!("../../presets/daxing-2023.toml"),
    ),
    (
        "dongli-2025.toml",
        include_str!("../../presets/dongli-2025.toml"),
    ),
    (
        "yuzhong-2025.toml",
        include_str!("../../presets/yuzhong-2025.toml"),
    ),
    ("gb50180.toml", include_str!("../../presets/gb50180.toml")),
];

/// Rule fields that a preset may mark as inferred (everything else in a rule is literal).
pub const RULE_FIELDS: [&str; 7] = [
    "radius_m",
    "minutes",
    "min_per_area",
    "coverage_target",
    "capacity_per_1000",
    "presence_only",
    "serves",
];
/// Unit fields that a preset may mark as inferred.
pub const UNIT_FIELDS: [&str; 3] = ["name", "code", "zone"];

/// How binding a target is, as the document's indicator table says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Binding {
    /// 约束性.
    Binding,
    /// 预期性.
    Expected,
    /// 倡导性.
    Advocated,
}

impl Binding {
    /// The document's own word.
    pub fn zh(self) -> &'static str {
        match self {
            Binding::Binding => "约束性",
            Binding::Expected => "预期性",
            Binding::Advocated => "倡导性",
        }
    }
}

/// One preset: the rules of one planning document (or of the national standards).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    /// Id used in plans: `<district>-<year>`, or the standard's number.
    pub id: String,
    /// The district (全国 for national standards).
    pub district: String,
    /// Title of the document, without book-title marks.
    pub document: String,
    /// Path of the document's text under `../shared` (for the quote tests), e.g. `seeds/000_….txt`.
    /// None when the document's text is not at hand (the national standards): such a preset
    /// quotes nothing and gives a `summary` of each clause instead.
    pub source_text: Option<String>,
    /// Target year, when the document states one.
    pub year: Option<u32>,
    /// A remark shown by `carecircle standards ID`.
    pub note: Option<String>,
    /// Population groups the rules serve: preset name → description.
    pub groups: BTreeMap<String, String>,
    /// Zones the rules and units name: zone → description.
    #[serde(default)]
    pub zones: BTreeMap<String, String>,
    /// The document's units (streets/towns), when it names them or its count allows a list.
    #[serde(default, rename = "unit")]
    pub units: Vec<Unit>,
    /// Life-circle tiers (national standards), for reference.
    #[serde(default, rename = "tier")]
    pub tiers: Vec<Tier>,
    /// The rules, one per facility kind.
    #[serde(rename = "rule")]
    pub rules: Vec<Rule>,
}

/// A street/town the preset names.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// Name as the document writes it.
    pub name: String,
    /// Official administrative code (12 digits), when known.
    pub code: Option<String>,
    /// Zone the unit belongs to.
    pub zone: Option<String>,
    /// Phrase of the document naming the unit (or its count).
    pub quote: Option<String>,
    /// Fields of this unit that are not in the document (`name`, `code`, `zone`).
    #[serde(default)]
    pub inferred: Vec<String>,
    /// A remark.
    pub note: Option<String>,
}

/// A life-circle tier (reference only).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Tier name (十五分钟生活圈 …).
    pub name: String,
    /// Walking minutes.
    pub minutes: f64,
    /// Walking radius, metres.
    pub radius_m: f64,
    /// Residents served, as the standard states the range.
    pub population: String,
    /// Quoted phrase (verbatim from `source_text`).
    pub quote: Option<String>,
    /// What the standard says, in the preset's words (not a quote).
    pub summary: Option<String>,
}

/// One rule: how a facility kind is evaluated.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Preset kind name (`station`), mapped by the plan to its facility kind.
    pub kind: String,
    /// The document's name for the facility.
    pub name: String,
    /// Preset group served (a key of [`Preset::groups`]).
    pub serves: String,
    /// Service-circle radius, straight-line metres.
    pub radius_m: f64,
    /// Walking budget, minutes.
    pub minutes: Option<f64>,
    /// A unit with fewer facilities is blank.
    pub min_per_area: Option<u32>,
    /// A unit whose covered share is lower is blank.
    pub coverage_target: Option<f64>,
    /// A unit whose capacity per 1,000 served people is lower is blank.
    pub capacity_per_1000: Option<f64>,
    /// Judge the unit by whether it has the facility, not by distance.
    #[serde(default)]
    pub presence_only: bool,
    /// How binding the target is.
    pub binding: Option<Binding>,
    /// The document, when it differs from the preset's (national rules citing several standards).
    pub document: Option<String>,
    /// Where in the document (专栏1 第6项 …).
    pub at: Option<String>,
    /// Quoted phrases, verbatim from `source_text`.
    #[serde(default)]
    pub quote: Vec<String>,
    /// The named clause in the preset's words, when the document's text is not at hand (shown
    /// without quotation marks).
    pub summary: Option<String>,
    /// Fields whose values are not in the document (see [`RULE_FIELDS`]).
    #[serde(default)]
    pub inferred: Vec<String>,
    /// A remark (how an inference was made).
    pub note: Option<String>,
    /// Zone variants.
    #[serde(default, rename = "zone")]
    pub zones: Vec<ZoneRule>,
}

/// A zone's variant of a rule: the fields given replace the rule's.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneRule {
    /// Zone (a key of [`Preset::zones`]).
    pub zone: String,
    /// Radius in this zone.
    pub radius_m: Option<f64>,
    /// Minutes in this zone.
    pub minutes: Option<f64>,
    /// Minimum count in this zone.
    pub min_per_area: Option<u32>,
    /// Coverage target in this zone.
    pub coverage_target: Option<f64>,
    /// Capacity target in this zone.
    pub capacity_per_1000: Option<f64>,
    /// Presence only in this zone.
    pub presence_only: Option<bool>,
    /// How binding.
    pub binding: Option<Binding>,
    /// Where in the document.
    pub at: Option<String>,
    /// Quoted phrases.
    #[serde(default)]
    pub quote: Vec<String>,
    /// The clause in the preset's words (see [`Rule::summary`]).
    pub summary: Option<String>,
    /// Fields of this variant that are not in the document.
    #[serde(default)]
    pub inferred: Vec<String>,
    /// A remark.
    pub note: Option<String>,
}

/// Where a rule comes from: shown in reports beside the target.
#[derive(Debug, Clone, PartialEq)]
pub struct Provenance {
    /// Preset id.
    pub preset: String,
    /// Document title (without book-title marks).
    pub document: String,
    /// Place in the document, when given.
    pub at: Option<String>,
    /// Quoted phrases (verbatim from the document).
    pub quotes: Vec<String>,
    /// The clause in the preset's words, when nothing is quoted.
    pub summary: Option<String>,
    /// Fields whose values are inferred, not literal.
    pub inferred: Vec<String>,
    /// How binding the target is.
    pub binding: Option<Binding>,
}

impl Provenance {
    /// True when every value of the rule is in the document.
    pub fn is_literal(&self) -> bool {
        self.inferred.is_empty()
    }
}

impl fmt::Display for Provenance {
    /// `依据《document》place（约束性；推断：radius_m）`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "依据《{}》", self.document)?;
        if let Some(at) = &self.at {
            write!(f, "{at}")?;
        }
        let mut tags = Vec::new();
        if let Some(b) = self.binding {
            tags.push(b.zh().to_owned());
        }
        if !self.inferred.is_empty() {
            tags.push(format!("推断：{}", self.inferred.join(", ")));
        }
        if !tags.is_empty() {
            write!(f, "（{}）", tags.join("；"))?;
        }
        Ok(())
    }
}

impl Provenance {
    /// What the source says: the quotes in quotation marks (`“…”“…”`), or the summary without
    /// them (a preset without the document's text quotes nothing).
    pub fn excerpt(&self) -> String {
        if self.quotes.is_empty() {
            self.summary.clone().unwrap_or_default()
        } else {
            format!("“{}”", self.quotes.join("”“"))
        }
    }
}

/// Parses and checks one preset file.
pub fn parse(text: &str) -> Result<Preset, String> {
    let p: Preset = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())?;
    p.check()?;
    Ok(p)
}

impl Preset {
    fn check(&self) -> Result<(), String> {
        let at = |r: &Rule| format!("rule '{}'", r.kind);
        if self.rules.is_empty() {
            return Err("no [[rule]]".into());
        }
        for (i, r) in self.rules.iter().enumerate() {
            if self.rules[..i].iter().any(|o| o.kind == r.kind) {
                return Err(format!("{}: two rules for one kind", at(r)));
            }
            if !self.groups.contains_key(&r.serves) {
                return Err(format!(
                    "{}: serves = \"{}\" is not in [groups]",
                    at(r),
                    r.serves
                ));
            }
            check_values(
                Some(r.radius_m),
                r.minutes,
                r.coverage_target,
                r.capacity_per_1000,
            )
            .map_err(|e| format!("{}: {e}", at(r)))?;
            check_provenance(
                self.source_text.as_deref(),
                &r.quote,
                &r.summary,
                &r.inferred,
            )
            .map_err(|e| format!("{}: {e}", at(r)))?;
            for (j, z) in r.zones.iter().enumerate() {
                let zat = format!("{} zone '{}'", at(r), z.zone);
                if !self.zones.contains_key(&z.zone) {
                    return Err(format!("{zat}: zone is not in [zones]"));
                }
                if r.zones[..j].iter().any(|o| o.zone == z.zone) {
                    return Err(format!("{zat}: two variants for one zone"));
                }
                check_values(
                    z.radius_m,
                    z.minutes,
                    z.coverage_target,
                    z.capacity_per_1000,
                )
                .map_err(|e| format!("{zat}: {e}"))?;
                check_provenance(
                    self.source_text.as_deref(),
                    &z.quote,
                    &z.summary,
                    &z.inferred,
                )
                .map_err(|e| format!("{zat}: {e}"))?;
            }
        }
        for t in &self.tiers {
            if t.quote.is_some() == t.summary.is_some()
                || (t.quote.is_some() && self.source_text.is_none())
            {
                return Err(format!(
                    "tier '{}': give a quote (with a source_text) or a summary",
                    t.name
                ));
            }
        }
        for (i, u) in self.units.iter().enumerate() {
            let uat = format!("unit '{}'", u.name);
            if u.quote.is_some() && self.source_text.is_none() {
                return Err(format!("{uat}: a quote needs the preset's source_text"));
            }
            if u.name.trim().is_empty() {
                return Err(format!("unit #{}: empty name", i + 1));
            }
            if let Some(c) = &u.code {
                if c.len() != 12 || !c.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!("{uat}: code \"{c}\" is not a 12-digit code"));
                }
                if self.units[..i].iter().any(|o| o.code.as_ref() == Some(c)) {
                    return Err(format!("{uat}: code {c} appears twice"));
                }
            }
            if self.units[..i].iter().any(|o| o.name == u.name) {
                return Err(format!("{uat}: name appears twice"));
            }
            if let Some(z) = &u.zone {
                if !self.zones.contains_key(z) {
                    return Err(format!("{uat}: zone '{z}' is not in [zones]"));
                }
            }
            if let Some(bad) = u
                .inferred
                .iter()
                .find(|f| !UNIT_FIELDS.contains(&f.as_str()))
            {
                return Err(format!(
                    "{uat}: inferred names '{bad}', expected one of {}",
                    UNIT_FIELDS.join(", ")
                ));
            }
        }
        Ok(())
    }

    /// The rule of a preset kind.
    pub fn rule(&self, kind: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.kind == kind)
    }

    /// Provenance of a rule (its own document, when it names one).
    pub fn provenance(&self, r: &Rule) -> Provenance {
        Provenance {
            preset: self.id.clone(),
            document: r.document.clone().unwrap_or_else(|| self.document.clone()),
            at: r.at.clone(),
            quotes: r.quote.clone(),
            summary: r.summary.clone(),
            inferred: r.inferred.clone(),
            binding: r.binding,
        }
    }

    /// Provenance of a zone variant.
    pub fn zone_provenance(&self, r: &Rule, z: &ZoneRule) -> Provenance {
        Provenance {
            at: z.at.clone().or_else(|| r.at.clone()),
            quotes: z.quote.clone(),
            summary: z.summary.clone(),
            inferred: z.inferred.clone(),
            binding: z.binding,
            ..self.provenance(r)
        }
    }
}

fn check_values(
    radius_m: Option<f64>,
    minutes: Option<f64>,
    coverage_target: Option<f64>,
    capacity_per_1000: Option<f64>,
) -> Result<(), String> {
    for (k, v) in [("radius_m", radius_m), ("minutes", minutes)] {
        if let Some(v) = v {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("{k} = {v} must be positive"));
            }
        }
    }
    if let Some(t) = coverage_target {
        if !(0.0..=1.0).contains(&t) {
            return Err(format!("coverage_target = {t} must be between 0 and 1"));
        }
    }
    if let Some(c) = capacity_per_1000 {
        if !(c.is_finite() && c >= 0.0) {
            return Err(format!("capacity_per_1000 = {c} must be non-negative"));
        }
    }
    Ok(())
}

/// A rule's (or zone variant's) source: verbatim quotes when the preset has its document's text,
/// else a summary; never quotes without a text to check them against.
fn check_provenance(
    source_text: Option<&str>,
    quotes: &[String],
    summary: &Option<String>,
    inferred: &[String],
) -> Result<(), String> {
    if quotes.iter().any(|q| q.trim().is_empty()) {
        return Err("quote: an empty phrase".into());
    }
    match (source_text, quotes.is_empty(), summary) {
        (None, false, _) => {
            return Err(
                "quote: the preset has no source_text to quote from; give a summary instead".into(),
            )
        }
        (Some(_), true, _) => {
            return Err("quote: give at least one non-empty phrase from the document".into())
        }
        (None, true, None) => return Err("summary: say what the clause requires".into()),
        (_, _, Some(s)) if s.trim().is_empty() => return Err("summary: empty".into()),
        _ => {}
    }
    if let Some(bad) = inferred.iter().find(|f| !RULE_FIELDS.contains(&f.as_str())) {
        return Err(format!(
            "inferred names '{bad}', expected one of {}",
            RULE_FIELDS.join(", ")
        ));
    }
    Ok(())
}

/// Every built-in preset, in a fixed order (districts, then national).
pub fn list() -> &'static [Preset] {
    static ALL: OnceLock<Vec<Preset>> = OnceLock::new();
    ALL.get_or_init(|| {
        SOURCES
            .iter()
            .map(|(file, text)| {
                // Built-in data, not user input: tests/standards.rs parses every file.
                parse(text).unwrap_or_else(|e| panic!("built-in preset {file} is invalid: {e}"))
            })
            .collect()
    })
}

/// The file name and text of every built-in preset (for tests and listings).
pub fn sources() -> &'static [(&'static str, &'static str)] {
    &SOURCES
}

/// The preset with this id.
pub fn get(id: &str) -> Option<&'static Preset> {
    list().iter().find(|p| p.id == id)
}

/// Ids of the built-in presets, comma-separated (for messages).
pub fn ids() -> String {
    list()
        .iter()
        .map(|p| p.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// How a plan maps preset names to its own: `kinds.station = "service_station"`,
/// `groups.age60 = "elderly"`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapping {
    /// Preset kind → the plan's facility kind value.
    pub kinds: BTreeMap<String, String>,
    /// Preset group → the plan's population group.
    pub groups: BTreeMap<String, String>,
}

/// A preset rule in the plan's names, with its zone variants resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct AppliedRule {
    /// Preset kind (`station`).
    pub preset_kind: String,
    /// The plan's facility kind (`service_station`).
    pub kind: String,
    /// The plan's population group (`elderly`).
    pub serves: String,
    /// Values outside every zone variant.
    pub values: RuleValues,
    /// Per-zone values: the rule's, with the variant's fields replacing them.
    pub zones: Vec<(String, RuleValues)>,
}

/// The values of a rule (or of its variant in one zone), with their provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleValues {
    /// Radius, metres.
    pub radius_m: f64,
    /// Walking minutes (the plan's default when `None`).
    pub minutes: Option<f64>,
    /// Minimum facilities per unit.
    pub min_per_area: Option<u32>,
    /// Coverage target, 0..1.
    pub coverage_target: Option<f64>,
    /// Capacity per 1,000 served people.
    pub capacity_per_1000: Option<f64>,
    /// Judged by presence only.
    pub presence_only: bool,
    /// Where these values come from.
    pub source: Provenance,
}

/// The result of [`apply`]: rules the plan can evaluate, and preset kinds it did not map.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// Preset id.
    pub preset: String,
    /// Mapped rules, in preset order.
    pub rules: Vec<AppliedRule>,
    /// Preset kinds with no `kinds.<kind>` in the plan (reported, not guessed).
    pub unmapped_kinds: Vec<String>,
}

/// Maps a preset's rules to the plan's kinds and groups.
///
/// Errors: a mapping key that is not a kind/group of the preset (a typo), or a mapped kind whose
/// group the plan does not map. Unmapped kinds are returned in [`Applied::unmapped_kinds`].
pub fn apply(preset: &Preset, mapping: &Mapping) -> Result<Applied, String> {
    let kinds: Vec<&str> = preset.rules.iter().map(|r| r.kind.as_str()).collect();
    if let Some(k) = mapping.kinds.keys().find(|k| !kinds.contains(&k.as_str())) {
        return Err(format!(
            "kinds.{k}: '{k}' is not a kind of standard {}; its kinds are {}",
            preset.id,
            kinds.join(", ")
        ));
    }
    if let Some(g) = mapping
        .groups
        .keys()
        .find(|g| !preset.groups.contains_key(*g))
    {
        return Err(format!(
            "groups.{g}: '{g}' is not a group of standard {}; its groups are {}",
            preset.id,
            preset.groups.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    let mut rules = Vec::new();
    let mut unmapped_kinds = Vec::new();
    for r in &preset.rules {
        let Some(kind) = mapping.kinds.get(&r.kind) else {
            unmapped_kinds.push(r.kind.clone());
            continue;
        };
        let serves = mapping.groups.get(&r.serves).ok_or_else(|| {
            format!(
                "kinds.{} is mapped but its group is not: add groups.{} = \"…\" (the plan's group for {})",
                r.kind, r.serves, preset.groups[&r.serves]
            )
        })?;
        let values = RuleValues {
            radius_m: r.radius_m,
            minutes: r.minutes,
            min_per_area: r.min_per_area,
            coverage_target: r.coverage_target,
            capacity_per_1000: r.capacity_per_1000,
            presence_only: r.presence_only,
            source: preset.provenance(r),
        };
        let zones = r
            .zones
            .iter()
            .map(|z| {
                let v = RuleValues {
                    radius_m: z.radius_m.unwrap_or(r.radius_m),
                    minutes: z.minutes.or(r.minutes),
                    min_per_area: z.min_per_area.or(r.min_per_area),
                    coverage_target: z.coverage_target.or(r.coverage_target),
                    capacity_per_1000: z.capacity_per_1000.or(r.capacity_per_1000),
                    presence_only: z.presence_only.unwrap_or(r.presence_only),
                    source: preset.zone_provenance(r, z),
                };
                (z.zone.clone(), v)
            })
            .collect();
        rules.push(AppliedRule {
            preset_kind: r.kind.clone(),
            kind: kind.clone(),
            serves: serves.clone(),
            values,
            zones,
        });
    }
    Ok(Applied {
        preset: preset.id.clone(),
        rules,
        unmapped_kinds,
    })
}
