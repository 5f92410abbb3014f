//! `sites` on foot on the Porto Alegre network (shared data).

use crate::sites_common::sites_on_foot_reproduce_areas_after;

#[test]
fn porto_alegre_sites_on_foot_reproduce_areas_after() {
    sites_on_foot_reproduce_areas_after("porto_alegre.toml", "healthcare", 5);
}
