//go:build race

package e2e

// raceEnabled: under 'go test -race' the binary under test is built with
// the race detector too, and a data race it reports fails the test.
const raceEnabled = true
