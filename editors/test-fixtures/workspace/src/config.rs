//! Settings read from the environment; unrelated to greetings (gives the index more than one file).

pub struct Config {
    pub verbose: bool,
}

pub fn from_env() -> Config {
    Config { verbose: std::env::var_os("VERBOSE").is_some() }
}
