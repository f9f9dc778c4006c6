//! Where two versions of a text start and stop differing.

/// How many leading bytes `a` and `b` share (compared a block at a time).
pub fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 4096;
    let n = a.len().min(b.len());
    let mut at = 0;
    while at + BLOCK <= n && a[at..at + BLOCK] == b[at..at + BLOCK] {
        at += BLOCK;
    }
    at + a[at..n]
        .iter()
        .zip(&b[at..n])
        .take_while(|(x, y)| x == y)
        .count()
}

/// How many trailing bytes `a` and `b` share.
pub fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 4096;
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut at = n;
    while at >= BLOCK && a[at - BLOCK..at] == b[at - BLOCK..at] {
        at -= BLOCK;
    }
    n - at
        + a[..at]
            .iter()
            .rev()
            .zip(b[..at].iter().rev())
            .take_while(|(x, y)| x == y)
            .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_ends_are_counted_in_bytes() {
        let a = "x".repeat(10_000) + "abc" + &"y".repeat(9_000);
        let b = "x".repeat(10_000) + "aXc" + &"y".repeat(9_000);
        assert_eq!(common_prefix(a.as_bytes(), b.as_bytes()), 10_001);
        assert_eq!(common_suffix(a.as_bytes(), b.as_bytes()), 9_001);
        assert_eq!(common_prefix(b"ab", b"abc"), 2);
        assert_eq!(common_suffix(b"bc", b"abc"), 2);
        assert_eq!(common_prefix(b"", b"abc"), 0);
    }
}
