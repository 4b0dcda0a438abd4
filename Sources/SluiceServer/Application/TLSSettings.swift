import NIOSSL

extension ServerSettings {
    /// The server TLS configuration, when a certificate and key are configured; both or neither.
    func tlsConfiguration() throws -> TLSConfiguration? {
        switch (tlsCertificate, tlsKey) {
        case (nil, nil):
            return nil
        case (let certificate?, let key?):
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            return TLSConfiguration.makeServerConfiguration(
                certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        default:
            throw TLSSettingsError()
        }
    }
}

struct TLSSettingsError: Error, CustomStringConvertible {
    var description: String { "TLS needs both a certificate (--tls-cert) and a private key (--tls-key)" }
}
