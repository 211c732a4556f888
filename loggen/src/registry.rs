//! The registry of the generated institute (the four files of DESIGN.md,
//! "Registry files"), written so that the generated activity is authorised:
//! every person has a signed declaration and a secure-zone grant for the
//! span, every project member a project grant, and access to another
//! project's dataset a dataset grant. Grants run at most 365 days and are
//! renewed, as 3.3.k asks.

use std::fmt::Write;

use chrono::{Days, NaiveDate};

use crate::institute::{Institute, Kind};

/// Sensitivity and identifiability groups given to datasets in turn.
const GROUPS: [(&str, u8, &str); 7] = [
    ("I", 3, "C"),
    ("S", 4, "B"),
    ("T", 5, "D"),
    ("I", 6, "D"),
    ("S", 6, "C"),
    ("T", 7, "E"),
    ("I", 2, "B"),
];

/// The four registry files as (file name, text).
pub fn registry_files(
    inst: &Institute,
    start: NaiveDate,
    days: u32,
) -> Vec<(&'static str, String)> {
    let last = start
        .checked_add_days(Days::new(u64::from(days.saturating_sub(1))))
        .unwrap_or(start);
    let owner_of = |dataset: usize| -> (Option<usize>, Option<&str>) {
        inst.projects
            .iter()
            .find(|project| project.datasets.contains(&dataset))
            .map_or((None, None), |project| {
                (project.members.first().copied(), Some(project.id.as_str()))
            })
    };

    let mut datasets = String::from("# Data overview of the generated institute (4.1.f).\n");
    for (index, dataset) in inst.datasets.iter().enumerate() {
        let (sensitivity, identifiability, class) = GROUPS[index % GROUPS.len()];
        let (owner, project) = owner_of(index);
        let _ = write!(
            datasets,
            "\n[[dataset]]\nid = \"{name}\"\nname = \"{name}\"\nsensitivity = \"{sensitivity}\"\n\
             identifiability = {identifiability}\nclass = \"{class}\"\nzone = \"secure\"\narea = \"data\"\n\
             paths = [\"/data/{name}\"]\n",
            name = dataset.name
        );
        if let Some(owner) = owner {
            let _ = writeln!(datasets, "owner = \"{}\"", inst.users[owner].name);
        }
        if let Some(project) = project {
            let _ = writeln!(datasets, "project = \"{project}\"");
        }
    }

    let signed = start.checked_sub_days(Days::new(30)).unwrap_or(start);
    let mut people = String::from("# People of the generated institute.\n");
    for user in &inst.users {
        let kind = match user.kind {
            Kind::Researcher => "employee",
            Kind::Operations => "operations",
            Kind::External => "external",
        };
        let _ = write!(
            people,
            "\n[[person]]\nuser = \"{name}\"\nname = \"{name}\"\nkind = \"{kind}\"\ndeclaration_signed = {signed}\n",
            name = user.name
        );
        if let Some(project) = user.projects.first() {
            let project = &inst.projects[*project];
            let _ = writeln!(people, "project = \"{}\"", project.id);
            let supervisor = project
                .members
                .iter()
                .find(|member| inst.users[**member].kind == Kind::Researcher);
            if user.kind == Kind::External
                && let Some(supervisor) = supervisor
            {
                let _ = writeln!(people, "supervisor = \"{}\"", inst.users[*supervisor].name);
            }
        }
        if user.home_ip.is_some() {
            people.push_str("remote_allowed = true\n");
        }
    }

    let mut grants = String::from("# Authorisations of the generated institute, renewed yearly.\n");
    let mut number = 0;
    let mut grant = |user: &str, scope: &str, verifier: &str| {
        for (from, until) in yearly(start, last) {
            number += 1;
            let _ = write!(
                grants,
                "\n[[grant]]\nid = \"g{number}\"\nuser = \"{user}\"\nscope = \"{scope}\"\ngranted_by = \"director\"\n\
                 approved_by = \"director\"\nverified_by = \"{verifier}\"\nfrom = {from}\nuntil = {until}\n"
            );
        }
    };
    for user in &inst.users {
        grant(&user.name, "secure-zone", "it-manager");
        for project in &user.projects {
            let project = &inst.projects[*project];
            grant(&user.name, &format!("project:{}", project.id), "it-manager");
            for dataset in &project.datasets {
                let (owner, own_project) = owner_of(*dataset);
                if own_project == Some(project.id.as_str()) {
                    continue;
                }
                let owner = owner.map_or("register-owner", |owner| inst.users[owner].name.as_str());
                let verifier = if owner == user.name {
                    "security-officer"
                } else {
                    owner
                };
                grant(
                    &user.name,
                    &format!("dataset:{}", inst.datasets[*dataset].name),
                    verifier,
                );
            }
        }
    }

    vec![
        ("datasets.toml", datasets),
        ("people.toml", people),
        ("authorizations.toml", grants),
        (
            "deletions.toml",
            "# No dataset of the generated institute has been deleted.\n".to_string(),
        ),
    ]
}

/// The span cut into periods of at most 365 days: (first day, last day).
fn yearly(start: NaiveDate, last: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let mut periods = Vec::new();
    let mut from = start;
    while from <= last {
        let until = from
            .checked_add_days(Days::new(364))
            .unwrap_or(last)
            .min(last);
        periods.push((from, until));
        match until.checked_add_days(Days::new(1)) {
            Some(next) => from = next,
            None => break,
        }
    }
    periods
}
