//! Fixture crate for the editor tests: the plans reference this file by line.

pub fn greet() -> String {
    String::from("Hello, world!")
}

#[cfg(test)]
mod tests {
    #[test]
    fn greets_the_world() {
        assert_eq!(super::greet(), "Hello, world!");
    }
}
