package docker

import (
	"github.com/docker/docker/client"

	"github.com/stacktop/stacktop/collectors/docker/endpoint"
)

// Endpoint resolves where the engine is, as the docker CLI would: the
// configured context or host, else DOCKER_HOST, DOCKER_CONTEXT, the
// current context of config.json, the default socket.
func (o Options) Endpoint() (endpoint.Endpoint, error) {
	return endpoint.Resolve(endpoint.Spec{
		Host: o.Host, Context: o.Context,
		TLSCACert: o.TLSCACert, TLSCert: o.TLSCert, TLSKey: o.TLSKey, TLSVerify: o.TLSVerify,
	}, o.Env)
}

// ClientOpts are the Docker client options for the resolved endpoint.
// Actions use them too, so they talk to the engine the user is looking at.
func (o Options) ClientOpts() ([]client.Opt, error) {
	ep, err := o.Endpoint()
	if err != nil {
		return nil, err
	}
	return ep.ClientOpts()
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
