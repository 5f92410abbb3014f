//! E2SFCA on Porto Alegre on foot: the bounded per-facility searches equal walking distances
//! over all pairs, and supply is conserved.

use crate::access_common::{check_real, run};
use crate::common::root;
use carecircle::Plan;

/// Porto Alegre on foot (healthcare, 15 minutes, steps): the bounded per-facility searches equal
/// walking distances over all pairs, and supply is conserved.
#[test]
fn porto_alegre_on_foot_all_pairs_and_conserved() {
    let path = root().join("tests/plans/porto_alegre.toml");
    let text = std::fs::read_to_string(&path).unwrap().replacen(
        "kind = \"healthcare\"\nserves = \"total\"\n",
        "kind = \"healthcare\"\nserves = \"total\"\naccess = { decay = \"steps\" }\n",
        1,
    );
    assert!(text.contains("access ="));
    let a = run(Plan::parse(&text, &path).unwrap());
    let s = &a.services[0];
    assert!(s.spec.access.as_ref().unwrap().on_foot);
    assert_eq!(s.spec.access.as_ref().unwrap().catchment_m, 1000.0);
    check_real(&a, "healthcare");
}
