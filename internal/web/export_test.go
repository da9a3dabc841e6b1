package web

// WriteErrorForTest exposes the error writer to the external tests.
var WriteErrorForTest = writeError
