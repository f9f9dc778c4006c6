//! Plan templates: which sections a plan must have. Templates are data (TOML), compiled in or
//! loaded from a workspace's `.plan-lsp/templates/*.toml`.

use std::path::Path;
use std::sync::Arc;

use regex::Regex;
use serde::Deserialize;

use super::headings::normalize_title;

/// The template used when neither front matter nor settings name one.
pub const DEFAULT_TEMPLATE: &str = "implementation-plan";

/// The template of a plan that follows no known template: no sections are required of it.
pub const PLAIN_TEMPLATE: &str = "plain";

/// The share of a template's required sections a plan must have for the template to be taken
/// from its headings. Measured on real plans (benches/real-plans): plans that follow a template
/// cover 0.86–1.0 of it; design docs with a few phase headings 0.14–0.57.
const DETECTION_THRESHOLD: f32 = 0.6;

const BUILT_IN: [(&str, &str); 3] = [
    (
        "implementation-plan",
        include_str!("templates/implementation-plan.toml"),
    ),
    (
        "spec-kit-plan",
        include_str!("templates/spec-kit-plan.toml"),
    ),
    ("phased-plan", include_str!("templates/phased-plan.toml")),
];

/// A template as written in TOML.
#[derive(Debug, Clone, Deserialize)]
pub struct Template {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Optional XML-like tag the plan may be wrapped in (`<implementation_plan>`).
    #[serde(default)]
    pub wrapper: Option<String>,
    pub sections: Vec<TemplateSection>,
}

/// One section a plan following the template should have.
#[derive(Debug, Clone, Deserialize)]
pub struct TemplateSection {
    pub title: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// A regex over the normalised title for repeated sections such as `Phase 1`, `Phase 2`.
    #[serde(default)]
    pub pattern: Option<String>,
    #[serde(default = "required_by_default")]
    pub required: bool,
    /// The question put in the placeholder when the section is inserted.
    #[serde(default)]
    pub prompt: String,
    /// What belongs in the section; used by hover and by the LLM prompts.
    #[serde(default)]
    pub guidance: String,
    #[serde(default)]
    pub children: Vec<TemplateSection>,
    /// The title and aliases normalised, and the pattern compiled, once at load.
    #[serde(skip)]
    names: Vec<String>,
    #[serde(skip)]
    regex: Option<Regex>,
}

fn required_by_default() -> bool {
    true
}

impl TemplateSection {
    /// Whether a heading (already normalised) is this section.
    pub fn matches(&self, normalized: &str) -> bool {
        if self
            .regex
            .as_ref()
            .is_some_and(|re| re.is_match(normalized))
        {
            return true;
        }
        // "Phase 1 Success Criteria" is Success Criteria: a name of two words or more may follow
        // a qualifier.
        self.names.iter().any(|n| {
            n == normalized
                || (n.contains(' ')
                    && normalized
                        .strip_suffix(n.as_str())
                        .is_some_and(|head| head.ends_with(' ')))
        })
    }

    fn prepare(&mut self, origin: &str) -> Result<(), TemplateError> {
        self.names = std::iter::once(&self.title)
            .chain(&self.aliases)
            .map(|t| normalize_title(t))
            .collect();
        if let Some(pattern) = &self.pattern {
            self.regex = Some(Regex::new(pattern).map_err(|e| TemplateError {
                origin: origin.to_string(),
                message: format!("section {:?}: bad pattern: {e}", self.title),
            })?);
        }
        for child in &mut self.children {
            child.prepare(origin)?;
        }
        Ok(())
    }

    /// Whether several headings may match this section (`Phase 1`, `Phase 2`…).
    pub fn repeats(&self) -> bool {
        self.pattern.is_some()
    }
}

/// A template that failed to load, with the file it came from.
#[derive(Debug, thiserror::Error)]
#[error("template {origin}: {message}")]
pub struct TemplateError {
    pub origin: String,
    pub message: String,
}

impl Template {
    pub fn parse(origin: &str, text: &str) -> Result<Template, TemplateError> {
        let mut template: Template = toml::from_str(text).map_err(|e| TemplateError {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        for section in &mut template.sections {
            section.prepare(origin)?;
        }
        Ok(template)
    }

    /// Every section of the template, depth first.
    pub fn all_sections(&self) -> Vec<&TemplateSection> {
        fn push<'a>(out: &mut Vec<&'a TemplateSection>, sections: &'a [TemplateSection]) {
            for s in sections {
                out.push(s);
                push(out, &s.children);
            }
        }
        let mut out = Vec::new();
        push(&mut out, &self.sections);
        out
    }

    /// The template section a title path (`["Proposed Implementation", "Overview"]`) names.
    pub fn section_at(&self, path: &[String]) -> Option<&TemplateSection> {
        let mut level = &self.sections;
        let mut found = None;
        for title in path {
            let normalized = normalize_title(title);
            let section = level.iter().find(|s| s.matches(&normalized))?;
            found = Some(section);
            level = &section.children;
        }
        found
    }
}

/// The templates a workspace can use: the built-in ones, overridden or extended by its own.
#[derive(Debug, Clone)]
pub struct TemplateSet {
    templates: Vec<Arc<Template>>,
    /// Detections by the plan's headings: every snapshot asks, and headings rarely change.
    detected: Arc<std::sync::Mutex<Vec<Detection>>>,
}

/// A detection: the hash of a plan's headings, and the index of the template they follow.
type Detection = (u64, Option<usize>);

/// Detections remembered (one per open plan, roughly).
const DETECTED_ENTRIES: usize = 64;

impl Default for TemplateSet {
    fn default() -> Self {
        let mut templates: Vec<Arc<Template>> = BUILT_IN
            .iter()
            .map(|(name, text)| {
                Arc::new(Template::parse(name, text).expect("built-in templates are valid TOML"))
            })
            .collect();
        templates.push(Arc::new(Template {
            name: PLAIN_TEMPLATE.to_string(),
            description: "A plan that follows no known template: placeholders and references only."
                .to_string(),
            wrapper: None,
            sections: Vec::new(),
        }));
        TemplateSet {
            templates,
            detected: Default::default(),
        }
    }
}

impl TemplateSet {
    /// The built-in templates, parsed once.
    pub fn built_in() -> &'static TemplateSet {
        static SET: std::sync::OnceLock<TemplateSet> = std::sync::OnceLock::new();
        SET.get_or_init(TemplateSet::default)
    }

    /// Whether a normalised heading is a section of any built-in template: boilerplate that
    /// every plan of some template shares.
    pub fn is_known_heading(&self, normalized: &str) -> bool {
        self.templates
            .iter()
            .any(|t| t.all_sections().iter().any(|s| s.matches(normalized)))
    }

    /// Built-in templates plus the workspace's own, given as (origin, text or read error) in
    /// order (`workspace::templates` reads them). A broken file is reported and skipped, so one
    /// bad template does not take the others down.
    pub fn with_sources(
        sources: impl IntoIterator<Item = (String, Result<String, String>)>,
    ) -> (TemplateSet, Vec<TemplateError>) {
        let mut set = TemplateSet::default();
        let mut errors = Vec::new();
        for (origin, text) in sources {
            match text {
                Ok(text) => match Template::parse(&origin, &text) {
                    Ok(template) => set.insert(template),
                    Err(e) => errors.push(e),
                },
                Err(message) => errors.push(TemplateError { origin, message }),
            }
        }
        (set, errors)
    }

    fn insert(&mut self, template: Template) {
        self.templates.retain(|t| t.name != template.name);
        self.templates.push(Arc::new(template));
        self.detected = Default::default();
    }

    pub fn get(&self, name: &str) -> Option<Arc<Template>> {
        self.templates.iter().find(|t| t.name == name).cloned()
    }

    /// The template named, or the default one when the name is unknown.
    pub fn get_or_default(&self, name: Option<&str>) -> Arc<Template> {
        name.and_then(|n| self.get(n))
            .or_else(|| self.get(DEFAULT_TEMPLATE))
            .expect("the default template is built in")
    }

    /// The template a plan follows: its front matter's `template:`, else `setting`, else the
    /// template its headings clearly follow (see [`TemplateSet::detect`]), else
    /// [`PLAIN_TEMPLATE`].
    pub fn for_plan(
        &self,
        plan: &super::Plan,
        setting: Option<&str>,
        path: Option<&Path>,
    ) -> Arc<Template> {
        let named = plan.front_matter.as_ref().and_then(|fm| fm.get("template"));
        if let Some(template) = named.or(setting).and_then(|n| self.get(n)) {
            return template;
        }
        self.detect(plan, path)
            .or_else(|| self.get(PLAIN_TEMPLATE))
            .expect("the plain template is built in")
    }

    /// The template whose required sections a plan's headings cover best, when they cover at
    /// least three fifths of them (a spec-kit `specs/*/plan.md` two fifths) and no other template does as
    /// well: a README with a "Background" heading follows no template.
    pub fn detect(&self, plan: &super::Plan, path: Option<&Path>) -> Option<Arc<Template>> {
        let spec_kit_layout = path.is_some_and(is_spec_kit_plan_path);
        let key = {
            use std::hash::{Hash, Hasher};
            let mut hasher = rustc_hash::FxHasher::default();
            spec_kit_layout.hash(&mut hasher);
            for section in &plan.sections {
                section.normalized.hash(&mut hasher);
            }
            hasher.finish()
        };
        let mut detected = self.detected.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&(_, found)) = detected.iter().find(|(k, _)| *k == key) {
            return found.map(|i| self.templates[i].clone());
        }
        let found = self.detect_uncached(plan, spec_kit_layout);
        if detected.len() >= DETECTED_ENTRIES {
            detected.remove(0);
        }
        detected.push((key, found));
        found.map(|i| self.templates[i].clone())
    }

    /// The index of the detected template, computed.
    fn detect_uncached(&self, plan: &super::Plan, spec_kit_layout: bool) -> Option<usize> {
        let mut scored: Vec<(f32, usize)> = self
            .templates
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.sections.is_empty())
            .map(|(i, t)| {
                let mut score = coverage(t, plan);
                if spec_kit_layout && t.name == "spec-kit-plan" {
                    score += 0.2;
                }
                (score, i)
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let (best, template) = *scored.first()?;
        let runner_up = scored.get(1).map_or(0.0, |s| s.0);
        (best >= DETECTION_THRESHOLD && best > runner_up).then_some(template)
    }

    pub fn names(&self) -> Vec<String> {
        self.templates.iter().map(|t| t.name.clone()).collect()
    }
}

/// The share of a template's required sections (any depth) that some heading of the plan names.
fn coverage(template: &Template, plan: &super::Plan) -> f32 {
    let sections = template.all_sections();
    let required: Vec<_> = sections.iter().filter(|s| s.required).collect();
    if required.is_empty() {
        return 0.0;
    }
    let found = required
        .iter()
        .filter(|s| plan.sections.iter().any(|h| s.matches(&h.normalized)))
        .count();
    found as f32 / required.len() as f32
}

/// `specs/001-x/plan.md` or `.specify/specs/001-x/plan.md`: where spec-kit writes its plans.
fn is_spec_kit_plan_path(path: &Path) -> bool {
    let parts: Vec<_> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    parts.len() >= 3 && parts[parts.len() - 1] == "plan.md" && parts[parts.len() - 3] == "specs"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_templates_load_with_their_sections() {
        let set = TemplateSet::default();
        let house = set.get("implementation-plan").unwrap();
        let titles: Vec<_> = house.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(
            titles,
            ["Status quo", "Best Practices", "Proposed Implementation"]
        );
        assert_eq!(house.sections[2].children.len(), 5);
        assert!(set.get("spec-kit-plan").is_some());
        let phased = set.get("phased-plan").unwrap();
        let phase = phased.sections.iter().find(|s| s.repeats()).unwrap();
        assert!(phase.matches("phase 2 api layer"));
    }

    #[test]
    fn aliases_and_numbering_match() {
        let set = TemplateSet::default();
        let house = set.get("implementation-plan").unwrap();
        let path = vec![
            "Proposed implementation".to_string(),
            "High-level overview".to_string(),
        ];
        assert_eq!(house.section_at(&path).unwrap().title, "Overview");
    }

    #[test]
    fn workspace_templates_override_and_bad_ones_are_reported() {
        let (set, errors) = TemplateSet::with_sources([
            ("bad.toml".to_string(), Ok("name = ".to_string())),
            (
                "rfc.toml".to_string(),
                Ok("name = \"rfc\"\n[[sections]]\ntitle = \"Motivation\"\n".to_string()),
            ),
            ("gone.toml".to_string(), Err("unreadable".to_string())),
        ]);
        assert_eq!(set.get("rfc").unwrap().sections[0].title, "Motivation");
        assert_eq!(errors.len(), 2);
        assert!(errors[0].origin.ends_with("bad.toml"));
    }
}
