#[abi_describe::expectation(GEO_ABI, library = "geo")]
unsafe extern "system" {
    fn geo_distance(a: f64, b: f64) -> f64;
}

fn main() {}
