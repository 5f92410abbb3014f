//! The output model of the per-unit tables: every column of `areas.csv`, `districts.csv` and
//! `areas_after.csv` declared once, with its name, when it is present, its number format and
//! its Chinese and English labels. `areas.csv`, `districts.csv`, `areas_after.csv`,
//! `areas.geojson` (property `<service>_<column>`), the service sheets of `report.xlsx` and the
//! headers of the report tables all render from [`AREA_COLUMNS`], so a new column is one
//! declaration here.

use super::i18n::Lang;
use super::{f3, opt6};
use crate::analyze::{Analysis, ServiceResult};
use crate::gaps::AreaStats;

/// How a column's values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Text from the inputs or the plan: formula-guarded in CSV, a string in the workbook.
    Text,
    /// A count.
    Int,
    /// `true` / `false`.
    Flag,
    /// A number with 2 decimals (distances in metres).
    Fixed2,
    /// A number with 3 decimals.
    Fixed3,
    /// A share with 6 decimals, shown as a percentage in the workbook.
    Percent,
    /// A share with 6 decimals, shown as a plain number in the workbook.
    Fraction,
}

/// When a column is present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// In every table.
    Always,
    /// The plan has a walking network.
    Network,
    /// The plan names a zone property (`[areas] zone`).
    Zone,
    /// The plan names official counts (`[areas] counts`).
    Official,
    /// `--with-planned`: the main columns are "as if built".
    Planned,
    /// A service has an `access` (E2SFCA) setting; empty for the other services.
    Access,
    /// A service comes from a built-in standard.
    RuleSource,
    /// `districts.csv` only: units in the parent, and of those the blank ones.
    Parent,
}

/// One value of a row, typed; [`Value::text`] renders it with its column's format.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text.
    Text(String),
    /// A count.
    Int(u64),
    /// A flag.
    Flag(bool),
    /// A finite number (rendered by the column's [`Format`]).
    Num(f64),
    /// Nothing: an empty CSV field, a GeoJSON `null`, an empty cell.
    Empty,
}

impl Value {
    fn num(v: Option<f64>) -> Value {
        v.map_or(Value::Empty, Value::Num)
    }

    /// The value as `areas.csv` writes it.
    pub fn text(&self, format: Format) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Int(n) => n.to_string(),
            Value::Flag(b) => b.to_string(),
            Value::Num(x) => match format {
                Format::Percent | Format::Fraction => opt6(Some(*x)),
                Format::Fixed2 => format!("{x:.2}"),
                _ => f3(*x),
            },
            Value::Empty => String::new(),
        }
    }
}

/// The figures before the planned facilities of one unit or parent (`--with-planned`).
#[derive(Debug, Clone, Copy)]
pub struct Before<'a> {
    /// Planned facilities of the kind in the unit.
    pub planned: usize,
    /// The figures with the existing facilities alone.
    pub stats: &'a AreaStats,
}

/// One row of a per-unit table: one unit (or parent unit) and one service.
#[derive(Debug, Clone)]
pub struct AreaRow<'a> {
    /// Unit id (the parent's name in `districts.csv`).
    pub id: &'a str,
    /// Unit name (the parent's name in `districts.csv`).
    pub name: &'a str,
    /// Service id.
    pub kind: &'a str,
    /// The figures.
    pub stats: &'a AreaStats,
    /// The unit's zone.
    pub zone: Option<&'a str>,
    /// Figures before the planned facilities (`None`: empty planned columns).
    pub before: Option<Before<'a>>,
    /// Where the unit's rule comes from.
    pub rule_source: Option<String>,
    /// Units in the parent and of those the blank ones (`districts.csv`).
    pub units: (u32, u32),
}

/// A column of the per-unit tables.
pub struct Column {
    /// Name: the CSV header, the xlsx header, the GeoJSON property after `<service>_`.
    pub name: &'static str,
    /// When it is present.
    pub when: When,
    /// How its values are written.
    pub format: Format,
    /// Chinese label (`{m}`: the walking minutes).
    pub zh: &'static str,
    /// English label (`{m}`: the walking minutes).
    pub en: &'static str,
    /// The value in a row.
    pub get: fn(&AreaRow) -> Value,
}

impl Column {
    /// The label in `lang`.
    pub fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.zh,
            Lang::En => self.en,
        }
    }
}

fn before_num(r: &AreaRow, f: fn(&AreaStats, &AreaStats) -> Option<f64>) -> Value {
    r.before
        .map_or(Value::Empty, |b| Value::num(f(b.stats, r.stats)))
}

fn before_flag(r: &AreaRow, f: fn(&AreaStats, &AreaStats) -> bool) -> Value {
    r.before
        .map_or(Value::Empty, |b| Value::Flag(f(b.stats, r.stats)))
}

/// A table of [`Column`]s, one per line: name, when, format, zh, en, value.
macro_rules! columns {
    ($($name:ident $when:ident $format:ident $zh:literal $en:literal $get:expr;)*) => {
        &[$(Column {
            name: stringify!($name),
            when: When::$when,
            format: Format::$format,
            zh: $zh,
            en: $en,
            get: $get,
        },)*]
    };
}

/// Every column of the per-unit tables, in their order. `{m}` in a label: walking minutes.
#[rustfmt::skip]
pub const AREA_COLUMNS: &[Column] = columns! {
    area_id Always Text "代码" "Code" |r| Value::Text(r.id.into());
    area_name Always Text "名称" "Name" |r| Value::Text(r.name.into());
    kind Always Text "服务" "Service" |r| Value::Text(r.kind.into());
    population Always Fixed3 "服务人口" "Served population" |r| Value::Num(r.stats.population);
    covered_population Always Fixed3 "覆盖人口" "Covered" |r| Value::Num(r.stats.covered);
    coverage Always Percent "覆盖率" "Coverage" |r| Value::num(r.stats.coverage);
    facilities Always Int "设施数" "Facilities" |r| Value::Int(r.stats.facilities.into());
    capacity Always Fixed3 "容量" "Capacity" |r| Value::num(r.stats.capacity);
    capacity_per_1000 Always Fixed3 "每千人容量" "Capacity / 1,000"
        |r| Value::num(r.stats.capacity_per_1000);
    blank Always Flag "空白" "Blank" |r| Value::Flag(r.stats.blank());
    reasons Always Text "原因" "Reasons" |r| {
        let codes: Vec<&str> = r.stats.reasons.iter().map(|x| x.code()).collect();
        Value::Text(codes.join(";"))
    };
    network_covered_population Network Fixed3 "步行{m}分钟覆盖人口" "Covered on foot ({m} min)"
        |r| Value::num(r.stats.network_covered);
    network_coverage Network Percent "步行{m}分钟覆盖率" "Coverage on foot ({m} min)"
        |r| Value::num(r.stats.network_coverage);
    zone Zone Text "片区" "Zone" |r| r.zone.map_or(Value::Empty, |z| Value::Text(z.into()));
    official_population Official Fixed3 "官方人口" "Official count"
        |r| Value::num(r.stats.official_population);
    capacity_per_1000_grid Official Fixed3 "每千人容量（格网人口）" "Capacity / 1,000 (grid)"
        |r| Value::num(r.stats.capacity_per_1000_grid);
    planned_facilities Planned Int "规划设施数" "Planned facilities"
        |r| r.before.map_or(Value::Empty, |b| Value::Int(b.planned as u64));
    // Judged as the rules judge: on foot with a network.
    covered_population_before Planned Fixed3 "规划前覆盖人口" "Covered before the plan"
        |r| before_num(r, |b, _| Some(b.judged_covered()));
    // Not shown as a percentage in the workbook (unlike `coverage`), as before the model.
    coverage_before Planned Fraction "规划前覆盖率" "Coverage before the plan"
        |r| before_num(r, |b, _| b.network_covered.map_or(b.coverage, |_| b.network_coverage));
    blank_before Planned Flag "规划前空白" "Blank before the plan"
        |r| before_flag(r, |b, _| b.blank());
    fixed_by_plan Planned Flag "规划消除空白" "Fixed by the plan"
        |r| before_flag(r, |b, after| b.blank() && !after.blank());
    access_per_1000 Access Fixed3 "可达容量/千人（E2SFCA）" "Access / 1,000 (E2SFCA)"
        |r| Value::num(r.stats.access.and_then(|x| x.per_1000));
    share_below_target Access Fraction "低于目标的人口占比" "Share below target"
        |r| Value::num(r.stats.access.and_then(|x| x.share_below_target));
    rule_source RuleSource Text "依据" "Source" |r| r.rule_source.clone().map_or(Value::Empty, Value::Text);
    units Parent Int "街道/乡镇数" "Units" |r| Value::Int(r.units.0.into());
    units_blank Parent Int "空白街道/乡镇数" "Blank units" |r| Value::Int(r.units.1.into());
};

/// The column named `name` (a name of [`AREA_COLUMNS`]).
pub fn column(name: &str) -> &'static Column {
    AREA_COLUMNS
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// The label of the column `name` in `lang`.
pub fn label(lang: Lang, name: &str) -> &'static str {
    column(name).label(lang)
}

/// The columns present for this analysis: the unit tables, or with `parents` `districts.csv`.
pub fn present(a: &Analysis, parents: bool) -> Vec<&'static Column> {
    AREA_COLUMNS
        .iter()
        .filter(|c| match c.when {
            When::Always => true,
            When::Network => a.network.is_some(),
            When::Zone => a.area_attrs.zone_source.is_some(),
            When::Official => !a.plan.areas.counts.is_empty(),
            When::Planned => a.services.iter().any(|s| s.before.is_some()),
            When::Access => a.plan.services.iter().any(|s| s.access.is_some()),
            When::RuleSource => a.services.iter().any(|s| s.spec.source.is_some()),
            When::Parent => parents,
        })
        .collect()
}

/// Area indexes sorted by area id as text (ties by file order).
pub fn area_order(a: &Analysis) -> Vec<usize> {
    let mut order: Vec<usize> = (0..a.areas.list.len()).collect();
    order.sort_by(|&x, &y| a.areas.list[x].id.cmp(&a.areas.list[y].id).then(x.cmp(&y)));
    order
}

/// The rows of one unit (area index `i`), one per service, for the per-service figures
/// `stats[service][area]`.
pub fn unit_rows<'a>(a: &'a Analysis, stats: &[&'a [AreaStats]], i: usize) -> Vec<AreaRow<'a>> {
    let area = &a.areas.list[i];
    let zone = a.area_attrs.zone.get(i).and_then(|z| z.as_deref());
    a.services
        .iter()
        .zip(stats)
        .map(|(s, st)| {
            let st = &st[i];
            let planned = || {
                let here = |f: u32| a.facility_area[f as usize] == Some(st.area);
                let n = s.facilities.iter().filter(|&&f| a.is_planned(f) && here(f));
                n.count()
            };
            AreaRow {
                id: &area.id,
                name: &area.name,
                kind: &s.spec.id,
                stats: st,
                zone,
                before: s.before.as_ref().map(|b| Before {
                    planned: planned(),
                    stats: &b.stats[i],
                }),
                rule_source: s.spec.source_for(zone).map(|p| p.to_string()),
                units: (0, 0),
            }
        })
        .collect()
}

/// The rows of `areas.csv` (units sorted by id, then services in plan order) for the
/// per-service figures `stats[service][area]`.
pub fn area_rows<'a>(a: &'a Analysis, stats: &[&'a [AreaStats]]) -> Vec<AreaRow<'a>> {
    let order = area_order(a);
    order
        .into_iter()
        .flat_map(|i| unit_rows(a, stats, i))
        .collect()
}

/// The per-service figures of the analysis, as [`area_rows`] takes them.
pub fn analysis_stats(a: &Analysis) -> Vec<&[AreaStats]> {
    a.services.iter().map(|s| &s.stats[..]).collect()
}

/// The rows of `districts.csv`: one per parent unit × service, parents in order, then plan
/// order; `area_id` and `area_name` both hold the parent, no zone, no access figures (access is
/// a per-cell figure; its parent-level mean is not computed).
pub fn district_rows(a: &Analysis) -> Vec<AreaRow<'_>> {
    let n_parents = a.services.first().map_or(0, |s| s.parents.len());
    let mut rows = Vec::new();
    for p in 0..n_parents {
        for s in &a.services {
            let ps = &s.parents[p];
            let in_parent = |f: u32| {
                a.facility_area[f as usize].is_some_and(|x| {
                    a.area_attrs.parent[x.0 as usize].as_deref() == Some(&ps.parent)
                })
            };
            let planned = || {
                let n = s
                    .facilities
                    .iter()
                    .filter(|&&f| a.is_planned(f) && in_parent(f));
                n.count()
            };
            rows.push(AreaRow {
                id: &ps.parent,
                name: &ps.parent,
                kind: &s.spec.id,
                stats: &ps.figures,
                zone: None,
                before: s.before.as_ref().map(|b| Before {
                    planned: planned(),
                    stats: &b.parents[p].figures,
                }),
                rule_source: s.spec.source.as_ref().map(|p| p.to_string()),
                units: (ps.units, ps.units_blank),
            });
        }
    }
    rows
}

/// Which services have a per-cell column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellWhen {
    /// Every service.
    Always,
    /// Services measured on foot (the plan has a network).
    Walk,
    /// Services with an `access` (E2SFCA) setting.
    Access,
}

/// A per-service column of `cells.csv`, named `<service>_<suffix>`.
pub struct CellColumn {
    /// The name after `<service>_`.
    pub suffix: &'static str,
    /// Which services have it.
    pub when: CellWhen,
    /// How its values are written.
    pub format: Format,
    /// Chinese label.
    pub zh: &'static str,
    /// English label.
    pub en: &'static str,
    /// The value of a service at a cell.
    pub get: fn(&ServiceResult, usize) -> Value,
}

/// A finite distance, else nothing (no facility, off the network, beyond the budget).
fn distance(d: f64) -> Value {
    if d.is_finite() {
        Value::Num(d)
    } else {
        Value::Empty
    }
}

/// The per-service columns of `cells.csv`: suffix, which services, format, zh, en, value.
#[rustfmt::skip]
pub const CELL_COLUMNS: &[CellColumn] = &[
    CellColumn { suffix: "distance_m", when: CellWhen::Always, format: Format::Fixed2,
        zh: "到最近设施直线距离（米）", en: "Straight-line distance to the nearest facility (m)",
        get: |s, c| distance(s.distance[c]) },
    CellColumn { suffix: "covered", when: CellWhen::Always, format: Format::Flag,
        zh: "服务半径内", en: "Within the radius", get: |s, c| Value::Flag(s.covered[c]) },
    CellColumn { suffix: "walk_m", when: CellWhen::Walk, format: Format::Fixed2,
        zh: "步行距离（米）", en: "Walking distance (m)",
        get: |s, c| s.walk.as_ref().map_or(Value::Empty, |w| distance(w.distance[c])) },
    CellColumn { suffix: "walk_covered", when: CellWhen::Walk, format: Format::Flag,
        zh: "步行可达", en: "Covered on foot",
        get: |s, c| s.walk.as_ref().map_or(Value::Empty, |w| Value::Flag(w.covered[c])) },
    CellColumn { suffix: "access_per_1000", when: CellWhen::Access, format: Format::Fixed3,
        zh: "可达容量/千人（E2SFCA）", en: "Access / 1,000 (E2SFCA)",
        get: |s, c| s.access.as_ref().map_or(Value::Empty, |x| Value::Num(x.per_1000[c])) },
];

impl CellColumn {
    /// True when service `s` has this column.
    pub fn applies(&self, s: &ServiceResult) -> bool {
        match self.when {
            CellWhen::Always => true,
            CellWhen::Walk => s.walk.is_some(),
            CellWhen::Access => s.access.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names are unique, and every label is given in both languages.
    #[test]
    fn columns_are_unique_and_labelled() {
        for (i, c) in AREA_COLUMNS.iter().enumerate() {
            assert!(!c.zh.is_empty() && !c.en.is_empty(), "{}", c.name);
            assert_ne!(c.zh, c.en, "{}", c.name);
            assert!(
                AREA_COLUMNS[..i].iter().all(|d| d.name != c.name),
                "{}",
                c.name
            );
        }
    }

    /// Numbers follow their column's format: 3 decimals (no negative zero), 6 for shares.
    #[test]
    fn values_render_by_format() {
        assert_eq!(Value::Num(-0.0001).text(Format::Fixed3), "0.000");
        assert_eq!(Value::Num(0.5).text(Format::Percent), "0.500000");
        assert_eq!(Value::Num(0.25).text(Format::Fraction), "0.250000");
        assert_eq!(Value::Num(1234.5678).text(Format::Fixed2), "1234.57");
        assert_eq!(Value::Int(7).text(Format::Int), "7");
        assert_eq!(Value::Flag(true).text(Format::Flag), "true");
        assert_eq!(Value::Empty.text(Format::Fixed3), "");
    }
}
