//! `vakt verify` with witnesses: the store checked against what its
//! witnesses hold, and the `[witness_policy]`.

use chrono::{DateTime, Utc};
use vakt_schemas::config::WitnessPolicy;
use vakt_store::StoreReader;
use vakt_store::verify::{Outside, Problem, VerifyReport, WitnessingReport, verify_with};

use crate::log_side::gather::gather;
use crate::log_side::policy::check_policy;
use crate::log_side::witnesses::Witness;

/// Verifies the store against its files, `against` (checkpoints kept
/// elsewhere), the checkpoints `witnesses` hold and the cosigned ones in
/// the store; a witness that cannot be asked is a warning
/// (`witness-unreachable`), and a policy not met a problem
/// (`witness-policy`).
pub fn verify_witnessed(
    reader: &StoreReader,
    against: Option<String>,
    witnesses: &[Witness],
    policy: &WitnessPolicy,
    now: DateTime<Utc>,
) -> VerifyReport {
    let gathered = gather(reader, witnesses);
    let outside = Outside {
        against,
        witnessed: gathered.checkpoints.clone(),
    };
    let mut report = verify_with(reader, &outside);
    for (witness, reason) in &gathered.unreachable {
        report.warnings.push(Problem::store_wide(
            "witness-unreachable",
            format!("witness {witness} could not be asked what it holds: {reason}"),
        ));
    }
    for (witness, stream) in &gathered.missing {
        report.warnings.push(Problem::new(
            *stream,
            "witness-missing",
            format!(
                "witness {witness} holds no checkpoint of {} though it has records: it was never \
                 given one (see `vakt status`), or the store's identity was changed",
                reader.info().origin(*stream)
            ),
        ));
    }
    if policy.min_witnesses > 0 {
        for check in check_policy(reader, witnesses, policy, &gathered.checkpoints, now) {
            if !check.met {
                let newest = check
                    .newest
                    .map_or_else(|| "never".to_string(), |time| time.to_rfc3339());
                report.problems.push(Problem::new(
                    check.stream,
                    "witness-policy",
                    format!(
                        "{} of the {} witnesses the policy asks for vouched for this stream in \
                         the last {} hours (last: {newest}): the store ran without recent \
                         witnessing; see `vakt status` and the witnesses' logs",
                        check.recent.len(),
                        policy.min_witnesses,
                        policy.max_age_hours
                    ),
                ));
            }
            report.witnessing.push(WitnessingReport {
                stream: check.stream,
                recent: check.recent,
                newest: check.newest,
                required: policy.min_witnesses,
                met: check.met,
            });
        }
    }
    report.ok = report.problems.is_empty();
    report
}
