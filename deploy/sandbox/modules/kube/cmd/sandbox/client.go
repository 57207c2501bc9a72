package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

const kubeconfigContext = "sandbox"

// identity is a client certificate plus the CA that signs every serving
// certificate of the sandbox.
type identity struct {
	caPEM, certPEM, keyPEM []byte
}

func loadIdentity(p PKI, name string) (identity, error) {
	var id identity
	var err error
	if id.caPEM, err = readPEM(p.cert(caName)); err != nil {
		return id, err
	}
	if id.certPEM, err = readPEM(p.cert(name)); err != nil {
		return id, err
	}
	id.keyPEM, err = readPEM(p.key(name))
	return id, err
}

// writeKubeconfig writes a self-contained kubeconfig. The CA goes in
// certificate-authority-data, never the serving leaf: rustls does not accept
// a leaf certificate as a trust anchor for itself.
func writeKubeconfig(path, server, user string, id identity) error {
	return writeKubeconfigContext(path, kubeconfigContext, server, user, id)
}

// writeKubeconfigContext is writeKubeconfig with a context (and cluster)
// name of the caller's choice, e.g. a member cluster's name.
func writeKubeconfigContext(path, context, server, user string, id identity) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[context] = &clientcmdapi.Cluster{
		Server:                   server,
		CertificateAuthorityData: id.caPEM,
	}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{
		ClientCertificateData: id.certPEM,
		ClientKeyData:         id.keyPEM,
	}
	cfg.Contexts[context] = &clientcmdapi.Context{
		Cluster:  context,
		AuthInfo: user,
	}
	cfg.CurrentContext = context
	return clientcmd.WriteToFile(*cfg, path)
}

func restConfig(server string, id identity) *rest.Config {
	return &rest.Config{
		Host: server,
		TLSClientConfig: rest.TLSClientConfig{
			CAData:   id.caPEM,
			CertData: id.certPEM,
			KeyData:  id.keyPEM,
		},
		QPS:            100,
		Burst:          200,
		Timeout:        30 * time.Second,
		WarningHandler: rest.NoWarnings{},
	}
}

// httpClient is used for health endpoints, which client-go does not wrap.
func httpClient(id identity) (*http.Client, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(id.caPEM) {
		return nil, fmt.Errorf("bad CA certificate")
	}
	cert, err := tls.X509KeyPair(id.certPEM, id.keyPEM)
	if err != nil {
		return nil, err
	}
	return &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}},
		},
	}, nil
}

func kubeconfigPath(dir string) string { return filepath.Join(dir, "kubeconfig") }

func aggregatedKubeconfigPath(dir string) string {
	return filepath.Join(dir, "pki", "aggregated-apiserver.kubeconfig")
}
