#![no_main]
//! Kernel netfilter LOG lines (iptables, nftables, ufw) and Proxmox's pve-firewall.log.

use libfuzzer_sys::fuzz_target;
use vakt_fuzz::text;
use vakt_ingest::parse::netfilter::{is_netfilter_message, parse_netfilter};
use vakt_ingest::parse::pve_firewall::{looks_like_pve_firewall, parse_pve_firewall};
use vakt_schemas::config::FirewallConfig;

fuzz_target!(|data: &[u8]| {
    let line = text(data);
    let _ = is_netfilter_message(line);
    let _ = parse_netfilter("fw1", line, &FirewallConfig::default());
    let _ = looks_like_pve_firewall(line);
    let _ = parse_pve_firewall(line, "pve1");
});
