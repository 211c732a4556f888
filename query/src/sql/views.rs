//! The views every SQL session has besides the stream tables: the
//! questions asked most often, named once.

use chrono_tz::Tz;
use datafusion::error::Result;
use datafusion::prelude::SessionContext;

/// A view: its name, what it holds, and its query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct View {
    pub name: &'static str,
    pub description: &'static str,
    pub query: String,
}

/// The views of a session whose people live in `time_zone` (the day of
/// `dataset_access` is a day there).
pub fn views(time_zone: Tz) -> Vec<View> {
    let zone = time_zone.name();
    vec![
        View {
            name: "secure_sessions",
            description: "sessions on servers in the secure zone (server_zone = 'secure')",
            query: "SELECT * FROM sessions WHERE server_zone = 'secure'".to_string(),
        },
        View {
            name: "secure_inbound",
            description: "firewall records of traffic into the secure zone from outside it \
                          (dst_zone = 'secure', src_zone not 'secure')",
            query: "SELECT * FROM firewall \
                    WHERE dst_zone = 'secure' AND src_zone IS DISTINCT FROM 'secure'"
                .to_string(),
        },
        View {
            name: "dataset_access",
            description: "file accesses per dataset, user and local day: accesses, failed, \
                          first_time, last_time",
            query: format!(
                "SELECT dataset, \"user\", \
                        CAST(to_local_time(time AT TIME ZONE '{zone}') AS DATE) AS day, \
                        count(*) AS accesses, \
                        count(*) FILTER (WHERE NOT success) AS failed, \
                        min(time) AS first_time, \
                        max(time) AS last_time \
                 FROM access \
                 WHERE dataset IS NOT NULL \
                 GROUP BY 1, 2, 3"
            ),
        },
    ]
}

/// Registers the views in a session that already has the stream tables.
pub async fn register(context: &SessionContext, time_zone: Tz) -> Result<()> {
    for view in views(time_zone) {
        context
            .sql(&format!("CREATE VIEW {} AS {}", view.name, view.query))
            .await?;
    }
    Ok(())
}
