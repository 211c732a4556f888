//! The generated institute: hosts and zones, people, projects, datasets and
//! the outside world's addresses. Built once from the seed; the day
//! generator only picks from it.

use std::net::Ipv4Addr;

use rand::Rng;
use rand::distributions::WeightedIndex;
use rand::rngs::StdRng;

/// How a host's syslog lines look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// rsyslog's high-precision template: `2026-03-02T08:14:03.123456+01:00 host prog[pid]: msg`.
    Iso,
    /// RFC 5424: `<PRI>1 2026-03-02T08:14:03.123456+01:00 host app procid - - msg`.
    Rfc5424,
}

/// A host that writes log lines.
#[derive(Clone, Copy, Debug)]
pub struct Host {
    pub name: &'static str,
    pub ip: Ipv4Addr,
    pub style: Style,
    pub zone: &'static str,
}

pub const TS1: usize = 0;
pub const TS2: usize = 1;
pub const TS3: usize = 2;
pub const FS1: usize = 3;
pub const FS2: usize = 4;
pub const FW_EXT: usize = 5;
pub const FW_SEC: usize = 6;
pub const FW_DMZ: usize = 7;
pub const FW_LAB: usize = 8;
pub const TERMINALS: [usize; 3] = [TS1, TS2, TS3];
pub const FILE_SERVERS: [usize; 2] = [FS1, FS2];

pub const HOSTS: [Host; 9] = [
    host("ts1", [10, 20, 0, 10], Style::Iso, "secure"),
    host("ts2", [10, 20, 0, 11], Style::Iso, "secure"),
    host("ts3", [10, 20, 0, 12], Style::Rfc5424, "secure"),
    host("fs1", [10, 20, 0, 20], Style::Iso, "secure"),
    host("fs2", [10, 20, 0, 21], Style::Rfc5424, "secure"),
    host("fw-ext", [10, 10, 0, 1], Style::Iso, "internal"),
    host("fw-sec", [10, 10, 0, 2], Style::Iso, "internal"),
    host("fw-dmz", [10, 30, 0, 1], Style::Iso, "internal"),
    host("fw-lab", [10, 40, 0, 1], Style::Rfc5424, "internal"),
];

const fn host(name: &'static str, ip: [u8; 4], style: Style, zone: &'static str) -> Host {
    Host {
        name,
        ip: Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]),
        style,
        zone,
    }
}

pub const PRT1: Ipv4Addr = Ipv4Addr::new(10, 20, 0, 30);
pub const DNS1: Ipv4Addr = Ipv4Addr::new(10, 10, 0, 53);
pub const NTP1: Ipv4Addr = Ipv4Addr::new(10, 10, 0, 1);
pub const WEB1: Ipv4Addr = Ipv4Addr::new(10, 30, 0, 25);
pub const MAIL1: Ipv4Addr = Ipv4Addr::new(10, 30, 0, 26);

/// The zones, as vakt.toml writes them.
pub const INTERNAL_NETS: [&str; 3] = ["10.10.0.0/16", "10.30.0.0/24", "10.40.0.0/16"];
pub const SECURE_NETS: [&str; 1] = ["10.20.0.0/16"];

pub type Mac = [u8; 6];

pub const MAC_FWEXT_ETH0: Mac = [0x00, 0x0d, 0xb9, 0x5a, 0x21, 0xe0];
pub const MAC_FWEXT_ETH1: Mac = [0x00, 0x0d, 0xb9, 0x5a, 0x21, 0xe1];
pub const MAC_ISP_GW: Mac = [0x84, 0xb8, 0x02, 0x6c, 0x1f, 0x40];
pub const MAC_FWSEC_ETH1: Mac = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
pub const MAC_FWSEC_ETH2: Mac = [0x52, 0x54, 0x00, 0x12, 0x34, 0x57];
pub const MAC_FWDMZ_ETH0: Mac = [0x00, 0x0d, 0xb9, 0x5a, 0x30, 0x10];
pub const MAC_FWDMZ_ETH1: Mac = [0x00, 0x0d, 0xb9, 0x5a, 0x30, 0x11];
pub const MAC_FWLAB_ETH1: Mac = [0x52, 0x54, 0x00, 0x40, 0x00, 0x01];
pub const MAC_FWLAB_ETH2: Mac = [0x52, 0x54, 0x00, 0x40, 0x00, 0x02];

/// The MAC address of a secure-zone host as fw-sec sees it.
pub fn secure_mac(ip: Ipv4Addr) -> Mac {
    let last = ip.octets()[3];
    [0x52, 0x54, 0x00, 0x5e, 0x0a, last]
}

/// A stable MAC address for any office or lab address.
pub fn station_mac(ip: Ipv4Addr) -> Mac {
    const OUIS: [[u8; 3]; 5] = [
        [0xf8, 0xbc, 0x12],
        [0x54, 0xe1, 0xad],
        [0x3c, 0x52, 0x82],
        [0x8c, 0x16, 0x45],
        [0xd4, 0x81, 0xd7],
    ];
    let hash = mix64(u64::from(u32::from(ip))).to_le_bytes();
    let oui = OUIS[usize::from(hash[0]) % OUIS.len()];
    [oui[0], oui[1], oui[2], hash[1], hash[2], hash[3]]
}

/// SplitMix64's finaliser: a stable hash of a number.
pub fn mix64(mut value: u64) -> u64 {
    value = value.wrapping_add(0x9e37_79b9_7f4a_7c15);
    value = (value ^ (value >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    value ^ (value >> 31)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Os {
    Linux,
    Windows,
}

impl Os {
    /// (initial TTL, SYN length, SYN window, ephemeral port range).
    pub fn profile(self) -> (u8, u16, u16, (u16, u16)) {
        match self {
            Os::Linux => (64, 60, 64240, (32768, 60999)),
            Os::Windows => (128, 52, 64240, (49152, 65535)),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Researcher,
    Operations,
    External,
}

/// How a person logs in to the terminal servers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// publickey then keyboard-interactive (one-time code).
    Mfa,
    /// Mostly `Accepted publickey` alone (single factor).
    Publickey,
    /// MFA, now and then `Accepted password`.
    MfaOrPassword,
}

#[derive(Clone, Debug)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub kind: Kind,
    pub ip: Ipv4Addr,
    pub mac: Mac,
    pub os: Os,
    pub key_type: &'static str,
    pub fingerprint: String,
    pub policy: Policy,
    /// The home connection of people allowed to log in from outside.
    pub home_ip: Option<Ipv4Addr>,
    pub terminal: usize,
    pub file_server: usize,
    pub projects: Vec<usize>,
    /// Relative amount of work.
    pub activity: f64,
    pub arrival_hour: f64,
    pub departure_hour: f64,
    pub weekend_worker: bool,
    /// Their client sometimes sends a stale saved password first.
    pub stale_password: bool,
    /// ISO weeks of holiday, as bits.
    pub holiday_weeks: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    R,
    Stata,
    Python,
}

#[derive(Clone, Debug)]
pub struct Project {
    pub id: String,
    pub lang: Lang,
    pub datasets: Vec<usize>,
    pub members: Vec<usize>,
    pub server: usize,
    /// Paths relative to the `prosjekt` share, starting with the project id.
    pub scripts: Vec<String>,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub docs: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Dataset {
    pub name: String,
    /// Paths relative to the `data` share, starting with the dataset's folder.
    pub files: Vec<String>,
    pub server: usize,
}

/// A scanner on the internet and how its packets look.
#[derive(Clone, Copy, Debug)]
pub struct Scanner {
    pub ip: Ipv4Addr,
    pub ttl: u8,
    pub len: u16,
    pub window: u16,
    pub df: bool,
    /// zmap's fixed IP ID.
    pub fixed_id: Option<u16>,
}

/// An office machine that is nobody's terminal-server client.
#[derive(Clone, Copy, Debug)]
pub struct Station {
    pub ip: Ipv4Addr,
    pub mac: Mac,
    pub os: Os,
}

pub struct Institute {
    pub users: Vec<User>,
    pub user_pick: WeightedIndex<f64>,
    pub projects: Vec<Project>,
    pub datasets: Vec<Dataset>,
    pub stations: Vec<Station>,
    pub lab: Vec<Station>,
    pub scanners: Vec<Scanner>,
    pub scanner_pick: WeightedIndex<f64>,
    pub brute_scanners: Vec<usize>,
}

const FIRST: [&str; 60] = [
    "ola", "kari", "ingrid", "per", "nils", "sigrid", "erik", "astrid", "lars", "marit", "anne",
    "jon", "hilde", "knut", "liv", "arne", "tone", "geir", "randi", "bjorn", "silje", "stian",
    "camilla", "henrik", "ida", "magnus", "nora", "sindre", "thea", "eirik", "maren", "ole",
    "hanne", "tor", "siri", "jonas", "emma", "andreas", "ragnhild", "torbjorn", "solveig",
    "vegard", "kristin", "trond", "heidi", "even", "linn", "martin", "guro", "kjetil", "aud",
    "harald", "mona", "sverre", "tuva", "oyvind", "vilde", "petter", "elin", "audun",
];

const SURNAMES: [&str; 40] = [
    "hansen",
    "johansen",
    "olsen",
    "larsen",
    "andersen",
    "pedersen",
    "nilsen",
    "kristiansen",
    "jensen",
    "karlsen",
    "johnsen",
    "pettersen",
    "eriksen",
    "berg",
    "haugen",
    "hagen",
    "johannessen",
    "andreassen",
    "jacobsen",
    "dahl",
    "jorgensen",
    "halvorsen",
    "henriksen",
    "lund",
    "sorensen",
    "jakobsen",
    "moen",
    "gundersen",
    "iversen",
    "strand",
    "solberg",
    "svendsen",
    "eide",
    "knutsen",
    "martinsen",
    "paulsen",
    "bakken",
    "kristoffersen",
    "mathisen",
    "lie",
];

const DATASET_NAMES: [&str; 30] = [
    "hudreg",
    "skolereg",
    "survey2024",
    "kreftreg",
    "mfr",
    "nudb",
    "inntekt",
    "trygd",
    "lkaas",
    "hunt",
    "tiltak",
    "barnevern",
    "reseptreg",
    "npr",
    "kuhr",
    "dodsarsak",
    "folkereg",
    "sysvak",
    "msis",
    "arbeidsreg",
    "utdanning",
    "helseus",
    "levekar",
    "tidsbruk",
    "valgus",
    "boforhold",
    "krimstat",
    "sykefravaer",
    "uforetrygd",
    "flytting",
];

const SCAN_PREFIXES: [[u8; 2]; 24] = [
    [45, 134],
    [45, 95],
    [45, 148],
    [45, 142],
    [185, 224],
    [185, 156],
    [185, 242],
    [185, 191],
    [185, 180],
    [193, 163],
    [193, 32],
    [89, 248],
    [162, 142],
    [167, 94],
    [71, 6],
    [205, 210],
    [94, 102],
    [80, 82],
    [141, 98],
    [92, 63],
    [218, 92],
    [61, 177],
    [103, 145],
    [179, 43],
];

const HOME_PREFIXES: [[u8; 2]; 8] = [
    [81, 166],
    [84, 210],
    [193, 212],
    [92, 220],
    [81, 191],
    [88, 88],
    [46, 212],
    [178, 232],
];

/// Web destinations of the office and the lab.
pub const EXT_443: [[u8; 4]; 18] = [
    [142, 250, 74, 110],
    [142, 250, 74, 142],
    [172, 217, 21, 174],
    [151, 101, 2, 132],
    [151, 101, 194, 49],
    [140, 82, 121, 3],
    [140, 82, 121, 4],
    [185, 199, 108, 133],
    [13, 107, 42, 14],
    [20, 190, 159, 2],
    [52, 97, 146, 162],
    [104, 16, 132, 229],
    [129, 240, 118, 130],
    [129, 240, 171, 52],
    [158, 36, 161, 111],
    [193, 156, 90, 12],
    [152, 199, 19, 161],
    [34, 107, 243, 93],
];
pub const EXT_DNS: [[u8; 4]; 3] = [[1, 1, 1, 1], [1, 0, 0, 1], [9, 9, 9, 9]];

/// Random host part in a /16.
pub fn in_prefix(rng: &mut StdRng, prefix: [u8; 2]) -> Ipv4Addr {
    Ipv4Addr::new(
        prefix[0],
        prefix[1],
        rng.gen_range(0..=255),
        rng.gen_range(2..=253),
    )
}

/// A random client on the internet (university or home connection).
pub fn internet_client(rng: &mut StdRng) -> Ipv4Addr {
    if rng.gen_bool(0.45) {
        Ipv4Addr::new(129, 240, rng.gen_range(0..=255), rng.gen_range(2..=253))
    } else {
        let prefix = HOME_PREFIXES[rng.gen_range(0..HOME_PREFIXES.len())];
        in_prefix(rng, prefix)
    }
}

fn fingerprint(rng: &mut StdRng) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes: Vec<u8> = (0..33).map(|_| rng.r#gen::<u8>()).collect();
    let mut text = String::from("SHA256:");
    for chunk in bytes.chunks(3) {
        let word = (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]);
        for shift in [18, 12, 6, 0] {
            text.push(char::from(ALPHABET[((word >> shift) & 63) as usize]));
        }
    }
    text.truncate(7 + 43);
    text
}

/// A normally distributed number (Box-Muller).
pub fn gauss(rng: &mut StdRng, mean: f64, deviation: f64) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.r#gen();
    mean + deviation * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

impl Institute {
    pub fn new(rng: &mut StdRng, user_count: usize) -> Institute {
        let user_count = user_count.max(8);
        let mut users = make_users(rng, user_count);
        let datasets = make_datasets(rng, (user_count / 10).max(6));
        let projects = make_projects(rng, &mut users, &datasets);
        let stations = (0..200)
            .map(|index| {
                let ip = Ipv4Addr::new(10, 10, 21 + (index / 200) as u8, 10 + (index % 200) as u8);
                Station {
                    ip,
                    mac: station_mac(ip),
                    os: if index % 3 == 0 {
                        Os::Linux
                    } else {
                        Os::Windows
                    },
                }
            })
            .collect();
        let lab = (0..120)
            .map(|index| {
                let ip = Ipv4Addr::new(10, 40, 1 + (index / 60) as u8, 10 + (index % 60) as u8);
                Station {
                    ip,
                    mac: station_mac(ip),
                    os: Os::Linux,
                }
            })
            .collect();
        let scanners: Vec<Scanner> = (0..400).map(|_| make_scanner(rng)).collect();
        let weights: Vec<f64> = (0..scanners.len())
            .map(|rank| 1.0 / ((rank + 1) as f64).powf(1.1))
            .collect();
        let scanner_pick = WeightedIndex::new(&weights).expect("positive weights");
        let brute_scanners = (0..scanners.len()).filter(|index| index % 3 == 0).collect();
        let user_weights: Vec<f64> = users.iter().map(|user| user.activity).collect();
        let user_pick = WeightedIndex::new(&user_weights).expect("positive weights");
        Institute {
            users,
            user_pick,
            projects,
            datasets,
            stations,
            lab,
            scanners,
            scanner_pick,
            brute_scanners,
        }
    }

    /// Whether a person is on holiday on a date given as (ISO week, day seed).
    pub fn on_holiday(&self, user: usize, iso_week: u32) -> bool {
        self.users[user].holiday_weeks & (1 << iso_week) != 0
    }
}

fn make_users(rng: &mut StdRng, count: usize) -> Vec<User> {
    let mut taken = std::collections::BTreeSet::new();
    let mut users = Vec::with_capacity(count);
    let operations = (count / 100).clamp(2, 6);
    for index in 0..count {
        let kind = if (1..=operations).contains(&index) {
            Kind::Operations
        } else if index > operations && rng.gen_bool(0.06) {
            Kind::External
        } else {
            Kind::Researcher
        };
        let first = FIRST[rng.gen_range(0..FIRST.len())];
        let surname = SURNAMES[rng.gen_range(0..SURNAMES.len())];
        let candidates = match kind {
            Kind::Operations => vec![format!("drift-{first}")],
            Kind::External => vec![format!("ext-{surname}")],
            Kind::Researcher => vec![
                format!("{first}{}", &surname[..1]),
                format!("{first}{}", &surname[..2]),
                format!("{first}.{surname}"),
            ],
        };
        let base = candidates.last().expect("not empty").clone();
        let name = candidates
            .into_iter()
            .find(|name| !taken.contains(name))
            .unwrap_or_else(|| {
                (2..)
                    .map(|number| format!("{base}{number}"))
                    .find(|name| !taken.contains(name))
                    .expect("a free name")
            });
        taken.insert(name.clone());
        let ip = Ipv4Addr::new(10, 10, 1 + (index / 200) as u8, 10 + (index % 200) as u8);
        let os = if rng.gen_bool(0.45) {
            Os::Linux
        } else {
            Os::Windows
        };
        let key_type = match rng.gen_range(0..10) {
            0..=5 => "ED25519",
            6..=8 => "RSA",
            _ => "ECDSA",
        };
        let policy = match (kind, rng.gen_range(0..100)) {
            (Kind::Operations, 0..=39) => Policy::Publickey,
            (Kind::Operations, _) => Policy::Mfa,
            (_, 0..=7) => Policy::Publickey,
            (_, 8..=15) => Policy::MfaOrPassword,
            _ => Policy::Mfa,
        };
        let remote = kind == Kind::External || (kind == Kind::Researcher && rng.gen_bool(0.05));
        let home_ip = remote.then(|| {
            let prefix = HOME_PREFIXES[rng.gen_range(0..HOME_PREFIXES.len())];
            in_prefix(rng, prefix)
        });
        // A few people do most of the work.
        let activity = if index == 0 {
            6.0
        } else {
            0.3 + rng.r#gen::<f64>().powi(2) * 3.0
        };
        let summer = rng.gen_range(27..=30);
        let extra = rng.gen_range(1..=52);
        let holiday_weeks = if index == 0 {
            0
        } else {
            (0b111u64 << summer) | (1 << extra)
        };
        users.push(User {
            name,
            uid: 2001 + index as u32,
            kind,
            ip,
            mac: station_mac(ip),
            os,
            key_type,
            fingerprint: fingerprint(rng),
            policy,
            home_ip,
            terminal: if home_ip.is_some() {
                TS1
            } else {
                TERMINALS[rng.gen_range(0..TERMINALS.len())]
            },
            file_server: FILE_SERVERS[index % 2],
            projects: Vec::new(),
            activity,
            arrival_hour: gauss(rng, 8.2, 0.5).clamp(6.5, 10.5),
            departure_hour: gauss(rng, 16.0, 0.6).clamp(14.0, 18.5),
            weekend_worker: kind == Kind::Operations || index == 0 || rng.gen_bool(0.12),
            stale_password: rng.gen_bool(0.05),
            holiday_weeks,
        });
    }
    users
}

fn make_datasets(rng: &mut StdRng, count: usize) -> Vec<Dataset> {
    (0..count)
        .map(|index| {
            let base = DATASET_NAMES[index % DATASET_NAMES.len()];
            let name = if index < DATASET_NAMES.len() {
                base.to_string()
            } else {
                format!("{base}{}", 2015 + index / DATASET_NAMES.len())
            };
            let first_year = rng.gen_range(2008..=2020);
            let mut files = Vec::new();
            for year in (first_year..=2024).step_by(rng.gen_range(1..=3)) {
                files.push(format!("{name}/{year}/{name}_{year}_pseudo.csv"));
            }
            files.push(format!(
                "{name}/kodebok_{name}_v{}.pdf",
                rng.gen_range(1..=5)
            ));
            files.push(format!("{name}/LESMEG.txt"));
            files.push(format!(
                "{name}/raw/{name}_uttrekk_{}.sav",
                rng.gen_range(2019..=2024)
            ));
            files.push(format!(
                "{name}/clean/{name}_clean_v{}.dta",
                rng.gen_range(1..=9)
            ));
            files.push(format!("{name}/{name}_koblet.parquet"));
            files.push(format!("{name}/dokumentasjon/variabelliste.xlsx"));
            Dataset {
                name,
                files,
                server: FILE_SERVERS[index % 2],
            }
        })
        .collect()
}

fn make_projects(rng: &mut StdRng, users: &mut [User], datasets: &[Dataset]) -> Vec<Project> {
    let count = (users.len() / 6).max(4);
    let mut projects: Vec<Project> = (0..count)
        .map(|index| {
            let id = format!("p{}", 2001 + index * 3 + rng.gen_range(0..3));
            let lang = match rng.gen_range(0..3) {
                0 => Lang::R,
                1 => Lang::Stata,
                _ => Lang::Python,
            };
            let mut project_datasets = vec![index % datasets.len()];
            if rng.gen_bool(0.3) {
                let other = rng.gen_range(0..datasets.len());
                if other != project_datasets[0] {
                    project_datasets.push(other);
                }
            }
            project_files(id, lang, project_datasets, FILE_SERVERS[index % 2])
        })
        .collect();
    let researchers: Vec<usize> = (0..users.len())
        .filter(|&user| users[user].kind != Kind::Operations)
        .collect();
    for &user in &researchers {
        let first = if user == 0 {
            0
        } else {
            rng.gen_range(0..projects.len())
        };
        let mut mine = vec![first];
        if rng.gen_bool(0.35) {
            let second = rng.gen_range(0..projects.len());
            if second != first {
                mine.push(second);
            }
        }
        for &project in &mine {
            projects[project].members.push(user);
        }
        users[user].projects = mine;
    }
    projects
}

fn project_files(id: String, lang: Lang, datasets: Vec<usize>, server: usize) -> Project {
    let list = |names: &[&str]| -> Vec<String> {
        names.iter().map(|name| format!("{id}/{name}")).collect()
    };
    let (scripts, inputs, outputs, docs) = match lang {
        Lang::R => (
            list(&[
                "analyse/01_import.R",
                "analyse/02_clean.R",
                "analyse/model.R",
                "analyse/figurer.R",
            ]),
            list(&[
                "data/kohort.rds",
                "data/kohort_2024.rds",
                "rapport/referanser.bib",
            ]),
            list(&[
                "output/tabell1.csv",
                "output/tabell2.csv",
                "output/fig_incidens.pdf",
                "output/model_summary.txt",
            ]),
            list(&["rapport/utkast_v3.docx"]),
        ),
        Lang::Stata => (
            list(&["do/01_les_inn.do", "do/02_rens.do", "do/03_regresjon.do"]),
            list(&["data/analysefil.dta", "tabeller/mal_tabell.xlsx"]),
            list(&[
                "log/03_regresjon.smcl",
                "tabeller/tab2.xlsx",
                "tabeller/tab3.xlsx",
                "figurer/karakterfordeling.png",
            ]),
            list(&["notat/metodenotat.docx"]),
        ),
        Lang::Python => (
            list(&[
                "scripts/vekting.py",
                "scripts/utils.py",
                "scripts/analyse.ipynb",
            ]),
            list(&["data/merged.parquet", "scripts/config.yaml"]),
            list(&[
                "figurer/fig3.png",
                "figurer/fig4.png",
                "output/estimater.csv",
            ]),
            list(&["notat/metode.md"]),
        ),
    };
    Project {
        id,
        lang,
        datasets,
        members: Vec::new(),
        server,
        scripts,
        inputs,
        outputs,
        docs,
    }
}

fn make_scanner(rng: &mut StdRng) -> Scanner {
    let prefix = SCAN_PREFIXES[rng.gen_range(0..SCAN_PREFIXES.len())];
    let ip = in_prefix(rng, prefix);
    match rng.gen_range(0..5) {
        0 => Scanner {
            ip,
            ttl: rng.gen_range(233..=250),
            len: 40,
            window: 1024,
            df: false,
            fixed_id: None,
        },
        1 => Scanner {
            ip,
            ttl: rng.gen_range(236..=249),
            len: 44,
            window: 65535,
            df: false,
            fixed_id: Some(54321),
        },
        2 => Scanner {
            ip,
            ttl: rng.gen_range(38..=55),
            len: 44,
            window: 1024,
            df: false,
            fixed_id: None,
        },
        3 => Scanner {
            ip,
            ttl: rng.gen_range(40..=52),
            len: 40,
            window: [5840, 14600, 29200, 65535][rng.gen_range(0..4)],
            df: false,
            fixed_id: None,
        },
        _ => Scanner {
            ip,
            ttl: rng.gen_range(42..=56),
            len: 60,
            window: 64240,
            df: true,
            fixed_id: None,
        },
    }
}
