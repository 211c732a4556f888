//! The receiver over real sockets on the loopback address: UDP, TCP with
//! both framings, TLS, and a full queue.

use std::io::Write;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

use vakt_schemas::config::{ListenConfig, ListenProtocol};

use super::{Received, Receiver};

fn listen(name: &str, protocol: ListenProtocol) -> ListenConfig {
    ListenConfig {
        name: name.to_string(),
        address: "127.0.0.1:0".to_string(),
        protocol,
        format: "auto".to_string(),
        stream: None,
        tls_certificate: None,
        tls_key: None,
        programs: None,
        skip_programs: None,
        user_names: None,
        host: None,
        samba_prefix: None,
    }
}

/// Messages received until `count` came (or 10 s passed), as text.
fn collect(receiver: &Receiver, count: usize) -> Vec<Received> {
    let started = Instant::now();
    let mut received = Vec::new();
    while received.len() < count && started.elapsed() < Duration::from_secs(10) {
        let deadline = Instant::now() + Duration::from_millis(100);
        received.extend(receiver.receive(deadline, 1000));
    }
    received
}

fn text(message: &Received) -> String {
    String::from_utf8_lossy(&message.frame.bytes).into_owned()
}

fn bound(receiver: &Receiver, index: usize) -> SocketAddr {
    receiver.listeners[index].bound.expect("bound address")
}

#[test]
fn udp_and_tcp_messages_arrive_whole_with_their_listener_and_sender() {
    let receiver = Receiver::start(
        &[
            listen("udp", ListenProtocol::Udp),
            listen("tcp", ListenProtocol::Tcp),
        ],
        100,
        8192,
    )
    .unwrap();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.send_to(
        b"<13>Mar  2 08:14:03 host sshd[1]: from udp\n",
        bound(&receiver, 0),
    )
    .unwrap();
    let mut tcp = TcpStream::connect(bound(&receiver, 1)).unwrap();
    let counted = "<13>1 2026-03-02T08:14:03Z host sshd 1 - - two\nlines";
    write!(
        tcp,
        "{} {counted}<13>newline framed\n<13>last, ended by close",
        counted.len()
    )
    .unwrap();
    drop(tcp);
    let received = collect(&receiver, 4);
    let mut by_listener: Vec<(usize, String)> = received
        .iter()
        .map(|message| (message.listener, text(message)))
        .collect();
    by_listener.sort();
    assert_eq!(
        by_listener,
        [
            (0, "<13>Mar  2 08:14:03 host sshd[1]: from udp".to_string()),
            (1, counted.to_string()),
            (1, "<13>last, ended by close".to_string()),
            (1, "<13>newline framed".to_string()),
        ]
    );
    assert!(received.iter().all(|message| message.peer.is_loopback()));
    let mut receiver = receiver;
    assert!(receiver.stop().is_empty());
}

#[test]
fn a_full_queue_makes_a_tcp_sender_wait_and_loses_nothing() {
    let receiver = Receiver::start(&[listen("tcp", ListenProtocol::Tcp)], 2, 8192).unwrap();
    let address = bound(&receiver, 0);
    let sender = std::thread::spawn(move || {
        let mut tcp = TcpStream::connect(address).unwrap();
        for number in 0..2000 {
            writeln!(tcp, "<13>message {number}").unwrap();
        }
    });
    let received = collect(&receiver, 2000);
    sender.join().unwrap();
    let texts: Vec<String> = received.iter().map(text).collect();
    let expected: Vec<String> = (0..2000)
        .map(|number| format!("<13>message {number}"))
        .collect();
    assert_eq!(texts, expected);
    drop(receiver);
}

#[test]
fn tls_messages_are_read_with_the_configured_certificate() {
    let folder = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let certificate_path = folder.path().join("cert.pem");
    let key_path = folder.path().join("key.pem");
    std::fs::write(&certificate_path, certified.cert.pem()).unwrap();
    std::fs::write(&key_path, certified.signing_key.serialize_pem()).unwrap();
    let mut config = listen("tls", ListenProtocol::Tls);
    config.tls_certificate = Some(certificate_path.display().to_string());
    config.tls_key = Some(key_path.display().to_string());
    let receiver = Receiver::start(&[config], 100, 8192).unwrap();

    let mut roots = rustls::RootCertStore::empty();
    roots.add(certified.cert.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client_config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let server_name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let session = rustls::ClientConnection::new(Arc::new(client_config), server_name).unwrap();
    let tcp = TcpStream::connect(bound(&receiver, 0)).unwrap();
    let mut stream = rustls::StreamOwned::new(session, tcp);
    for number in 0..3 {
        let message = format!("<13>over tls {number}");
        write!(stream, "{} {message}", message.len()).unwrap();
    }
    stream.flush().unwrap();
    stream.conn.send_close_notify();
    let _ = stream.flush();
    let received = collect(&receiver, 3);
    let texts: Vec<String> = received.iter().map(text).collect();
    assert_eq!(
        texts,
        ["<13>over tls 0", "<13>over tls 1", "<13>over tls 2"]
    );
}

#[test]
fn a_tls_address_without_its_files_or_a_taken_port_is_refused_clearly() {
    let error = Receiver::start(&[listen("tls", ListenProtocol::Tls)], 10, 100)
        .err()
        .unwrap()
        .to_string();
    assert!(
        error.contains("needs tls_certificate and tls_key"),
        "{error}"
    );
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut config = listen("tcp", ListenProtocol::Tcp);
    config.address = taken.local_addr().unwrap().to_string();
    let error = Receiver::start(&[config], 10, 100)
        .err()
        .unwrap()
        .to_string();
    assert!(error.contains("cannot listen on tcp"), "{error}");
}
