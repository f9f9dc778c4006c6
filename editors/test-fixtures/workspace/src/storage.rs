//! Where uploads are kept; unrelated to greetings (gives the index more than one file).

pub fn bucket_name(tenant: &str) -> String {
    format!("uploads-{tenant}")
}
