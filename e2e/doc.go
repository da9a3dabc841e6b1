// Package e2e holds GoHavi's end-to-end tests. They build the gohavi
// binary once, run it as separate processes (serve, sim and the admin
// commands) exactly as an operator would, and drive it through its HTTP
// API, its realtime stream, the Cloud API simulator and, for the inbox, a
// headless Chromium.
//
// PostgreSQL tests use the database at TEST_POSTGRES_URL (default
// 127.0.0.1:5432/test) and skip when it is unreachable, as the browser
// test does without chromium; under CI=true both are failures instead.
// Under 'go test -race' (or with GOHAVI_E2E_RACE=1) the binary is built
// with the race detector too, and a race it reports fails the test;
// GOHAVI_E2E_BIN=/path/to/gohavi tests that binary instead of building one.
package e2e
