//! Random edits for property tests: a seeded generator and LSP positions in a plain string.

use tower_lsp::lsp_types::Position;

/// xorshift64*: deterministic, so a failure reproduces from its seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The LSP position (UTF-16) of char index `char_index` in `text`.
pub fn position_of(text: &str, char_index: usize) -> Position {
    let before: String = text.chars().take(char_index).collect();
    let mut line = 0;
    let mut line_start = 0;
    let bytes = before.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            line += 1;
            line_start = i + 1;
        }
        i += 1;
    }
    // A position between `\r` and `\n` is not a valid LSP position: move before the `\r`.
    let mut column_text = &before[line_start..];
    if column_text.ends_with('\r') && text[before.len()..].starts_with('\n') {
        column_text = &column_text[..column_text.len() - 1];
    }
    Position::new(line, column_text.encode_utf16().count() as u32)
}
