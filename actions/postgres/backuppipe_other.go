//go:build !linux

package postgres

// growPipe is Linux-only; elsewhere the pipe keeps its default size.
func growPipe(any) {}
