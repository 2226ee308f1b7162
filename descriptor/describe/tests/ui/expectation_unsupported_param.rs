#[abi_describe::expectation(GEO_ABI, library = "geo")]
unsafe extern "C" {
    fn geo_name(name: String) -> f64;
}

fn main() {}
