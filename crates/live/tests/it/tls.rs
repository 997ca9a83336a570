//! TLS listeners: an emitter on another machine connects with TLS; with a client CA set,
//! only emitters holding a certificate it signed get in.

use crate::support::*;
use hark_live::{Endpoint, ListenerConfig, ListenerStats, TlsFiles};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use std::path::Path;
use std::sync::Arc;
use tokio_rustls::rustls::{self, pki_types::ServerName};

/// A CA, a server certificate for 127.0.0.1 and a client certificate, as PEM files in `dir`.
fn make_certificates(dir: &Path) -> (TlsFiles, rustls::RootCertStore, ClientIdentity) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&server_key, &ca)
        .unwrap();
    let client_key = KeyPair::generate().unwrap();
    let client = CertificateParams::new(vec!["resolver.test".to_string()])
        .unwrap()
        .signed_by(&client_key, &ca)
        .unwrap();
    std::fs::write(dir.join("server.pem"), server.pem()).unwrap();
    std::fs::write(dir.join("server.key"), server_key.serialize_pem()).unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.der().clone()).unwrap();
    let identity = ClientIdentity {
        chain: vec![client.der().clone()],
        key: rustls::pki_types::PrivateKeyDer::try_from(client_key.serialize_der()).unwrap(),
    };
    (
        TlsFiles {
            certificate: dir.join("server.pem"),
            key: dir.join("server.key"),
            client_ca: None,
        },
        roots,
        identity,
    )
}

struct ClientIdentity {
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
}

#[allow(deprecated)] // ring's provider; see hark-live's tls module
fn connector(
    roots: rustls::RootCertStore,
    identity: Option<&ClientIdentity>,
) -> tokio_rustls::TlsConnector {
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots);
    let config = match identity {
        Some(identity) => builder
            .with_client_auth_cert(identity.chain.clone(), identity.key.clone_key())
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

async fn tls_emit(
    address: &str,
    connector: &tokio_rustls::TlsConnector,
    frames: &[Vec<u8>],
) -> bool {
    let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let Ok(Ok(mut stream)) = tokio::time::timeout(TIMEOUT, connector.connect(name, tcp)).await
    else {
        return false;
    };
    emit(&mut stream, frames, true).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_emitters_deliver_and_mutual_tls_keeps_strangers_out() {
    let dir = tempfile::tempdir().unwrap();
    let (files, roots, identity) = make_certificates(dir.path());

    // Server certificate only.
    let mut config = ListenerConfig::new("tls", Endpoint::Tls("127.0.0.1:0".parse().unwrap()));
    config.tls = Some(files.clone());
    let running = Running::start(config).await;
    let address = running
        .listener
        .local()
        .trim_start_matches("tls:")
        .to_string();
    assert!(
        tls_emit(
            &address,
            &connector(roots.clone(), None),
            &messages("tls", 500)
        )
        .await
    );
    let (_, rows) = running.finish().await;
    assert_eq!(rows, expected_rows("tls", 500, 1));

    // Client certificates required: a stranger is refused, the resolver with its
    // certificate gets in.
    let mut config = ListenerConfig::new("mtls", Endpoint::Tls("127.0.0.1:0".parse().unwrap()));
    config.tls = Some(TlsFiles {
        client_ca: Some(dir.path().join("ca.pem")),
        ..files
    });
    let running = Running::start(config).await;
    let address = running
        .listener
        .local()
        .trim_start_matches("tls:")
        .to_string();
    let stranger = connector(roots.clone(), None);
    let frames = messages("stranger", 5);
    assert!(
        !tls_emit(&address, &stranger, &frames).await,
        "an emitter without a certificate got in"
    );
    assert!(
        tls_emit(
            &address,
            &connector(roots, Some(&identity)),
            &messages("mtls", 300)
        )
        .await
    );
    let stats = running.listener.stats().clone();
    let (_, rows) = running.finish().await;
    assert_eq!(rows, expected_rows("mtls", 300, 1));
    assert_eq!(stats.events().get("tls_handshake_failed"), 1);
    assert_eq!(
        ListenerStats::get(&stats.connections),
        1,
        "only the resolver was served"
    );

    // Files that are not there: a clear error naming them.
    let mut config = ListenerConfig::new("bad", Endpoint::Tls("127.0.0.1:0".parse().unwrap()));
    config.tls = Some(TlsFiles {
        certificate: dir.path().join("missing.pem"),
        key: dir.path().join("server.key"),
        client_ca: None,
    });
    let err = hark_live::Listener::start(config)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("missing.pem"), "{err}");
}
