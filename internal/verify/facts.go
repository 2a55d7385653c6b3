// Package verify judges a lab file's checks on what the lab learned from
// the engine: Evaluate runs them on the facts (package checks' Inventory)
// without touching the engine, so every check is tested on plain values.
// The kinds of check, and the facts they read, are package checks'.
package verify
