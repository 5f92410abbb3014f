//! The walkable-way tag filter ("Rules: exactly these").

/// `highway=*` values that are never walkable.
pub const EXCLUDED_HIGHWAYS: &[&str] = &[
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "construction",
    "proposed",
    "raceway",
    "bus_guideway",
    "escape",
    "abandoned",
    "platform",
];

/// Decides whether an OSM way with the given tags is walkable.
///
/// A way is walkable when it has a `highway` tag whose value is not in [`EXCLUDED_HIGHWAYS`],
/// it is not tagged `foot=no`, and it is not tagged `access=private` or `access=no` unless it
/// also carries `foot=yes`, `foot=designated` or `foot=permissive`. All other tags are ignored;
/// walkable ways are walkable in both directions.
pub fn is_walkable<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> bool {
    let mut highway = None;
    let mut foot = None;
    let mut access = None;
    for (key, value) in tags {
        match key {
            "highway" => highway = Some(value),
            "foot" => foot = Some(value),
            "access" => access = Some(value),
            _ => {}
        }
    }
    let Some(highway) = highway else {
        return false;
    };
    if EXCLUDED_HIGHWAYS.contains(&highway) || foot == Some("no") {
        return false;
    }
    let access_closed = matches!(access, Some("private" | "no"));
    let foot_allowed = matches!(foot, Some("yes" | "designated" | "permissive"));
    !access_closed || foot_allowed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walkable(tags: &[(&str, &str)]) -> bool {
        is_walkable(tags.iter().copied())
    }

    #[test]
    fn needs_a_highway_tag() {
        assert!(!walkable(&[]));
        assert!(!walkable(&[("building", "yes")]));
        assert!(!walkable(&[("foot", "yes")]));
        assert!(walkable(&[("highway", "residential")]));
        assert!(walkable(&[("highway", "footway")]));
        assert!(walkable(&[("highway", "primary"), ("name", "Rua X")]));
    }

    #[test]
    fn every_excluded_highway_value_is_rejected() {
        for value in EXCLUDED_HIGHWAYS {
            assert!(
                !walkable(&[("highway", value)]),
                "{value} should be excluded"
            );
            // Even an explicit foot=yes does not rescue an excluded highway class.
            assert!(!walkable(&[("highway", value), ("foot", "yes")]), "{value}");
        }
        assert_eq!(EXCLUDED_HIGHWAYS.len(), 11);
        // Near misses stay walkable.
        assert!(walkable(&[("highway", "primary_link")]));
        assert!(walkable(&[("highway", "trunk_road")]));
    }

    #[test]
    fn foot_no_is_excluded() {
        assert!(!walkable(&[("highway", "residential"), ("foot", "no")]));
        assert!(walkable(&[
            ("highway", "residential"),
            ("foot", "use_sidepath")
        ]));
    }

    #[test]
    fn access_private_or_no_is_excluded_unless_foot_allows() {
        for access in ["private", "no"] {
            assert!(!walkable(&[("highway", "service"), ("access", access)]));
            for foot in ["yes", "designated", "permissive"] {
                assert!(
                    walkable(&[("highway", "service"), ("access", access), ("foot", foot)]),
                    "access={access} foot={foot}"
                );
            }
            assert!(!walkable(&[
                ("highway", "service"),
                ("access", access),
                ("foot", "no")
            ]));
            assert!(!walkable(&[
                ("highway", "service"),
                ("access", access),
                ("foot", "customers")
            ]));
        }
        for access in ["yes", "permissive", "destination", "customers"] {
            assert!(
                walkable(&[("highway", "service"), ("access", access)]),
                "{access}"
            );
        }
    }

    #[test]
    fn tag_order_does_not_matter() {
        assert!(walkable(&[
            ("foot", "yes"),
            ("access", "no"),
            ("highway", "track")
        ]));
        assert!(!walkable(&[("foot", "no"), ("highway", "track")]));
    }
}
