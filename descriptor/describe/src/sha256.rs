//! SHA-256 (FIPS 180-4) as a `const fn`, for the blob header's body hash.

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

const H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

// Constant evaluation interprets every call, so the hot loop spells out
// rotations and additions (in `u64`, truncated) instead of calling
// `rotate_right` and `wrapping_add`.
macro_rules! rotr {
    ($x:expr, $n:literal) => {
        ($x >> $n) | ($x << (32 - $n))
    };
}

macro_rules! add {
    ($($x:expr),+) => {
        ((0u64 $(+ $x as u64)+) & 0xffff_ffff) as u32
    };
}

/// Runs the compression function on the 64 bytes of `block` from `at`.
#[allow(clippy::manual_rotate)] // see `rotr!`
const fn compress(h: &mut [u32; 8], block: &[u8], at: usize) {
    let mut w = [0u32; 64];
    let mut t = 0;
    while t < 16 {
        let i = at + t * 4;
        w[t] = ((block[i] as u32) << 24)
            | ((block[i + 1] as u32) << 16)
            | ((block[i + 2] as u32) << 8)
            | (block[i + 3] as u32);
        t += 1;
    }
    while t < 64 {
        let (a, b) = (w[t - 15], w[t - 2]);
        let s0 = rotr!(a, 7) ^ rotr!(a, 18) ^ (a >> 3);
        let s1 = rotr!(b, 17) ^ rotr!(b, 19) ^ (b >> 10);
        w[t] = add!(w[t - 16], s0, w[t - 7], s1);
        t += 1;
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = *h;
    t = 0;
    while t < 64 {
        let s1 = rotr!(e, 6) ^ rotr!(e, 11) ^ rotr!(e, 25);
        let ch = (e & f) ^ (!e & g);
        let t1 = add!(hh, s1, ch, K[t], w[t]);
        let s0 = rotr!(a, 2) ^ rotr!(a, 13) ^ rotr!(a, 22);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        hh = g;
        g = f;
        f = e;
        e = add!(d, t1);
        d = c;
        c = b;
        b = a;
        a = add!(t1, s0, maj);
        t += 1;
    }
    h[0] = add!(h[0], a);
    h[1] = add!(h[1], b);
    h[2] = add!(h[2], c);
    h[3] = add!(h[3], d);
    h[4] = add!(h[4], e);
    h[5] = add!(h[5], f);
    h[6] = add!(h[6], g);
    h[7] = add!(h[7], hh);
}

/// SHA-256 of `data`.
pub const fn sha256(data: &[u8]) -> [u8; 32] {
    let mut h = H0;
    let n = data.len();
    let full = n / 64 * 64;
    let mut at = 0;
    while at < full {
        compress(&mut h, data, at);
        at += 64;
    }
    // The rest, one 0x80 byte, zeros, and the bit length as a 64-bit
    // big-endian number: one block, or two when fewer than 9 bytes remain.
    let mut tail = [0u8; 128];
    let rest = n - full;
    let mut i = 0;
    while i < rest {
        tail[i] = data[full + i];
        i += 1;
    }
    tail[rest] = 0x80;
    let tail_len = if rest + 9 <= 64 { 64 } else { 128 };
    let bits = (n as u64).wrapping_mul(8).to_be_bytes();
    i = 0;
    while i < 8 {
        tail[tail_len - 8 + i] = bits[i];
        i += 1;
    }
    compress(&mut h, &tail, 0);
    if tail_len == 128 {
        compress(&mut h, &tail, 64);
    }
    let mut out = [0u8; 32];
    i = 0;
    while i < 8 {
        out[i * 4] = (h[i] >> 24) as u8;
        out[i * 4 + 1] = (h[i] >> 16) as u8;
        out[i * 4 + 2] = (h[i] >> 8) as u8;
        out[i * 4 + 3] = h[i] as u8;
        i += 1;
    }
    out
}
