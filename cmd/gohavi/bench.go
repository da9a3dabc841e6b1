package main

import (
	"context"
	"fmt"
	"io"
)

func benchCmd(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	return fmt.Errorf("bench: not built yet")
}
