// Package domain holds GoHavi's core types, their invariants and the error
// codes every layer speaks. It imports nothing of ours and knows neither SQL
// nor HTTP, so every other package can depend on it without cycles.
package domain
