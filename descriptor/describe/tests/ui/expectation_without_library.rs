#[abi_describe::expectation(GEO_ABI)]
unsafe extern "C" {
    fn geo_distance(a: f64, b: f64) -> f64;
}

fn main() {}
