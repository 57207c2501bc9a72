package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Names of the files under DIR/pki. Keys are ECDSA P-256 in PKCS#8, which
// kube-apiserver, client-go and rustls all accept.
const (
	caName                = "ca"                   // signs serving and client certificates
	frontProxyCAName      = "front-proxy-ca"       // signs only the aggregator's proxy client
	apiserverName         = "apiserver"            // kube-apiserver serving certificate
	adminName             = "admin"                // kubeconfig user, O=system:masters
	frontProxyClientName  = "front-proxy-client"   // identity the aggregator proxies with
	aggregatedName        = "aggregated-apiserver" // karmada-aggregated-apiserver serving certificate
	aggregatedClientName  = "aggregated-apiserver-client"
	serviceAccountKeyName = "sa"
	frontProxyClientCN    = "front-proxy-client"

	// The aggregator verifies an APIService backend as <service>.<namespace>.svc.
	aggregatedServiceName      = "karmada-aggregated-apiserver"
	aggregatedServiceNamespace = "karmada-system"
)

const certValidity = 10 * 365 * 24 * time.Hour

type keyPair struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// PKI holds file paths of the generated material.
type PKI struct{ dir string }

func (p PKI) cert(name string) string { return filepath.Join(p.dir, name+".crt") }
func (p PKI) key(name string) string  { return filepath.Join(p.dir, name+".key") }
func (p PKI) saPublic() string        { return filepath.Join(p.dir, serviceAccountKeyName+".pub") }
func (p PKI) saPrivate() string       { return filepath.Join(p.dir, serviceAccountKeyName+".key") }

// ensurePKI creates the certificates once per DIR; a restart must reuse them
// so existing kubeconfigs and service-account tokens stay valid.
func ensurePKI(dir string) (PKI, error) {
	p := PKI{dir: filepath.Join(dir, "pki")}
	if _, err := os.Stat(p.saPublic()); err == nil {
		return p, nil
	}
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return p, err
	}
	return p, p.generate()
}

func (p PKI) generate() error {
	ca, err := newCA("mcs-gitops-sandbox-ca")
	if err != nil {
		return err
	}
	frontCA, err := newCA("mcs-gitops-sandbox-front-proxy-ca")
	if err != nil {
		return err
	}
	loopback := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	serviceDNS := aggregatedServiceName + "." + aggregatedServiceNamespace + ".svc"
	leaves := []struct {
		name   string
		signer keyPair
		tmpl   *x509.Certificate
	}{
		{apiserverName, ca, serverTemplate("kube-apiserver", loopback,
			"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc")},
		{aggregatedName, ca, serverTemplate(aggregatedServiceName, loopback, "localhost", serviceDNS)},
		{adminName, ca, clientTemplate("sandbox-admin", "system:masters")},
		// Karmada runs its aggregated apiserver with the control plane's admin
		// identity; the sandbox does the same, under a name of its own.
		{aggregatedClientName, ca, clientTemplate("system:karmada:aggregated-apiserver", "system:masters")},
		{frontProxyClientName, frontCA, clientTemplate(frontProxyClientCN)},
	}
	if err := writePair(p, caName, ca); err != nil {
		return err
	}
	if err := writePair(p, frontProxyCAName, frontCA); err != nil {
		return err
	}
	for _, l := range leaves {
		pair, err := sign(l.signer, l.tmpl)
		if err != nil {
			return fmt.Errorf("signing %s: %w", l.name, err)
		}
		if err := writePair(p, l.name, pair); err != nil {
			return err
		}
	}
	// Written last: its presence marks the directory as complete.
	return p.writeServiceAccountKeys()
}

func newKey() (crypto.Signer, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func serialNumber() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

func newCA(cn string) (keyPair, error) {
	key, err := newKey()
	if err != nil {
		return keyPair{}, err
	}
	serial, err := serialNumber()
	if err != nil {
		return keyPair{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(certValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return keyPair{}, err
	}
	cert, err := x509.ParseCertificate(der)
	return keyPair{cert: cert, key: key}, err
}

func serverTemplate(cn string, ips []net.IP, dns ...string) *x509.Certificate {
	return &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn},
		IPAddresses: ips,
		DNSNames:    dns,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
}

// clientTemplate: Kubernetes maps CN to the user name and O to groups.
func clientTemplate(cn string, groups ...string) *x509.Certificate {
	return &x509.Certificate{
		Subject:     pkix.Name{CommonName: cn, Organization: groups},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
}

func sign(ca keyPair, tmpl *x509.Certificate) (keyPair, error) {
	key, err := newKey()
	if err != nil {
		return keyPair{}, err
	}
	if tmpl.SerialNumber, err = serialNumber(); err != nil {
		return keyPair{}, err
	}
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(certValidity)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return keyPair{}, err
	}
	cert, err := x509.ParseCertificate(der)
	return keyPair{cert: cert, key: key}, err
}

func writePair(p PKI, name string, pair keyPair) error {
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pair.cert.Raw})
	if err := os.WriteFile(p.cert(name), certPEM, 0o644); err != nil {
		return err
	}
	keyPEM, err := pkcs8PEM(pair.key)
	if err != nil {
		return err
	}
	return os.WriteFile(p.key(name), keyPEM, 0o600)
}

func pkcs8PEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// writeServiceAccountKeys makes the key pair kube-apiserver signs
// service-account tokens with (TokenRequest) and verifies them against.
func (p PKI) writeServiceAccountKeys() error {
	key, err := newKey()
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return err
	}
	priv, err := pkcs8PEM(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(p.saPrivate(), priv, 0o600); err != nil {
		return err
	}
	return os.WriteFile(p.saPublic(), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644)
}

// readPEM loads a file the launcher itself wrote, for kubeconfigs and TLS.
func readPEM(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if block, _ := pem.Decode(data); block == nil {
		return nil, errors.New(path + ": no PEM data")
	}
	return data, nil
}

// Material only a sandbox with --karmada uses. It is added to an existing
// DIR's PKI on demand, signed by the same CA, so every kubeconfig written
// before stays valid.
const (
	karmadaClientName = "karmada-client"          // identity of Karmada's components and kube-controller-manager
	webhookName       = "karmada-webhook"         // karmada-webhook serving certificate
	kcmName           = "kube-controller-manager" // kube-controller-manager serving certificate
	memberTokenName   = "member-token.csv"        // --token-auth-file of every member apiserver
	memberTokenUser   = "system:karmada:member-admin"
	karmadaClientCN   = "system:karmada:components"
	memberTokenBytes  = 32
)

func (p PKI) memberTokenFile() string { return filepath.Join(p.dir, memberTokenName) }

// ensureFederationPKI adds the certificates and the member token that the
// Karmada components and member apiservers need, if they are missing.
func ensureFederationPKI(p PKI) error {
	loopback := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	leaves := []struct {
		name string
		tmpl *x509.Certificate
	}{
		// Karmada's own installs give its components one system:masters
		// identity; so does the sandbox.
		{karmadaClientName, clientTemplate(karmadaClientCN, "system:masters")},
		{webhookName, serverTemplate(webhookName, loopback, "localhost")},
		{kcmName, serverTemplate(kcmName, loopback, "localhost")},
	}
	var ca *keyPair
	for _, l := range leaves {
		if _, err := os.Stat(p.cert(l.name)); err == nil {
			continue
		}
		if ca == nil {
			loaded, err := loadKeyPair(p, caName)
			if err != nil {
				return fmt.Errorf("loading the sandbox CA: %w", err)
			}
			ca = &loaded
		}
		pair, err := sign(*ca, l.tmpl)
		if err != nil {
			return fmt.Errorf("signing %s: %w", l.name, err)
		}
		if err := writePair(p, l.name, pair); err != nil {
			return err
		}
	}
	return ensureMemberToken(p)
}

// ensureMemberToken writes the static token file the member apiservers
// accept: one bearer token in group system:masters. Karmada reaches Push
// members with a token from the Cluster's secret, so this is its identity.
func ensureMemberToken(p PKI) error {
	if _, err := os.Stat(p.memberTokenFile()); err == nil {
		return nil
	}
	raw := make([]byte, memberTokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	line := fmt.Sprintf("%x,%s,karmada-member-admin,\"system:masters\"\n", raw, memberTokenUser)
	return os.WriteFile(p.memberTokenFile(), []byte(line), 0o600)
}

// memberToken reads the token back from the file written above.
func memberToken(p PKI) (string, error) {
	data, err := os.ReadFile(p.memberTokenFile())
	if err != nil {
		return "", err
	}
	token, _, ok := strings.Cut(string(data), ",")
	if !ok || token == "" {
		return "", fmt.Errorf("%s: no token (want token,user,uid,groups)", p.memberTokenFile())
	}
	return token, nil
}

// loadKeyPair reads a certificate and its PKCS#8 key written by writePair.
func loadKeyPair(p PKI, name string) (keyPair, error) {
	certPEM, err := readPEM(p.cert(name))
	if err != nil {
		return keyPair{}, err
	}
	keyPEM, err := readPEM(p.key(name))
	if err != nil {
		return keyPair{}, err
	}
	certBlock, _ := pem.Decode(certPEM)
	cert, err := x509.ParseCertificate(certBlock.Bytes)
	if err != nil {
		return keyPair{}, err
	}
	keyBlock, _ := pem.Decode(keyPEM)
	key, err := x509.ParsePKCS8PrivateKey(keyBlock.Bytes)
	if err != nil {
		return keyPair{}, err
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return keyPair{}, fmt.Errorf("%s: not a signing key", p.key(name))
	}
	return keyPair{cert: cert, key: signer}, nil
}
