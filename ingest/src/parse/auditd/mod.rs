//! Linux audit (`auditd`) `audit.log` events as file-access events.
//!
//! Each line is a record (see [`record`]); the records of one event share
//! the `msg=audit(SECONDS.MILLIS:SERIAL)` stamp and, when there are several,
//! end with an `EOE` record:
//!
//! ```text
//! type=SYSCALL msg=audit(1710419696.243:812): arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c a1=7ffc a2=0 a3=0 items=1 ppid=900 pid=901 auid=1000 uid=1000 ... ses=4 comm="cat" exe="/usr/bin/cat" key="secrets"
//! type=CWD msg=audit(1710419696.243:812): cwd="/home/alice"
//! type=PATH msg=audit(1710419696.243:812): item=0 name="/etc/shadow" inode=131 ... nametype=NORMAL
//! type=PROCTITLE msg=audit(1710419696.243:812): proctitle=636174002F6574632F736861646F77
//! type=EOE msg=audit(1710419696.243:812):
//! ```
//!
//! [`audit_event`] joins the records of one event into one access event:
//!
//! * host: the `node=` name when present, else the host of the input;
//! * user: the login user (`auid`): its name from the ENRICHED `AUID=`, else
//!   the number as text; none when unset (`4294967295` or `-1`);
//! * operation, from the syscall: its name is the ENRICHED `SYSCALL=`, else
//!   the number looked up for `arch=` x86_64, aarch64 or i386 (an unknown
//!   arch is refused):
//!   - `open`, `openat`, `open_by_handle_at`, `creat`: `create` when the
//!     flags have `O_CREAT` (always for `creat`) and a PATH record has
//!     nametype `CREATE`, else `write` with `O_WRONLY` or `O_RDWR` (always
//!     for `creat`), else `read`; `openat2` passes its flags behind a pointer
//!     the log does not show, so it is `create` with a `CREATE` path and
//!     `other` without;
//!   - `unlink`, `unlinkat`, `rmdir`: `delete`; `rename*`: `rename`;
//!   - `mkdir*`, `mknod*`, `link*`, `symlink*`: `create`;
//!   - `chmod`, `chown` and their variants, and the `*xattr` calls that set
//!     or remove extended attributes (ACLs, security labels): `chmod`;
//!   - `truncate`, `ftruncate` (and `*64`): `write`; `execve*`: `execute`;
//!   - anything else: `other`;
//! * path: the first PATH record of nametype `DELETE` for `delete` and
//!   `rename`, `CREATE` for `create`, else the first that is not `PARENT`
//!   (records without nametype, as old kernels write them, count as
//!   `NORMAL`); for `rename` the target is the first `CREATE` path. A
//!   relative name is joined to the CWD record, unless the syscall resolves
//!   it against a directory descriptor other than `AT_FDCWD` (then it is kept
//!   as logged); `.` and `..` are kept as logged, not resolved. Without a
//!   PATH record: the `exe` of a successful `execve`, else the command line
//!   of the EXECVE record, else the PROCTITLE (arguments joined by spaces),
//!   else empty;
//! * success: `success=yes`; session: `ses` unless unset; client fields: none.
//!
//! Events without a SYSCALL record (`USER_LOGIN`, `USER_CMD`, `CRED_ACQ`,
//! `AVC`, `CONFIG_CHANGE`, ...) are refused, naming their record type.

pub mod record;
mod syscalls;

use vakt_schemas::AccessEvent;

pub use self::record::{AuditRecord, looks_like_audit, parse_audit_record};

use self::record::is_execve_argument;

/// The `auid`/`ses` value meaning "not set".
const UNSET: &str = "4294967295";
/// `open` flags (the same on x86_64, aarch64 and i386).
const O_ACCESS_MODE: u64 = 0o3;
const O_CREAT: u64 = 0o100;

/// Whether a record is the last one of its event (`EOE`).
pub fn ends_event(record: &AuditRecord) -> bool {
    record.kind == "EOE"
}

/// The access event of the records of one event (same serial, in line order);
/// `host` is the input's host, used when the records carry no `node=`.
pub fn audit_event(records: &[AuditRecord], host: &str) -> Result<AccessEvent, String> {
    let Some(first) = records.first() else {
        return Err("auditd: expected at least one record".to_string());
    };
    if records.iter().any(|record| record.serial != first.serial) {
        return Err(format!(
            "auditd: records of event {} mixed with records of another event",
            first.serial
        ));
    }
    let Some(syscall) = records.iter().find(|record| record.kind == "SYSCALL") else {
        let kind = records
            .iter()
            .map(|record| record.kind.as_str())
            .find(|kind| *kind != "EOE")
            .unwrap_or("EOE");
        return Err(format!(
            "auditd: {kind} events are not read (only events with a SYSCALL record)"
        ));
    };
    let name = syscall_name(syscall)?;
    let paths = PathRecords::of(records);
    let operation = operation_of(&name, syscall, &paths);
    let success = match syscall.field("success") {
        Some("yes") => true,
        Some("no") => false,
        _ => {
            return Err(
                "auditd: expected `success=yes` or `success=no` in the SYSCALL record".to_string(),
            );
        }
    };
    let cwd = records
        .iter()
        .find(|record| record.kind == "CWD")
        .and_then(|record| record.field("cwd"));
    let relative_to = cwd.filter(|_| !uses_directory_descriptor(&name, syscall));
    let wanted = match operation {
        "delete" | "rename" => Some("DELETE"),
        "create" => Some("CREATE"),
        _ => None,
    };
    let path = paths
        .find(wanted)
        .map(|name| resolve(name, relative_to))
        .or_else(|| fallback_path(&name, success, syscall, records))
        .unwrap_or_default();
    let target = (operation == "rename")
        .then(|| paths.find_exact("CREATE"))
        .flatten()
        .map(|name| resolve(name, relative_to));
    Ok(AccessEvent {
        host: syscall.node.clone().unwrap_or_else(|| host.to_string()),
        user: user_of(syscall),
        operation: operation.to_string(),
        path,
        target,
        success,
        session: syscall
            .field("ses")
            .filter(|session| is_set(session))
            .map(str::to_string),
        ..AccessEvent::default()
    })
}

/// The syscall's name: ENRICHED `SYSCALL=`, else from the number and arch.
fn syscall_name(syscall: &AuditRecord) -> Result<String, String> {
    if let Some(name) = syscall.field("SYSCALL").filter(|name| !name.is_empty()) {
        return Ok(name.to_string());
    }
    let Some(number) = syscall.field("syscall") else {
        return Err("auditd: SYSCALL record without `syscall=`".to_string());
    };
    let Some(arch) = syscall.field("arch") else {
        return Err("auditd: SYSCALL record without `arch=`".to_string());
    };
    let Some(table) = syscalls::table_of(arch) else {
        return Err(format!(
            "auditd: unknown arch `{arch}` (known: x86_64, aarch64, i386); log_format = ENRICHED names the syscall"
        ));
    };
    let Ok(number) = number.parse::<u32>() else {
        return Err(format!(
            "auditd: expected a syscall number, found `{number}`"
        ));
    };
    Ok(syscalls::name_in(table, number).unwrap_or("").to_string())
}

/// The PATH records of an event as (name, nametype).
struct PathRecords<'a> {
    paths: Vec<(&'a str, &'a str)>,
}

impl<'a> PathRecords<'a> {
    fn of(records: &'a [AuditRecord]) -> PathRecords<'a> {
        let paths = records
            .iter()
            .filter(|record| record.kind == "PATH")
            .filter_map(|record| {
                let name = record
                    .field("name")
                    .filter(|name| !name.is_empty() && *name != "(null)")?;
                Some((name, record.field("nametype").unwrap_or("NORMAL")))
            })
            .collect();
        PathRecords { paths }
    }

    fn has(&self, nametype: &str) -> bool {
        self.paths.iter().any(|(_, kind)| *kind == nametype)
    }

    fn find_exact(&self, nametype: &str) -> Option<&'a str> {
        self.paths
            .iter()
            .find(|(_, kind)| *kind == nametype)
            .map(|(name, _)| *name)
    }

    /// The first path of `nametype`, or when `None` (or none of that type)
    /// the first one that is not a `PARENT`.
    fn find(&self, nametype: Option<&str>) -> Option<&'a str> {
        let of_type = nametype.and_then(|wanted| self.find_exact(wanted));
        of_type.or_else(|| {
            self.paths
                .iter()
                .find(|(_, kind)| *kind != "PARENT")
                .map(|(name, _)| *name)
        })
    }
}

fn operation_of(name: &str, syscall: &AuditRecord, paths: &PathRecords) -> &'static str {
    let creates = paths.has("CREATE");
    match name {
        "open" => open_operation(syscall.field("a1"), creates),
        "openat" | "open_by_handle_at" => open_operation(syscall.field("a2"), creates),
        "creat" if creates => "create",
        "creat" => "write",
        "openat2" if creates => "create",
        "openat2" => "other",
        "unlink" | "unlinkat" | "rmdir" => "delete",
        "rename" | "renameat" | "renameat2" => "rename",
        "mkdir" | "mkdirat" | "mknod" | "mknodat" | "link" | "linkat" | "symlink" | "symlinkat" => {
            "create"
        }
        "chmod" | "fchmod" | "fchmodat" | "fchmodat2" | "chown" | "fchown" | "lchown"
        | "fchownat" | "chown32" | "fchown32" | "lchown32" | "setxattr" | "lsetxattr"
        | "fsetxattr" | "removexattr" | "lremovexattr" | "fremovexattr" => "chmod",
        "truncate" | "ftruncate" | "truncate64" | "ftruncate64" => "write",
        "execve" | "execveat" => "execute",
        _ => "other",
    }
}

/// The operation of an open by its flags argument (hex).
fn open_operation(flags: Option<&str>, creates: bool) -> &'static str {
    let flags = flags
        .and_then(|flags| u64::from_str_radix(flags, 16).ok())
        .unwrap_or(0);
    if flags & O_CREAT != 0 && creates {
        return "create";
    }
    match flags & O_ACCESS_MODE {
        0 => "read",
        _ => "write",
    }
}

/// Whether the syscall resolves a relative name against a directory
/// descriptor other than `AT_FDCWD` (`ffffff9c`, sign-extended on 64 bits).
fn uses_directory_descriptor(name: &str, syscall: &AuditRecord) -> bool {
    let descriptors: &[&str] = match name {
        "openat" | "openat2" | "unlinkat" | "mkdirat" | "mknodat" | "fchmodat" | "fchmodat2"
        | "fchownat" | "execveat" | "name_to_handle_at" | "utimensat" | "futimesat"
        | "newfstatat" | "fstatat64" | "faccessat" | "faccessat2" | "readlinkat" => &["a0"],
        "renameat" | "renameat2" | "linkat" => &["a0", "a2"],
        "symlinkat" => &["a1"],
        _ => &[],
    };
    descriptors.iter().any(|argument| {
        syscall
            .field(argument)
            .is_some_and(|value| !value.to_ascii_lowercase().ends_with("ffffff9c"))
    })
}

/// `name` joined to `cwd` when relative and the cwd is known.
fn resolve(name: &str, cwd: Option<&str>) -> String {
    match cwd {
        Some(cwd) if !name.starts_with('/') && cwd.starts_with('/') => {
            format!("{}/{name}", cwd.trim_end_matches('/'))
        }
        _ => name.to_string(),
    }
}

/// The path of an event without a PATH record.
fn fallback_path(
    name: &str,
    success: bool,
    syscall: &AuditRecord,
    records: &[AuditRecord],
) -> Option<String> {
    if success && (name == "execve" || name == "execveat") {
        let executable = syscall
            .field("exe")
            .filter(|exe| !exe.is_empty() && *exe != "(null)");
        if let Some(executable) = executable {
            return Some(executable.to_string());
        }
    }
    command_line(records).or_else(|| {
        records
            .iter()
            .find(|record| record.kind == "PROCTITLE")
            .and_then(|record| record.field("proctitle"))
            .map(str::to_string)
    })
}

/// The arguments of the EXECVE records, joined by spaces (the pieces of a
/// long argument, `a1[0]`, `a1[1]`, ..., joined without one).
fn command_line(records: &[AuditRecord]) -> Option<String> {
    let mut line = String::new();
    let mut current_argument: Option<&str> = None;
    let arguments = records
        .iter()
        .filter(|record| record.kind == "EXECVE")
        .flat_map(|record| record.fields.iter())
        .filter(|(key, _)| is_execve_argument(key));
    for (key, value) in arguments {
        let argument = key
            .split_once('[')
            .map_or(key.as_str(), |(argument, _)| argument);
        if !line.is_empty() && current_argument != Some(argument) {
            line.push(' ');
        }
        current_argument = Some(argument);
        line.push_str(value);
    }
    Some(line).filter(|line| !line.is_empty())
}

/// The login user: ENRICHED name, else the number; none when unset.
fn user_of(syscall: &AuditRecord) -> Option<String> {
    let number = syscall.field("auid");
    if number.is_some_and(|number| !is_set(number)) {
        return None;
    }
    let name = syscall
        .field("AUID")
        .filter(|name| !name.is_empty() && *name != "unset" && is_set(name));
    name.or(number).map(str::to_string)
}

fn is_set(value: &str) -> bool {
    value != UNSET && value != "-1"
}

#[cfg(test)]
mod tests;
