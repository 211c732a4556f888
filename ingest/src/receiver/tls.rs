//! The TLS side of a `protocol = "tls"` address (RFC 5425): the server's
//! certificate and key from PEM files, rustls with its ring provider, TLS
//! 1.2 and 1.3. Clients are not asked for a certificate: who may send is
//! decided by the firewall in front of the port.

use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use vakt_schemas::config::ListenConfig;

/// The server configuration of `listen`, or what is wrong with it.
pub(super) fn server_config(listen: &ListenConfig) -> Result<Arc<ServerConfig>, String> {
    let (Some(certificate_path), Some(key_path)) = (&listen.tls_certificate, &listen.tls_key)
    else {
        return Err(
            "protocol \"tls\" needs tls_certificate and tls_key (PEM files of the server's \
             certificate chain and its private key)"
                .to_string(),
        );
    };
    let certificates: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(certificate_path)
            .and_then(|certificates| certificates.collect())
            .map_err(|error| format!("tls_certificate {certificate_path}: {error}"))?;
    if certificates.is_empty() {
        return Err(format!(
            "tls_certificate {certificate_path}: no certificate in it (a PEM file with \
             -----BEGIN CERTIFICATE----- is expected)"
        ));
    }
    let key = PrivateKeyDer::from_pem_file(key_path)
        .map_err(|error| format!("tls_key {key_path}: {error}"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("tls: {error}"))?
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .map_err(|error| {
            format!("tls_certificate and tls_key {certificate_path}, {key_path}: {error}")
        })?;
    Ok(Arc::new(config))
}
