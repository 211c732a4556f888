//! CUPS `page_log` lines (print accounting) as access events.
//!
//! CUPS 2.x writes one line per job (or per page) in its default
//! `PageLogFormat`, `%p %u %j %T %P %C %{job-billing}
//! %{job-originating-host-name} %{job-name} %{media} %{sides}`:
//!
//! ```text
//! Laser1 alice 42 [14/Mar/2024:12:34:56 +0100] total 3 - 10.0.0.7 quarterly report.pdf iso_a4_210x297mm one-sided
//! InkJet ola 7 [03/Jun/2001:08:15:30 +0000] 1 1 dept-42
//! ```
//!
//! Older CUPS stop after the billing field (1.1) or after the host name
//! (1.2, 1.3). Fields are separated by single spaces and `-` stands for an
//! absent value. CUPS writes the job name as given, so it may contain
//! spaces: it is everything between the host name and the last two fields
//! (media and sides, which are keywords without spaces). `%P` is the page
//! number, or `total` on the line CUPS 2.x writes at the end of a job, whose
//! `%C` is then the job's total number of sheets instead of the copies.
//!
//! What maps to what (operation `print`, success true):
//!
//! * `user` is `%u`; `share` (and `printer`) is the printer; `session` (and
//!   `job_id`) is the job id;
//! * `path` is the job name, or `job-<id>` when the line has none (`-`, or
//!   an older CUPS);
//! * `client_ip` is the originating host when it is an IP address,
//!   `client_name` when it is a name;
//! * `pages` is the sheet count of a `total` line; `copies` is `%C` of a
//!   per-page line;
//! * the time keeps its offset; CUPS' `LogTimeFormat usecs` fractions are
//!   read and truncated to microseconds.
//!
//! Lines with other field counts after the copies (a custom
//! `PageLogFormat`) are refused.

use std::net::IpAddr;

use chrono::{DateTime, SubsecRound, Utc};
use vakt_schemas::AccessEvent;

/// One page-log line: the access event and what it says about the job.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PrintJob {
    /// The event of the `access` stream.
    pub event: AccessEvent,
    /// The printer (or class) name.
    pub printer: String,
    /// CUPS' job id.
    pub job_id: String,
    /// The job's total sheets, from a `total` line.
    pub pages: Option<u64>,
    /// The copies of a per-page line.
    pub copies: Option<u64>,
}

/// Whether a line starts like a page-log line:
/// `printer user job-id [DD/Mon/YYYY:...`.
pub fn looks_like_page_log(line: &str) -> bool {
    let mut tokens = line.splitn(5, ' ');
    let (Some(printer), Some(user), Some(job_id), Some(stamp)) =
        (tokens.next(), tokens.next(), tokens.next(), tokens.next())
    else {
        return false;
    };
    !printer.is_empty()
        && !user.is_empty()
        && is_number(job_id)
        && stamp.starts_with('[')
        && stamp.as_bytes().get(3) == Some(&b'/')
        && stamp.as_bytes().get(7) == Some(&b'/')
}

/// Reads one page-log line of the CUPS server `host`: the time and the job.
pub fn parse_page_log(line: &str, host: &str) -> Result<(DateTime<Utc>, PrintJob), String> {
    let line = line.trim_end_matches(['\r', '\n']);
    let mut head = line.splitn(4, ' ');
    let (Some(printer), Some(user), Some(job_id), Some(rest)) =
        (head.next(), head.next(), head.next(), head.next())
    else {
        return Err("cups: expected `printer user job-id [time] page copies ...`".to_string());
    };
    if printer.is_empty() || !is_number(job_id) {
        return Err("cups: expected a printer name and a numeric job id".to_string());
    }
    let Some((stamp, after_time)) = rest
        .strip_prefix('[')
        .and_then(|rest| rest.split_once("] "))
    else {
        return Err("cups: expected `[dd/Mon/yyyy:hh:mm:ss +zzzz]` after the job id".to_string());
    };
    let time = DateTime::parse_from_str(stamp, "%d/%b/%Y:%H:%M:%S%.f %z")
        .map_err(|_| "cups: expected a time like `[14/Mar/2024:12:34:56 +0100]`".to_string())?
        .with_timezone(&Utc)
        .trunc_subsecs(6);
    let fields: Vec<&str> = after_time.split(' ').collect();
    let (Some(page), Some(count)) = (fields.first(), fields.get(1)) else {
        return Err("cups: expected the page and copies after the time".to_string());
    };
    let Ok(count) = count.parse::<u64>() else {
        return Err("cups: expected a number of copies after the page".to_string());
    };
    let is_total = *page == "total";
    if !is_total && page.parse::<u64>().is_err() {
        return Err("cups: expected a page number or `total` after the time".to_string());
    }
    let trailing = fields.get(2..).unwrap_or_default();
    let (client, job_name) = match trailing.len() {
        0 | 1 => (None, None),
        2 => (trailing.get(1).copied(), None),
        count if count >= 5 => (
            trailing.get(1).copied(),
            trailing.get(2..count - 2).map(|words| words.join(" ")),
        ),
        _ => {
            return Err(
                "cups: expected billing, host, job name, media and sides after the copies"
                    .to_string(),
            );
        }
    };
    let client = client.filter(|client| *client != "-" && !client.is_empty());
    let client_ip = client
        .and_then(|client| client.parse::<IpAddr>().ok())
        .map(|address| address.to_canonical().to_string());
    let client_name = client.filter(|_| client_ip.is_none()).map(str::to_string);
    let path = job_name
        .filter(|name| name != "-" && !name.is_empty())
        .unwrap_or_else(|| format!("job-{job_id}"));
    let event = AccessEvent {
        host: host.to_string(),
        user: Some(user)
            .filter(|user| *user != "-" && !user.is_empty())
            .map(str::to_string),
        operation: "print".to_string(),
        path,
        success: true,
        client_ip,
        client_name,
        share: Some(printer.to_string()),
        session: Some(job_id.to_string()),
        ..AccessEvent::default()
    };
    let job = PrintJob {
        event,
        printer: printer.to_string(),
        job_id: job_id.to_string(),
        pages: is_total.then_some(count),
        copies: (!is_total).then_some(count),
    };
    Ok((time, job))
}

fn is_number(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn parse(line: &str) -> Result<(DateTime<Utc>, PrintJob), String> {
        parse_page_log(line, "print1")
    }

    #[test]
    fn reads_a_cups2_total_line_with_spaces_in_the_job_name() {
        let line = "Laser_2 kari 517 [03/Feb/2026:14:05:09 +0100] total 4 - 10.20.0.31 \
            Budsjett 2026 (utkast).pdf iso_a4_210x297mm two-sided-long-edge";
        assert!(looks_like_page_log(line));
        let (time, job) = parse(line).unwrap();
        assert_eq!(time, utc("2026-02-03T13:05:09Z"));
        assert_eq!(
            job,
            PrintJob {
                event: AccessEvent {
                    host: "print1".to_string(),
                    user: Some("kari".to_string()),
                    operation: "print".to_string(),
                    path: "Budsjett 2026 (utkast).pdf".to_string(),
                    success: true,
                    client_ip: Some("10.20.0.31".to_string()),
                    share: Some("Laser_2".to_string()),
                    session: Some("517".to_string()),
                    ..AccessEvent::default()
                },
                printer: "Laser_2".to_string(),
                job_id: "517".to_string(),
                pages: Some(4),
                copies: None,
            }
        );
    }

    #[test]
    fn reads_per_page_lines_host_names_and_absent_values() {
        let line = "Office ola 88 [14/Mar/2024:12:34:56.123456789 +0000] 3 2 proj-7 \
            ws12.example.net - na_letter_8.5x11in one-sided";
        let (time, job) = parse(line).unwrap();
        assert_eq!(time, utc("2024-03-14T12:34:56.123456Z"));
        assert_eq!((job.pages, job.copies), (None, Some(2)));
        assert_eq!(job.event.path, "job-88");
        assert_eq!(job.event.client_ip, None);
        assert_eq!(job.event.client_name.as_deref(), Some("ws12.example.net"));
        let anonymous = "Office - 89 [14/Mar/2024:12:34:56 +0000] 1 1 - ::ffff:192.0.2.4 x.txt - -";
        let (_, job) = parse(anonymous).unwrap();
        assert_eq!(job.event.user, None);
        assert_eq!(job.event.client_ip.as_deref(), Some("192.0.2.4"));
        assert_eq!(job.event.path, "x.txt");
    }

    #[test]
    fn reads_cups1_lines() {
        let old = "InkJet ola 7 [03/Jun/2001:08:15:30 +0000] 1 1 dept-42";
        let (time, job) = parse(old).unwrap();
        assert_eq!(time, utc("2001-06-03T08:15:30Z"));
        assert_eq!(job.event.user.as_deref(), Some("ola"));
        assert_eq!(job.event.path, "job-7");
        assert_eq!(job.event.share.as_deref(), Some("InkJet"));
        assert_eq!(job.event.session.as_deref(), Some("7"));
        assert_eq!((job.event.client_ip, job.event.client_name), (None, None));
        assert_eq!((job.pages, job.copies), (None, Some(1)));
        let with_host = "InkJet ola 8 [03/Jun/2001:08:15:30 +0000] 2 1 - localhost";
        let (_, job) = parse(with_host).unwrap();
        assert_eq!(job.event.client_name.as_deref(), Some("localhost"));
    }

    #[test]
    fn other_shapes_are_refused() {
        assert!(!looks_like_page_log(""));
        assert!(!looks_like_page_log(
            "I [14/Mar/2024:12:34:56 +0000] Listening on localhost:631"
        ));
        assert!(!looks_like_page_log(
            "localhost - - [14/Mar/2024:12:34:56 +0000] \"POST / HTTP/1.1\" 200 1 - -"
        ));
        assert_eq!(
            parse("").unwrap_err(),
            "cups: expected `printer user job-id [time] page copies ...`"
        );
        assert_eq!(
            parse("Laser kari x [14/Mar/2024:12:34:56 +0000] 1 1").unwrap_err(),
            "cups: expected a printer name and a numeric job id"
        );
        assert_eq!(
            parse("Laser kari 1 14/Mar/2024:12:34:56 +0000 1 1").unwrap_err(),
            "cups: expected `[dd/Mon/yyyy:hh:mm:ss +zzzz]` after the job id"
        );
        assert_eq!(
            parse("Laser kari 1 [14/Foo/2024:12:34:56 +0000] 1 1").unwrap_err(),
            "cups: expected a time like `[14/Mar/2024:12:34:56 +0100]`"
        );
        assert_eq!(
            parse("Laser kari 1 [14/Mar/2024:12:34:56 +0000] 1").unwrap_err(),
            "cups: expected the page and copies after the time"
        );
        assert_eq!(
            parse("Laser kari 1 [14/Mar/2024:12:34:56 +0000] x 1").unwrap_err(),
            "cups: expected a page number or `total` after the time"
        );
        assert_eq!(
            parse("Laser kari 1 [14/Mar/2024:12:34:56 +0000] 1 y").unwrap_err(),
            "cups: expected a number of copies after the page"
        );
        assert_eq!(
            parse("Laser kari 1 [14/Mar/2024:12:34:56 +0000] 1 1 - host name").unwrap_err(),
            "cups: expected billing, host, job name, media and sides after the copies"
        );
    }

    #[test]
    fn odd_bytes_are_refused_without_panicking() {
        for line in [
            "\u{e9}",
            "L\u{e6} k\u{e5}ri 1 [1\u{e9}/Mar/2024:12:34:56 +0000] 1 1",
            "Laser kari 1 [14/Mar/2024:12:34:56 +0000",
            "Laser kari 1 [\u{1F600}] 1 1",
            "Laser kari 99999999999999999999999 [14/Mar/2024:12:34:56 +0000] 1 99999999999999999999999",
            "Laser kari 1 [14/Mar/2024:12:34:56 +0000]    ",
        ] {
            let _ = looks_like_page_log(line);
            assert!(parse(line).is_err(), "{line}");
        }
        let (_, job) = parse("L\u{e6}ser k\u{e5}ri 7 [14/Mar/2024:12:34:56 +0000] total 1 - - r\u{e9}sum\u{e9}.pdf - -").unwrap();
        assert_eq!(job.event.path, "r\u{e9}sum\u{e9}.pdf");
        assert_eq!(job.event.user.as_deref(), Some("k\u{e5}ri"));
    }
}
