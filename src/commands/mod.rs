pub mod plan_text;
