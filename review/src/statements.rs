//! Every finding's one-line statement, in bokmål and English, made from the
//! facts its check collected (see CHECKS.md for each check's facts). One
//! function per check, so the wording of the review can be read and
//! proofread in one place.

use crate::draft::Draft;
use crate::language::{Language, Noun, counted};

use Language::{En, Nb};

/// "hud (Hudregisteret)", or the id alone when the registry has no name.
fn dataset(draft: &Draft) -> String {
    labelled(draft.subject_value(), draft, "name")
}

/// "kari (Kari Nordmann)", or the user name alone for someone not in
/// people.toml.
fn user(draft: &Draft) -> String {
    labelled(draft.subject_value(), draft, "person")
}

fn labelled(id: &str, draft: &Draft, key: &str) -> String {
    if draft.has(key) && draft.get(key) != id {
        format!("{id} ({})", draft.get(key))
    } else {
        id.to_string()
    }
}

/// A zone of the configuration, in a language.
fn zone(language: Language, zone: &str) -> String {
    match (language, zone) {
        (Nb, "secure") => "sikker sone".to_string(),
        (Nb, "internal") => "intern sone".to_string(),
        (Nb, "external") => "ekstern sone".to_string(),
        (Nb, other) => format!("sonen {other}"),
        (En, other) => format!("the {other} zone"),
    }
}

fn times(draft: &Draft, language: Language) -> String {
    counted(language, draft.count(), Noun::Time)
}

fn not_in_people(draft: &Draft, language: Language) -> &'static str {
    if !draft.has("unknown") {
        return "";
    }
    language.pick(" (ikke i people.toml)", " (not in people.toml)")
}

pub fn class_mismatch(draft: &Draft, language: Language) -> String {
    let (name, declared, expected) = (dataset(draft), draft.get("declared"), draft.get("expected"));
    match language {
        Nb => format!(
            "datasettet {name} er oppgitt som klasse {declared}, men tabell 1 gir klasse {expected}"
        ),
        En => format!("dataset {name} is declared class {declared}, but Table 1 gives {expected}"),
    }
}

pub fn wrong_zone(draft: &Draft, language: Language) -> String {
    let (name, class) = (dataset(draft), draft.get("class"));
    let place = zone(language, draft.get("zone"));
    match (language, draft.has("exception")) {
        // 4.5-4.6: classes A and B have no exception to give.
        (Nb, true) => format!(
            "datasettet {name} (klasse {class}) er lagret i {place}; unntaket ({}) kan ikke tillate det: klasse {class} skal bare lagres i sikker sone",
            draft.get("exception")
        ),
        (Nb, false) => format!(
            "datasettet {name} (klasse {class}) er lagret i {place} uten et dokumentert unntak"
        ),
        (En, true) => format!(
            "dataset {name} (class {class}) is stored in {place}; its exception ({}) cannot allow that: class {class} is kept only in the secure zone",
            draft.get("exception")
        ),
        (En, false) => format!(
            "dataset {name} (class {class}) is stored in {place} without a documented exception"
        ),
    }
}

pub fn class_a_kept(draft: &Draft, language: Language) -> String {
    let name = dataset(draft);
    let (received, allowed, deleted) = (
        draft.get("received"),
        draft.get("allowed"),
        draft.get("deleted"),
    );
    match (language, draft.has("received"), draft.has("deleted")) {
        (Nb, true, true) => format!(
            "klasse A-datasettet {name}, mottatt {received}, skulle vært slettet innen {allowed}, men ble slettet først {deleted}"
        ),
        (Nb, true, false) => format!(
            "klasse A-datasettet {name}, mottatt {received}, skulle vært slettet innen {allowed} og er fortsatt lagret"
        ),
        (Nb, false, true) => {
            format!("klasse A-datasettet {name} har ingen mottaksdato; det ble slettet {deleted}")
        }
        (Nb, false, false) => {
            format!("klasse A-datasettet {name} har ingen mottaksdato og er fortsatt lagret")
        }
        (En, true, true) => format!(
            "class A dataset {name} received {received} was to be deleted by {allowed} and was deleted only on {deleted}"
        ),
        (En, true, false) => format!(
            "class A dataset {name} received {received} was to be deleted by {allowed} and is still kept"
        ),
        (En, false, true) => {
            format!("class A dataset {name} has no receipt date; it was deleted on {deleted}")
        }
        (En, false, false) => {
            format!("class A dataset {name} has no receipt date and is still kept")
        }
    }
}

pub fn user_area(draft: &Draft, language: Language) -> String {
    let name = dataset(draft);
    match language {
        Nb => format!("datasettet {name} er lagret i et brukerområde"),
        En => format!("dataset {name} is kept in a user area"),
    }
}

pub fn no_owner(draft: &Draft, language: Language) -> String {
    let name = dataset(draft);
    match language {
        Nb => format!("det taushetsbelagte datasettet {name} har ingen registeransvarlig"),
        En => format!("confidential dataset {name} has no register owner"),
    }
}

pub fn unregistered_data(draft: &Draft, language: Language) -> String {
    let (path, accesses) = (
        draft.subject_value(),
        counted(language, draft.count(), Noun::Access),
    );
    match language {
        Nb => format!("{path} er i bruk ({accesses}), men står ikke i dataoversikten"),
        En => format!("{path} is in use ({accesses}) but is not in the data overview"),
    }
}

pub fn deletion_overdue(draft: &Draft, language: Language) -> String {
    let (name, delete_by, done) = (dataset(draft), draft.get("delete_by"), draft.get("done"));
    match (language, draft.has("done")) {
        (Nb, true) => format!(
            "datasettet {name} skulle vært slettet innen {delete_by}, men ble slettet først {done}"
        ),
        (Nb, false) => format!(
            "datasettet {name} skulle vært slettet innen {delete_by}, og ingen sletting er registrert"
        ),
        (En, true) => format!(
            "dataset {name} was to be deleted by {delete_by} and was deleted only on {done}"
        ),
        (En, false) => {
            format!("dataset {name} was to be deleted by {delete_by} and no deletion is recorded")
        }
    }
}

pub fn access_after_deletion(draft: &Draft, language: Language) -> String {
    let (name, day, first) = (dataset(draft), draft.get("day"), draft.get("first"));
    let count = times(draft, language);
    match language {
        Nb => format!(
            "datasettet {name} ble brukt {count} etter slettedagen {day} (første gang {first})"
        ),
        En => {
            format!("dataset {name} was used {count} after its deletion day {day} (first {first})")
        }
    }
}

pub fn copies_remain(draft: &Draft, language: Language) -> String {
    let (name, date, copies) = (dataset(draft), draft.get("date"), draft.names());
    match language {
        Nb => {
            format!("datasettet {name} er registrert slettet {date}, men kopier er igjen: {copies}")
        }
        En => format!("dataset {name} was recorded deleted on {date}, but copies remain: {copies}"),
    }
}

pub fn class_c_outside(draft: &Draft, language: Language) -> String {
    let (name, until) = (dataset(draft), draft.get("until"));
    match (language, draft.has("until")) {
        (Nb, true) => format!(
            "klasse C-datasettet {name} er fortsatt utenfor sikker sone etter at unntaket gikk ut {until}"
        ),
        (Nb, false) => format!(
            "klasse C-datasettet {name} er lagret utenfor sikker sone med et unntak uten sluttdato"
        ),
        (En, true) => format!(
            "class C dataset {name} is still outside the secure zone after its exception ended on {until}"
        ),
        (En, false) => format!(
            "class C dataset {name} is kept outside the secure zone with no end to its exception"
        ),
    }
}

pub fn uncovered_session(draft: &Draft, language: Language) -> String {
    let (who, unknown, servers) = (user(draft), not_in_people(draft, language), draft.names());
    let count = times(draft, language);
    match language {
        Nb => format!(
            "{who}{unknown} logget på {servers} {count} uten gyldig autorisasjon for sikker sone{}",
            grant_behind(draft, language)
        ),
        En => format!(
            "{who}{unknown} logged in {count} to {servers} without a valid secure-zone authorisation{}",
            grant_behind(draft, language)
        ),
    }
}

/// The grant closest to covering an uncovered event: its dates and who
/// approved it (CHECKS.md: `grant`, `grant_from`, `grant_until`,
/// `grant_revoked`, `grant_approved_by`).
fn grant_behind(draft: &Draft, language: Language) -> String {
    if !draft.has("grant") {
        return String::new();
    }
    let mut parts = vec![match language {
        Nb => format!("gyldig fra {}", draft.get("grant_from")),
        En => format!("valid from {}", draft.get("grant_from")),
    }];
    if draft.has("grant_until") {
        parts.push(match language {
            Nb => format!("til og med {}", draft.get("grant_until")),
            En => format!("until {}", draft.get("grant_until")),
        });
    }
    if draft.has("grant_revoked") {
        parts.push(match language {
            Nb => format!("trukket tilbake {}", draft.get("grant_revoked")),
            En => format!("revoked {}", draft.get("grant_revoked")),
        });
    }
    if draft.has("grant_approved_by") {
        parts.push(match language {
            Nb => format!("godkjent av {}", draft.get("grant_approved_by")),
            En => format!("approved by {}", draft.get("grant_approved_by")),
        });
    }
    match language {
        Nb => format!(
            "; nærmeste autorisasjon er {} ({})",
            draft.get("grant"),
            parts.join(", ")
        ),
        En => format!(
            "; the nearest authorisation is {} ({})",
            draft.get("grant"),
            parts.join(", ")
        ),
    }
}

pub fn uncovered_access(draft: &Draft, language: Language) -> String {
    let who = user(draft);
    let count = times(draft, language);
    let what = match (language, draft.get("kind")) {
        (Nb, "dataset") => format!(
            "datasettet {}",
            labelled(draft.get("target"), draft, "name")
        ),
        (Nb, "project") => format!("prosjektområdet {}", draft.get("target")),
        (Nb, _) => format!("hjemmeområdet til {}", draft.get("target")),
        (En, "dataset") => format!("dataset {}", labelled(draft.get("target"), draft, "name")),
        (En, "project") => format!("project area {}", draft.get("target")),
        (En, _) => format!("the home of {}", draft.get("target")),
    };
    match language {
        Nb => format!(
            "{who} brukte {what} {count} uten gyldig autorisasjon{}",
            grant_behind(draft, language)
        ),
        En => format!(
            "{who} accessed {what} {count} without a valid authorisation{}",
            grant_behind(draft, language)
        ),
    }
}

pub fn grant_not_renewed(draft: &Draft, language: Language) -> String {
    let (grant, scope, from, until, renew_by) = (
        draft.subject_value(),
        draft.get("grant"),
        draft.get("from"),
        draft.get("until"),
        draft.get("renew_by"),
    );
    match (language, draft.has("until")) {
        (Nb, true) => format!(
            "autorisasjonen {grant} ({scope}) gjelder fra {from} til og med {until}, lenger enn et år: den skulle vært fornyet innen {renew_by}"
        ),
        (Nb, false) => format!(
            "autorisasjonen {grant} ({scope}) gjelder fra {from} uten sluttdato: den skulle vært fornyet innen {renew_by}"
        ),
        (En, true) => format!(
            "authorisation {grant} ({scope}) is valid from {from} until {until}, longer than a year: it was to be renewed by {renew_by}"
        ),
        (En, false) => format!(
            "authorisation {grant} ({scope}) is valid from {from} with no end: it was to be renewed by {renew_by}"
        ),
    }
}

pub fn leaver_activity(draft: &Draft, language: Language) -> String {
    let (who, end, first) = (user(draft), draft.get("end"), draft.get("first"));
    let count = times(draft, language);
    match language {
        Nb => format!("{who} var aktiv {count} etter å ha sluttet {end} (første gang {first})"),
        En => format!("{who} was active {count} after leaving on {end} (first {first})"),
    }
}

pub fn leaver_open_grant(draft: &Draft, language: Language) -> String {
    let (grant, holder, end) = (draft.subject_value(), draft.get("holder"), draft.get("end"));
    let ends = draft.get("grant_ends");
    match (language, draft.has("grant_ends")) {
        (Nb, true) => format!(
            "autorisasjonen {grant} var fortsatt åpen etter at {holder} sluttet {end}: den gjaldt til {ends}"
        ),
        (Nb, false) => format!(
            "autorisasjonen {grant} var fortsatt åpen etter at {holder} sluttet {end}: den har ingen sluttdato"
        ),
        (En, true) => format!(
            "authorisation {grant} stayed open after {holder} left on {end}: it ran until {ends}"
        ),
        (En, false) => {
            format!("authorisation {grant} stayed open after {holder} left on {end}: it has no end")
        }
    }
}

pub fn operations_area(draft: &Draft, language: Language) -> String {
    let (who, area) = (user(draft), draft.get("area"));
    let count = times(draft, language);
    let area_nb = match area {
        "system" => "systemområdet",
        "program" => "programområdet",
        other => other,
    };
    match language {
        Nb => format!("{who} brukte {area_nb} {count} uten å være driftspersonell"),
        En => format!("{who} used the {area} area {count} without being operations staff"),
    }
}

pub fn no_declaration(draft: &Draft, language: Language) -> String {
    let (who, unknown) = (user(draft), not_in_people(draft, language));
    let count = times(draft, language);
    match language {
        Nb => format!("{who}{unknown} brukte sikker sone {count} uten signert taushetserklæring"),
        En => format!(
            "{who}{unknown} used the secure zone {count} without a signed confidentiality declaration"
        ),
    }
}

pub fn single_verification(draft: &Draft, language: Language) -> String {
    let (grant, datasets, holder) = (draft.subject_value(), draft.names(), draft.get("holder"));
    let person = |key: &str| match (draft.get(key), language) {
        ("", Nb) => "ingen".to_string(),
        ("", En) => "no one".to_string(),
        (name, _) => name.to_string(),
    };
    let (approved, verified) = (person("approved_by"), person("verified_by"));
    match language {
        Nb => format!(
            "autorisasjonen {grant} for {holder} gir tilgang til sensitive data ({datasets}), men behovet er ikke godkjent og verifisert av to uavhengige personer (godkjent av {approved}, verifisert av {verified})"
        ),
        En => format!(
            "authorisation {grant} of {holder} reaches sensitive data ({datasets}) but was not approved and verified by two independent persons (approved by {approved}, verified by {verified})"
        ),
    }
}

pub fn external_remote(draft: &Draft, language: Language) -> String {
    let (who, from) = (user(draft), draft.names());
    let count = times(draft, language);
    match language {
        Nb => format!(
            "den eksterne brukeren {who} brukte sikker sone {count} utenfra lokalene ({from}) uten tillatelse"
        ),
        En => format!(
            "external {who} used the secure zone {count} from outside the premises ({from}) without permission"
        ),
    }
}

pub fn inbound_to_secure(draft: &Draft, language: Language) -> String {
    let from = zone(language, draft.subject_value());
    let to = draft
        .subject
        .split_once(" to=")
        .map_or("", |(_, to)| to)
        .to_string();
    let connections = counted(language, draft.count(), Noun::Connection);
    match language {
        Nb => format!("brannmuren slapp gjennom {connections} fra {from} inn i sikker sone ({to})"),
        En => format!(
            "the firewall let {connections} through from {from} into the secure zone ({to})"
        ),
    }
}

pub fn unlisted_exception(draft: &Draft, language: Language) -> String {
    let to = draft.subject_value();
    let connections = counted(language, draft.count(), Noun::Connection);
    match language {
        Nb => format!(
            "brannmuren slapp gjennom {connections} utenfra inn til {to}, som ikke noe registrert unntak tillater"
        ),
        En => format!(
            "the firewall let {connections} in from outside to {to}, which no listed exception allows"
        ),
    }
}

pub fn single_factor(draft: &Draft, language: Language) -> String {
    let (who, servers) = (user(draft), draft.names());
    let count = times(draft, language);
    let by_policy = match (language, draft.has("by_policy")) {
        (_, false) => "",
        (Nb, true) => {
            " (etter terminaltjenerens konfigurerte policy, secure_zone.multi_factor: loggen sier det ikke)"
        }
        (En, true) => {
            " (by the terminal server's configured policy, secure_zone.multi_factor: the log does not say)"
        }
    };
    match language {
        Nb => {
            format!("{who} logget på {servers} {count} med bare én autentiseringsmetode{by_policy}")
        }
        En => format!(
            "{who} logged in {count} to {servers} with a single authentication method{by_policy}"
        ),
    }
}

pub fn secure_egress(draft: &Draft, language: Language) -> String {
    let to = draft.subject_value();
    let connections = counted(language, draft.count(), Noun::Connection);
    match language {
        Nb => format!("brannmuren slapp gjennom {connections} fra sikker sone ut til {to}"),
        En => format!("the firewall let {connections} out from the secure zone to {to}"),
    }
}

pub fn print_personal(draft: &Draft, language: Language) -> String {
    let (name, users) = (dataset(draft), draft.names());
    let count = times(draft, language);
    match language {
        Nb => {
            format!("personopplysninger fra datasettet {name} ble skrevet ut {count} (av {users})")
        }
        En => format!("personal data of dataset {name} was printed {count} (by {users})"),
    }
}

pub fn silent_source(draft: &Draft, language: Language) -> String {
    let host = draft.subject_value();
    let gaps = draft.notes().len() as u64;
    let limit = draft.get("limit");
    let longest = draft.get("longest_hours").parse::<u64>().map_or_else(
        |_| "?".to_string(),
        |hours| counted(language, hours, Noun::Hour),
    );
    match language {
        Nb => format!(
            "{host} var stille {} i mer enn {limit} timer (lengste: {longest})",
            counted(language, gaps, Noun::Time)
        ),
        En => format!(
            "{host} fell silent {} for longer than {limit} hours (longest: {longest})",
            counted(language, gaps, Noun::Time)
        ),
    }
}

pub fn days_without_logs(draft: &Draft, language: Language) -> String {
    let days = counted(language, draft.notes().len() as u64, Noun::Day);
    match language {
        Nb => format!("{days} av året hadde ingen loggpost i det hele tatt"),
        En => format!("{days} of the year had no log record at all"),
    }
}

pub fn store_verification(draft: &Draft, language: Language) -> String {
    let problems = counted(language, draft.notes().len() as u64, Noun::Problem);
    let first = draft.notes().first().map_or("", String::as_str);
    match language {
        Nb => format!("loggarkivet verifiserer ikke: {problems}, det første: {first}"),
        En => format!("the log store does not verify: {problems}, first: {first}"),
    }
}

pub fn unwitnessed(draft: &Draft, language: Language) -> String {
    let gaps = draft.get("gaps").parse::<u64>().unwrap_or(0);
    let (hours, from, to) = (
        draft.get("hours"),
        draft.get("longest_from"),
        draft.get("longest_to"),
    );
    let how_often = match (language, gaps) {
        (Nb, 1) => "én gang".to_string(),
        (En, 1) => "once".to_string(),
        (_, gaps) => counted(language, gaps, Noun::Time),
    };
    match language {
        Nb => format!(
            "loggarkivet var mer enn {hours} timer uten et vitnes medsignatur {how_often}; den lengste perioden fra {from} til {to}"
        ),
        En => format!(
            "the store went more than {hours} hours without a witness's cosignature {how_often}; the longest from {from} to {to}"
        ),
    }
}
