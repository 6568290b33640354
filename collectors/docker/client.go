package docker

import (
	"net/http"

	"github.com/docker/docker/client"
	"github.com/docker/go-connections/tlsconfig"
)

// ClientOpts are the Docker client options for these settings: the
// environment (DOCKER_HOST, ...) first, then the configured Host; with TLS
// files, TLS as the docker CLI does it — the daemon's certificate checked
// against the CA only with TLSVerify (--tlsverify), encrypted only without.
// Actions use them too, so they talk to the engine the user is looking at.
func (o Options) ClientOpts() ([]client.Opt, error) {
	opts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	if o.TLSCACert != "" || o.TLSCert != "" {
		tc, err := tlsconfig.Client(tlsconfig.Options{
			CAFile: o.TLSCACert, CertFile: o.TLSCert, KeyFile: o.TLSKey,
			InsecureSkipVerify: !o.TLSVerify, ExclusiveRootPools: true,
		})
		if err != nil {
			return nil, err
		}
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}, CheckRedirect: client.CheckRedirect}
		// The host must be applied after the new transport, so it dials it.
		opts = append(opts, client.WithHTTPClient(hc), client.WithHostFromEnv())
	}
	if o.Host != "" {
		opts = append(opts, client.WithHost(o.Host))
	}
	return opts, nil
}

// NewClient builds a client from ClientOpts. Creating it does no I/O; the
// API version is negotiated on the first call.
func (o Options) NewClient() (*client.Client, error) {
	opts, err := o.ClientOpts()
	if err != nil {
		return nil, err
	}
	return client.NewClientWithOpts(opts...)
}
